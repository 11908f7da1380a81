"""Waiting for what happens in its own time (another process, Redis's expiry): ask until
it is so, and fail at a deadline, rather than sleep for a guess. A test waits no longer
than it must, and says what it waited for when it waited in vain."""

import time

import pytest


def wait_until(condition, what, timeout, every=0.05):
    """Call `condition()` until it returns something true, and return that. If `timeout`
    seconds pass first, fail the test saying `what` did not come about, and what the
    condition said last. The deadline is on the machine's monotonic clock, which the
    tests' clock (time-machine) leaves alone."""
    deadline = time.monotonic() + timeout
    while True:
        said = condition()
        if said:
            return said
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout} s for {what}, in vain (last: {said!r})")
        time.sleep(every)
