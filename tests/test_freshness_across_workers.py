"""An approval shows on the very next request, whichever server process answers it.

The product runs as `make serve` runs it (gunicorn with its settings, several
workers) on the test database; every worker answers the pages, so each holds them in
its memory; another process approves a report; then every answer of every worker
shows the new figure. With the default cache (a folder shared by the processes of
one machine) and with Redis (what several machines share), on SQLite (make test) and
on PostgreSQL (make test-pg): the four combinations."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from .conftest import database_url, make_official
from .factories import DepartmentFactory, ReportFactory, TargetFactory

pytestmark = pytest.mark.django_db(transaction=True)

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
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but TEST_REDIS_URL is not: run through scripts/with-redis.")
        pytest.skip("!!! no Redis (TEST_REDIS_URL unset): run `make test`, which starts one !!!")
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
    reporter = make_official("clerk", "填报员", department)
    make_official("checker", "审核员")
    return ReportFactory(
        target=road,
        value=36,
        as_of=date(2021, 11, 30),
        state="submitted",
        created_by=reporter,
        submitted_by=reporter,
    )


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(cache_url, tmp_path):
    """make serve's gunicorn (yicheng/gunicorn.py) with WORKERS workers; its env."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "freshness-test-" + "x" * 40,
        "VAR_DIR": str(tmp_path),  # the default file cache lives in VAR_DIR/cache
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
        "REQUEST_LOG": "0",
        "DEBUG": "0",
    }
    env.pop("CACHE_URL", None)
    if cache_url:
        env["CACHE_URL"] = cache_url
    collected = ROOT / "var" / "static"  # make test collects them before the suite
    if (collected / "staticfiles.json").exists():
        (tmp_path / "static").symlink_to(collected)
    else:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    log = (tmp_path / "gunicorn.log").open("w")
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    process = subprocess.Popen(  # noqa: S603 - our own server
        [gunicorn, "--config", "yicheng/gunicorn.py", "tests.worker_wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail((tmp_path / "gunicorn.log").read_text()[-3000:])
                time.sleep(0.2)
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        return response.headers["X-Worker"], response.read().decode()


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
