import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from projects.models import Plan
from projects.rules import clock as product_clock

from .factories import PlanFactory, ProjectFactory, ReportFactory, TargetFactory, UserFactory
from .htmlcheck import NuChecker
from .worlds import Snapshot, World, built_once_per_run

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The suite's clock. 20:00 UTC is already 04:00 of the next day in Shanghai, so a day
# taken in UTC where Asia/Shanghai is meant comes out one day off, and fails.
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)

# Modules marked `any_hour` run each test at each of these instants, the clock stopped:
# the hours when a page's "today" and a stored instant's day part ways.
SUSPECT_HOURS = {
    "just-before-midnight-shanghai": datetime(2026, 11, 25, 23, 59, 59, 999000, tzinfo=SHANGHAI),
    "just-after-midnight-shanghai": datetime(2026, 11, 26, 0, 0, 0, 1000, tzinfo=SHANGHAI),
    "20h-utc": NOW,
}


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("any_hour"):
        metafunc.parametrize(
            "clock", list(SUSPECT_HOURS.values()), ids=list(SUSPECT_HOURS), indirect=True
        )


def pytest_collection_modifyitems(items):
    """The tests of a module that starts processes stay on one pytest-xdist worker
    (`--dist loadgroup`), one after another: its timed races and kills never run beside
    each other. A test that saves a file with LibreOffice starts a process too, but not
    one marked `processes`: LibreOffice is a tool that never gets faketime's clock
    (`machine_clock_env`), so the clock pass would run it for nothing. The tests that
    ask the Nu checker share one worker, so that one Java process serves them all."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if item.get_closest_marker("processes") or "libreoffice" in fixtures:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
        elif "nu_checker" in fixtures:
            item.add_marker(pytest.mark.xdist_group("nu_checker"))


def schemathesis_cases():
    """Cases sent per API operation by tests/test_api_document.py in this process."""
    module = sys.modules.get("tests.test_api_document")
    return dict(module.CASES) if module else {}


# Under pytest-xdist each worker counts its own cases and hands them to the controller.
WORKERS_CASES = Counter()


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["schemathesis_cases"] = schemathesis_cases()


def pytest_testnodedown(node, error):
    WORKERS_CASES.update(getattr(node, "workeroutput", {}).get("schemathesis_cases", {}))


STARTED = time.monotonic()  # the run's start, as near as a conftest gets to it


def pytest_runtest_logreport(report):
    """Each phase's time of each test, appended to $TEST_DURATIONS when it is set (.ci/run
    reads it for its 25 slowest), by the one process that sees every report."""
    path = os.environ.get("TEST_DURATIONS")
    if path and not os.environ.get("PYTEST_XDIST_WORKER"):
        with open(path, "a") as out:
            out.write(f"{os.environ.get('CI_PHASE', '')}\t{report.nodeid}\t{report.duration}\n")


def pytest_terminal_summary(terminalreporter, config):
    """The run's outcome for $TEST_RUNS (.ci/run's table: tests per pass and their time);
    how many cases schemathesis sent each API operation (tests/test_api_document.py),
    also written to var/schemathesis-cases.json for the record."""
    path = os.environ.get("TEST_RUNS")
    if path and not os.environ.get("PYTEST_XDIST_WORKER"):
        what = "browser" if any("tests/browser" in str(a) for a in config.args) else "suite"
        if config.option.markexpr:
            what += f" -m '{config.option.markexpr}'"
        counts = {k: len(terminalreporter.stats.get(k, [])) for k in ("passed", "skipped")}
        failed = sum(len(terminalreporter.stats.get(k, [])) for k in ("failed", "error"))
        seconds = time.monotonic() - STARTED
        with open(path, "a") as out:
            out.write(
                f"{os.environ.get('CI_PHASE', '')}\t{what}\t{seconds:.0f}\t{counts['passed']}"
                f"\t{counts['skipped']}\t{failed}\n"
            )
    cases = dict(sorted((Counter(schemathesis_cases()) + WORKERS_CASES).items()))
    if not cases:
        return
    terminalreporter.write_sep("-", f"schemathesis: {sum(cases.values())} API cases")
    for operation, count in cases.items():
        terminalreporter.write_line(f"{count:6d}  {operation}")
    record = Path(__file__).resolve().parent.parent / "var" / "schemathesis-cases.json"
    record.parent.mkdir(exist_ok=True)
    record.write_text(json.dumps({"total": sum(cases.values()), "operations": cases}, indent=1))


@pytest.fixture(autouse=True)
def clock(request):
    """No test reads the wall clock: each runs at `NOW`, the clock ticking from there (so
    that waits and timeouts still pass), or, in an `any_hour` module, stopped at each of
    the `SUSPECT_HOURS`. Move it with `clock.move_to(...)`. Subprocesses (gunicorn, the
    concurrency workers) keep the real clock; CI also runs the suite under faketime."""
    frozen = getattr(request, "param", None)
    with time_machine.travel(frozen or NOW, tick=frozen is None) as traveller:
        yield TestClock(traveller)


class TestClock:
    """The test's clock: moved by the test, read as the product reads it (projects.rules.clock),
    so a test may name it `clock` and still ask `clock.now()`."""

    def __init__(self, traveller):
        self.move_to, self.shift = traveller.move_to, traveller.shift

    now = staticmethod(product_clock.now)
    today = staticmethod(product_clock.today)
    seconds = staticmethod(product_clock.seconds)


@pytest.fixture(autouse=True, scope="session")
def own_cache(tmp_path_factory):
    """The suite's own shared cache, of the kind a default install has (a folder), so
    that no other run, nor the developer's server, shares its pages or version."""
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("cache")
    backend = "django.core.cache.backends.filebased.FileBasedCache"
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": str(folder)}}):
        yield


@pytest.fixture(autouse=True, scope="session")
def static_files_listed_once():
    """WhiteNoise lists the static files (some 650, 40 ms) when a handler loads its
    middleware: once per process in production, but here for every test client, most
    of the suite's tests. The list is made once per folder and copied into each."""
    from whitenoise.base import WhiteNoise

    listed = {}
    original = WhiteNoise.update_files_dictionary

    def once(self, root, prefix):
        if (root, prefix) not in listed:
            files, self.files = self.files, {}
            original(self, root, prefix)
            listed[root, prefix], self.files = self.files, files
        self.files.update(listed[root, prefix])

    WhiteNoise.update_files_dictionary = once
    yield
    WhiteNoise.update_files_dictionary = original


@pytest.fixture(autouse=True)
def empty_cache(own_cache):
    """Each test starts with no cached page and no content version, and no content
    type remembered from another test's database: a restored world (tests/worlds.py)
    or a flush brings content types under other ids, and the admin's log would name a
    stale one."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    from projects.web import freshness

    cache.clear()
    freshness.memory.clear()
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def chinese_first():
    """Each test starts in the site's language: a request leaves the language it chose
    active in the thread, so an English page fetched by the test before would otherwise
    name statuses in English in this one."""
    from django.utils import translation

    translation.deactivate()


# Real hashing costs ~0.3 s per account by design; tests make many accounts.
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHING


IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
ON_DISK = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


@pytest.fixture(autouse=True, scope="session")
def files_in_memory(tmp_path_factory):
    """Uploaded files live in Django's InMemoryStorage for the whole run, so whatever
    reads or writes one past the storage API (a path under MEDIA_ROOT, open(), os.*)
    finds nothing and fails; MEDIA_ROOT is a plain file, so writing under it fails too.
    Tests of the file system itself say so and switch to `files_on_disk`. Processes the
    suite starts cannot see this memory: they keep the settings' FileSystemStorage,
    gunicorn_serving's under its own temporary VAR_DIR (tests/*_worker.py write no file)."""
    from django.conf import settings
    from django.test import override_settings

    not_a_folder = tmp_path_factory.mktemp("media") / "not-a-folder"
    not_a_folder.write_bytes(b"")
    storages = {**settings.STORAGES, "default": IN_MEMORY}
    with override_settings(STORAGES=storages, MEDIA_ROOT=not_a_folder):
        yield


@pytest.fixture(autouse=True)
def media_root(files_in_memory):
    """Each test starts with no stored file (emptied through the storage API)."""
    from django.core.files.storage import default_storage

    from projects.exchange import stored

    for name in stored.names():
        default_storage.delete(name)


@pytest.fixture
def files_on_disk(settings, tmp_path):
    """For the few tests about the file system itself: FileSystemStorage on a fresh
    folder (the test may point MEDIA_ROOT elsewhere, e.g. a small mounted disk)."""
    settings.STORAGES = {**settings.STORAGES, "default": ON_DISK}
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def nu_checker(tmp_path_factory):
    """The Nu HTML checker, started once per test run (tests/htmlcheck.py):
    `nu_checker.errors({name: html})` is {} when every page is valid."""
    checker = NuChecker(tmp_path_factory.mktemp("vnu") / "vnu.log")
    yield checker
    checker.close()


# The instant the shared worlds are built at: ten minutes before the suite's clock, the
# same day in Shanghai, so that what a test does comes after what its world did, as when
# the test built it itself (a history is read in order).
WORLD_CLOCK = NOW - timedelta(minutes=10)


@pytest.fixture(scope="session")
def build_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """build_once(build, key=None) → a World: what `build()` made in the database and
    the file store, at `WORLD_CLOCK`, kept and then rolled back; `world.restored()`
    puts it into a test's database and returns (a copy of) what `build` returned
    (tests/worlds.py). Call it from a fixture of module or session scope. Under xdist
    one worker builds it and the others read it (`key` names it: by default `build`'s
    qualified name, so what it returns must pickle)."""
    from django.conf import settings
    from django.db import transaction
    from django.test import override_settings

    def here(build):
        with (
            django_db_blocker.unblock(),
            time_machine.travel(WORLD_CLOCK),
            # A store of its own, not the one of the test that asked first.
            override_settings(STORAGES=settings.STORAGES, PASSWORD_HASHERS=FAST_HASHING),
            transaction.atomic(),
        ):
            made = build()
            world = World(Snapshot.take(), made)
            transaction.set_rollback(True)
        return world

    def run(build, key=None):
        if not os.environ.get("PYTEST_XDIST_WORKER"):
            return here(build)
        # All of this run's workers share getbasetemp().parent, and only they.
        key = key or f"{build.__module__}.{build.__qualname__}"
        folder = tmp_path_factory.getbasetemp().parent / "worlds" / key
        return built_once_per_run(folder, lambda: here(build))

    return run


@pytest.fixture(scope="session")
def demo_world(build_once):
    """`make demo`'s world (manage.py load_demo: the 2021 plan with its history, this
    year's and next year's), built once per test run."""
    return build_once(lambda: call_command("load_demo", stdout=StringIO()), key="demo")


@pytest.fixture
def demo(db, demo_world, media_root):
    """The demo's world in this test's database and file store; returns the 2021 plan."""
    demo_world.restored()
    return Plan.objects.get(year=2021)


def shared_world(build):
    """The fixtures `built_world` and `world` for a module whose tests share one world:
    `build()` runs once per module and `world` is what it returned, restored for each
    test (`built_world, world = shared_world(make_world)`)."""

    @pytest.fixture(scope="module", name="built_world")
    def built(build_once):
        return build_once(build)

    @pytest.fixture(name="world")
    def restored(db, built_world, media_root):
        return built_world.restored()

    return built, restored


@pytest.fixture
def plan_2021(db):
    """The real 2021 plan, loaded by the same command `make run` uses."""
    call_command("load_plan", "2021", stdout=StringIO())
    return Plan.objects.get(year=2021)


def make_plan():
    return PlanFactory(year=2021, period_start=date(2021, 1, 1), period_end=date(2021, 12, 31))


@pytest.fixture
def plan(db):
    return make_plan()


def build_plan(plan, projects, targets_per_project=2, reports_per_target=3):
    """A plan filled with projects, targets and reports, for tests that vary the size."""
    for number in range(1, projects + 1):
        project = ProjectFactory(plan=plan, number=number)
        for _ in range(targets_per_project):
            target = TargetFactory(project=project)
            for month in range(1, reports_per_target + 1):
                ReportFactory(target=target, value=month * 5, as_of=date(plan.year, month, 1))
    return plan


def completion_states(plan):
    """Four projects of `plan`, numbered by what they are on the suite's today: 1 公示中
    (its notice closes today), 2 整改中 (an objection upheld today), 3 已完成 (its notice
    ran out in July, nothing upheld), the figures of each complete; 4 not (one target
    of two met). The notices are written directly: their rules are test_notice.py's."""
    from projects.models import Notice

    today = product_clock.today()
    ends = {1: (today, None), 2: (today, today), 3: (date(plan.year, 7, 9), None)}
    for number, (closes_on, upheld_on) in ends.items():
        target = TargetFactory(project__plan=plan, project__number=number, target_value=10)
        report = ReportFactory(target=target, value=10, as_of=date(plan.year, 6, 30))
        Notice.objects.create(
            project=target.project, report=report, opens_on=report.as_of,
            published_on=date(plan.year, 7, 2), closes_on=closes_on, days=7, upheld_on=upheld_on,
        )  # fmt: skip
    short = ProjectFactory(plan=plan, number=4)
    ReportFactory(target=TargetFactory(project=short, target_value=10), value=10)
    TargetFactory(project=short, target_value=10)
    return plan


@pytest.fixture
def target(plan):
    """八、小游园, 16 座: the target the public-side tests report on. Modules that need
    another define their own `target`, which wins."""
    return TargetFactory(
        project__plan=plan,
        project__number=8,
        project__title="小游园",
        name="新建小游园",
        unit="座",
        target_value=Decimal("16"),
    )


@pytest.fixture
def superuser(db):
    return UserFactory(username="chief", is_staff=True, is_superuser=True)


@pytest.fixture
def queries_of(client):
    """Return the SQL a GET of `url` runs, so tests can compare two data sizes."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.web import freshness

    def run(url, using=client):
        cache.clear()  # measure rendering, not a cached page
        freshness.memory.clear()
        with CaptureQueriesContext(connection) as context:
            response = using.get(url)
            if response.streaming:  # its queries run as it is read
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        return [q["sql"] for q in context.captured_queries]

    return run


def make_official(username, role, *departments):
    """A staff account with `role` (one of projects/rules/roles.py), member of `departments`."""
    from django.contrib.auth.models import Group

    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    for department in departments:
        department.members.add(user)
    return user


def report_form(target, **fields):
    """The POST of the admin's add-report page, with an empty evidence inline."""
    data = {
        "target": target.pk,
        "value": "10",
        "as_of": "2021-06-30",
        "note": "",
        "delay_reason": "",
        "next_steps": "",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def database_url():
    """The test database, for processes outside this one."""
    from urllib.parse import quote

    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = quote(s["HOST"] or s["OPTIONS"].get("host", ""), safe="")
    port = s["PORT"] or s["OPTIONS"].get("port") or 5432
    return f"postgres://{s['USER']}@/{s['NAME']}?host={host}&port={port}"


def machine_clock_env(**overrides):
    """os.environ for a process that must read the machine's one clock. Under the CI run
    with faketime ("@…"), each process's clock starts afresh at the same instant, so a
    process started later can read an earlier time than one before it: a lease written
    by one `send_alerts` run would not yet be over for the next."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}
    return {**env, **overrides}


@pytest.fixture(params=["database", "Redis"])
def counted_in(request, settings):
    """Each limit's counters in both places they are kept (projects/web/counters.py)."""
    if request.param == "Redis":
        url = redis_url()
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
        from django.core.cache import cache

        cache.clear()
    return request.param


def redis_url():
    """The address of the throwaway Redis that `make test` starts (scripts/with-redis):
    without it, a failure in CI and a loud skip elsewhere. Each pytest-xdist worker has
    a database of its own there, so one's flush never empties another's."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but TEST_REDIS_URL is not: run through scripts/with-redis.")
        pytest.skip("!!! no Redis (TEST_REDIS_URL unset): `make test` starts one !!!")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw-1")
    return f"{url}?db={int(worker.removeprefix('gw')) + 1}"


@contextlib.contextmanager
def gunicorn_serving(env, folder, app="yicheng.wsgi"):
    """make serve's gunicorn (yicheng/gunicorn.py) on a free loopback port, with `env`
    over the test's own, VAR_DIR in `folder`, on the test database. Once /healthz
    answers, yields its address (host, port) and its whole environment, for other
    processes that must share its database and cache."""
    root = Path(__file__).resolve().parents[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if k != "CACHE_URL"},
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "served-test-" + "x" * 40,
        "VAR_DIR": str(folder),  # the default file cache lives in VAR_DIR/cache
        "BIND": f"127.0.0.1:{port}",
        "REQUEST_LOG": "0",
        "DEBUG": "0",
        **env,
    }
    collected = root / "var" / "static"  # make test collects them before the suite
    if (collected / "staticfiles.json").exists():
        (folder / "static").symlink_to(collected)
    else:
        command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        subprocess.run(command, cwd=root, env=env, check=True)  # noqa: S603
    log_path = folder / "gunicorn.log"
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own server
            [gunicorn, "--config", "yicheng/gunicorn.py", app],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    probe.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
                    if probe.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(log_path.read_text()[-3000:])
                time.sleep(0.2)
            yield ("127.0.0.1", port), env
        finally:
            # gunicorn's quick shutdown: a graceful one waits out the keep-alive connections.
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


@pytest.fixture
def mailbox(settings):
    """A real SMTP server on loopback (tests/receivers.py) that the product's own SMTP
    backend sends to."""
    from .receivers import Mailbox

    with Mailbox() as box:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", box.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield box
