"""The clock: the one module that reads the time.

Everything else asks here, and ruff's banned-api (pyproject.toml) refuses a direct read
anywhere else: `datetime.now`, `date.today`, `time.time`, `timezone.now`, and Django's
`Now()`, which would read the database server's clock instead of ours. So the tests can
fix the time for the whole product (time-machine moves what these read), and only a
process the suite starts (gunicorn, the task worker, send_alerts) reads the machine's
clock, which CI checks by running those tests again under faketime.
"""

import time

from django.utils import timezone

# The same function, not a wrapper: a model field's `default=clock.now` is written in
# its migrations as django.utils.timezone.now, as before.
now = timezone.now


def today():
    """Today in Asia/Shanghai (TIME_ZONE), the day every page and rule counts in."""
    return timezone.localdate(now())


def local_now():
    """Now, as a wall-clock time in Asia/Shanghai."""
    return timezone.localtime(now())


def seconds():
    """Seconds since the epoch, for counters' windows and signatures."""
    return time.time()
