"""Browser tests: Debian's chromium driven by Playwright, against pytest-django's live
server. Where chromium is absent they are skipped with a loud message, unless CI is
set: then they fail, so CI can never pass without having run them."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE.parents[1] / "node_modules"
MISSING = "chromium is not installed (apt-get install chromium): browser tests NOT RUN"


def pytest_report_header(config):
    if not HAVE_CHROMIUM:
        return f"!!! {MISSING} !!!"
    return f"browser tests: {CHROMIUM}"


def pytest_collection_modifyitems(config, items):
    if any(HERE not in item.path.parents for item in items):
        raise pytest.UsageError(
            "The browser tests run on their own (`pytest tests/browser`, as make test does):"
            " they need DJANGO_ALLOW_ASYNC_UNSAFE, which the rest of the suite must not have."
        )
    # Playwright's sync API runs an event loop in the test thread; the ORM calls the
    # tests make to set up data are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if HAVE_CHROMIUM:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI is set but {MISSING}.")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=MISSING))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def plain_static_names(settings):
    """The live server serves static files from their sources, so pages must name them
    unhashed (production uses hashed names from the collected manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def files_on_disk_for_the_live_server(files_on_disk):
    """The live server keeps uploaded files on disk, as a deployment on one machine does
    (tests/conftest.py `files_on_disk`), not in the suite's InMemoryStorage."""


@pytest.fixture
def axe_source():
    path = NODE_MODULES / "axe-core" / "axe.min.js"
    if not path.exists():
        pytest.fail("axe-core is missing: run `make test`, which installs it from npm.")
    return path


@pytest.fixture(autouse=True)
def contexts_closed(browser):
    """Each test closes the browser contexts it opened. An open context keeps its
    keep-alive sockets, each served by a live-server thread that holds its database
    connection (CONN_MAX_AGE): left open, they took PostgreSQL's 100 connections."""
    yield
    for context in browser.contexts:
        context.close()
