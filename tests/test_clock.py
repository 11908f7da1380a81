"""The product reads the clock in one place, projects/rules/clock.py, which the tests fix; so
only the tests that start processes need the run under faketime (.ci/run)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize(
    "read",
    [
        "from django.utils import timezone\nx = timezone.now()\n",
        "from django.db.models.functions import Now\nx = Now()\n",
        "import datetime\nx = datetime.date.today()\n",
        "from datetime import datetime\nx = datetime.now()\n",
        "import time\nx = time.time()\n",
    ],
)
def test_the_lint_refuses_a_direct_read_of_the_clock(read):
    result = subprocess.run(  # noqa: S603 - the project's own linter
        [RUFF, "check", "--no-cache", "--select", "TID251", "--stdin-filename", "projects/x.py"],
        input=read,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1 and "TID251" in result.stdout, result.stdout


def test_nothing_but_the_clock_asks_django_for_today_or_this_hour():
    """Django's localdate and localtime with no argument read the clock; ruff cannot tell
    them from the conversions, so this looks for them (past migrations stay as written)."""
    found = []
    for folder in ("projects", "yicheng", "scripts", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "projects" / "rules" / "clock.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"\blocal(date|time)\(\)", line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []
