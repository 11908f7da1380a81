"""A process that is killed in the middle of its work (tests/test_faults.py).

    python -m tests.fault_worker import <file> <username> [pause]
    python -m tests.fault_worker approve <report id> <username> [pause]

With "pause", the process says "paused" on standard output at the worst moment (half
the import's rows written, or the approval written but not committed) and waits to
be killed.
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yicheng.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.db.models.signals import post_save  # noqa: E402

from projects.exchange.importing import import_file  # noqa: E402
from projects.models import ProgressReport  # noqa: E402


def pause_after(count, when=lambda report: True):
    seen = []

    def receiver(sender, instance, **kwargs):
        if when(instance):
            seen.append(instance.pk)
            if len(seen) == count:
                print("paused", flush=True)
                time.sleep(60)

    post_save.connect(receiver, sender=ProgressReport, weak=False)


if __name__ == "__main__":
    action, subject, username = sys.argv[1:4]
    pause = len(sys.argv) > 4
    user = get_user_model().objects.get(username=username)
    if action == "import":
        if pause:
            pause_after(20)
        with open(subject, "rb") as f:
            check, created = import_file(ContentFile(f.read(), name=subject), user)
        print("imported", created, flush=True)
    else:
        if pause:
            pause_after(1, when=lambda report: report.state == "approved")
        ProgressReport.objects.get(pk=int(subject)).approve(user)
        print("approved", flush=True)
