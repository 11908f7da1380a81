"""An approval shows on the very next request, whichever server process answers it.

The product runs as `make serve` runs it (gunicorn with its settings, several
workers) on the test database; every worker answers the pages, so each holds them in
its memory; another process approves a report; then every answer of every worker
shows the new figure. With the default cache (a folder shared by the processes of
one machine) and with Redis (what several machines share), on SQLite (make test) and
on PostgreSQL (make test-pg): the four combinations."""

import subprocess
import sys
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from projects.rules import roles

from .conftest import gunicorn_serving, make_official, redis_url
from .factories import DepartmentFactory, ReportFactory, TargetFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 3
# Each page with the figure it shows before the approval and after.
PAGES = {
    "/": ("10 / 40 公里（25%）", "36 / 40 公里（90%）"),
    "/plans/2021/projects/11/": ("当前 <strong>10</strong>", "当前 <strong>36</strong>"),
    "/api/v1/targets/?plan=2021": ('"current_value": "10"', '"current_value": "36"'),
}


@pytest.fixture(params=["default cache", "Redis"])
def cache_url(request):
    """None for the default cache; the address of the Redis that make test starts."""
    if request.param == "default cache":
        return None
    url = redis_url()
    import redis

    redis.Redis.from_url(url).flushdb()  # nothing from an earlier test
    return url


@pytest.fixture
def pending(plan):
    """十一、农村公路 at 10 of 40 km (25%), and 36 km (90%) waiting for review."""
    department = DepartmentFactory(name="区交通运输局")
    road = TargetFactory(
        project__plan=plan,
        project__number=11,
        project__lead_department=department,
        unit="公里",
        target_value=40,
    )
    ReportFactory(target=road, value=10, as_of=date(2021, 3, 31))
    reporter = make_official("clerk", roles.REPORTER, department)
    make_official("checker", roles.REVIEWER)
    return ReportFactory(
        target=road,
        value=36,
        as_of=date(2021, 11, 30),
        state="submitted",
        created_by=reporter,
        submitted_by=reporter,
    )


@pytest.fixture
def server(cache_url, tmp_path):
    """make serve's gunicorn with WORKERS workers, each answer naming its worker; its
    address and the environment it runs in (which the approving process shares)."""
    env = {"WEB_CONCURRENCY": str(WORKERS), **({"CACHE_URL": cache_url} if cache_url else {})}
    app = "tests.worker_wsgi:application"
    with gunicorn_serving(env, tmp_path, app) as ((host, port), served_env):
        yield f"http://{host}:{port}", served_env


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        return response.headers["X-Worker"], response.read().decode()


def written(url, encoding):
    """The headers of `url` asked with Accept-Encoding `encoding`, as the server wrote
    them, and the length of the body that came (X-Body-Length)."""
    asked = urllib.request.Request(url, headers={"Accept-Encoding": encoding})  # noqa: S310
    with urllib.request.urlopen(asked, timeout=30) as response:  # noqa: S310 - loopback
        headers = dict(response.headers.items())
        headers["X-Body-Length"] = str(len(response.read()))
    return headers


def from_every_worker(url, times):
    """Answers to `url`, asked WORKERS at a time, until every worker gave `times`."""
    seen, answers = Counter(), []
    with ThreadPoolExecutor(WORKERS) as pool:
        for _ in range(100):
            for worker, body in pool.map(fetch, [url] * WORKERS):
                seen[worker] += 1
                answers.append(body)
            if len(seen) == WORKERS and min(seen.values()) >= times:
                return answers
    pytest.fail(f"not every worker answered {url} {times} times: {dict(seen)}")


def test_an_approval_shows_on_every_workers_very_next_answer(server, pending):
    base, env = server
    for page, (before, after) in PAGES.items():  # rendered by each worker, then kept
        answers = from_every_worker(base + page, times=3)
        assert all(before in body and after not in body for body in answers), page

    for encoding in ("identity", "gzip"):  # a kept page is written whole, its length said
        headers = written(base + "/plans/2021/projects/11/", encoding)
        assert "Transfer-Encoding" not in headers, encoding
        assert int(headers["Content-Length"]) == int(headers["X-Body-Length"]), encoding

    approval = subprocess.run(  # noqa: S603 - another process, as a reviewer's would be
        [sys.executable, "-m", "tests.approve_worker", str(pending.pk), "checker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert approval.returncode == 0, approval.stderr[-3000:]

    for page, (_before, after) in PAGES.items():
        answers = from_every_worker(base + page, times=2)
        stale = [body for body in answers if after not in body]
        assert not stale, f"{page}: {len(stale)} of {len(answers)} answers show the old figure"
