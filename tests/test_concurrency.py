"""Several processes at once, on whichever database the suite runs on: nothing lost,
nothing twice, and each target's current value is its latest approved report."""

import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from projects.models import ProgressReport, Target
from projects.rules import roles

from .conftest import database_url, make_official
from .factories import DepartmentFactory, ProjectFactory, ReportFactory, TargetFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

WORKERS = 4
ROOT = Path(__file__).resolve().parents[1]


def run_workers(*args_per_worker, **env_vars):
    env = {**os.environ, "DATABASE_URL": database_url(), **env_vars}
    processes = [
        subprocess.Popen(  # noqa: S603 - our own worker module
            [sys.executable, "-m", "tests.concurrency_worker", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in args_per_worker
    ]
    results = [p.communicate(timeout=600) for p in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err[-3000:]
    return [out for out, _ in results]


@pytest.fixture
def officials(plan):
    department = DepartmentFactory(name="区并发测试局")
    for number in range(1, 6):
        project = ProjectFactory(plan=plan, number=number, lead_department=department)
        TargetFactory(project=project, target_value=100000)
    for worker in range(WORKERS):
        make_official(f"reporter-{worker}", roles.REPORTER, department)
        make_official(f"reviewer-{worker}", roles.REVIEWER)


def test_four_processes_entering_250_reports_each_lose_nothing(officials):
    run_workers(*[("enter", str(w), "250") for w in range(WORKERS)])

    notes = list(ProgressReport.objects.values_list("note", flat=True))
    assert len(notes) == len(set(notes)) == WORKERS * 250
    assert set(ProgressReport.objects.values_list("state", flat=True)) == {"approved"}
    steps = ProgressReport.history.values_list("id", "state")
    assert len(steps) == WORKERS * 250 * 3  # entered, submitted, approved: each once

    for target in Target.objects.with_progress():
        latest = ProgressReport.objects.filter(target=target).order_by("-as_of", "-pk").first()
        assert target.current_value == latest.value


def test_racing_reviewers_approve_each_report_exactly_once(officials, plan):
    reporter = make_official("reporter-race", roles.REPORTER)
    target = Target.objects.first()
    for n in range(60):
        ReportFactory(
            target=target,
            value=n,
            as_of=date(2021, 2, 1),
            state="submitted",
            note=f"race-{n}",
            created_by=reporter,
            submitted_by=reporter,
        )
    won = [int(out) for out in run_workers(*[("approve", str(w)) for w in range(WORKERS)])]
    assert sum(won) == 60
    approved = ProgressReport.objects.filter(note__startswith="race-")
    assert approved.filter(state="approved").count() == 60
    # Each report names as its reviewer the one worker whose approval went through.
    reviewers = Counter(approved.values_list("reviewed_by__username", flat=True))
    assert reviewers == {f"reviewer-{w}": n for w, n in enumerate(won) if n}
    approvals = ProgressReport.history.filter(note__startswith="race-", state="approved")
    assert approvals.count() == 60  # no report's approval was recorded twice


@pytest.fixture
def counting_env(counted_in, settings):
    """The workers' environment: their counters where this test's are (conftest.py)."""
    if counted_in == "Redis":
        return {"CACHE_URL": settings.CACHES["default"]["LOCATION"]}
    return {}


def test_four_processes_counting_at_once_lose_no_hit(counting_env):
    """The counters behind the login limits (and later the public forms' limits)."""
    from projects.web import counters

    run_workers(*[("count", "race", "150")] * WORKERS, **counting_env)
    assert counters.peek("race").hits == WORKERS * 150


def test_four_processes_counting_on_the_clock_lose_no_hit(counting_env):
    """The counter behind the API's rate limit: one upsert per hit."""
    # Each worker says the count its last hit saw (they read the real clock, this test
    # a fixed one, so the count is theirs to tell).
    last = run_workers(*[("count_on_the_clock", "race-api", "150")] * WORKERS, **counting_env)
    assert max(int(out) for out in last) == WORKERS * 150
