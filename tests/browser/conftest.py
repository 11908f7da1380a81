"""Browser tests: Debian's chromium driven by Playwright, against pytest-django's live
server. Where chromium is absent they are skipped with a loud message, unless CI is
set: then they fail, so CI can never pass without having run them."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make to set up data are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
MISSING = "chromium is not installed (apt-get install chromium): browser tests NOT RUN"


def pytest_report_header(config):
    if not HAVE_CHROMIUM:
        return f"!!! {MISSING} !!!"
    return f"browser tests: {CHROMIUM}"


def pytest_collection_modifyitems(config, items):
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


@pytest.fixture
def axe_source():
    path = NODE_MODULES / "axe-core" / "axe.min.js"
    if not path.exists():
        pytest.fail("axe-core is missing: run `make test`, which installs it from npm.")
    return path


@pytest.fixture
def vnu_jar():
    path = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not path.exists():
        pytest.fail("vnu-jar is missing: run `make test`, which installs it from npm.")
    if not shutil.which("java"):
        pytest.fail("java is needed for the Nu HTML checker.")
    return path
