"""One of several processes that enter, submit and approve reports at the same time
(tests/test_concurrency.py starts them against the test database).

    python -m tests.concurrency_worker enter <worker> <count>
    python -m tests.concurrency_worker approve <worker>
    python -m tests.concurrency_worker count <key> <times>
"""

import os
import sys
from datetime import date, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yicheng.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402

from projects.models import ProgressReport, Target  # noqa: E402


def enter(worker, count):
    User = get_user_model()
    reporter = User.objects.get(username=f"reporter-{worker}")
    reviewer = User.objects.get(username=f"reviewer-{worker}")
    targets = list(Target.objects.order_by("pk"))
    for n in range(count):
        target = targets[(worker + n) % len(targets)]
        report = ProgressReport.objects.create(
            target=target,
            value=worker * 1000 + n,
            as_of=date(2021, 1, 1) + timedelta(days=(n * 7 + worker) % 360),
            note=f"w{worker}-{n}",
            delay_reason="并发测试",
            next_steps="并发测试",
            created_by=reporter,
        )
        report.submit(reporter)
        report.approve(reviewer)


def approve(worker):
    """Try to approve every submitted report; count the ones this worker won."""
    reviewer = get_user_model().objects.get(username=f"reviewer-{worker}")
    won = 0
    for report in ProgressReport.objects.filter(note__startswith="race-").order_by("pk"):
        try:
            report.approve(reviewer)
            won += 1
        except ValidationError:
            pass
    print(won)


def count(key, times):
    from projects.web import counters

    for _ in range(times):
        counters.hit(key, 3600)


def count_on_the_clock(key, times):
    from projects.web import counters

    for _ in range(times):
        hits, _left = counters.hit_on_the_clock(key, WIDE_WINDOW)
    print(hits)  # the last worker to count sees every hit


# Wide enough that no run crosses from one window into the next (about 11.6 days).
WIDE_WINDOW = 10**6


if __name__ == "__main__":
    if sys.argv[1] == "enter":
        enter(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "count":
        count(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "count_on_the_clock":
        count_on_the_clock(sys.argv[2], int(sys.argv[3]))
    else:
        approve(int(sys.argv[2]))
