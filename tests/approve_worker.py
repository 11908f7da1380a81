"""Approve one report from a process of its own, as a reviewer's request or a command
would (tests/test_freshness_across_workers.py).

    python -m tests.approve_worker <report id> <reviewer's user name>
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yicheng.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from projects.models import ProgressReport  # noqa: E402

if __name__ == "__main__":
    report_id, username = sys.argv[1:3]
    reviewer = get_user_model().objects.get(username=username)
    ProgressReport.objects.get(pk=report_id).approve(reviewer)
    print("approved", report_id)
