"""Every public page is valid HTML, by the Nu HTML checker (vnu-jar from npm, run with
the machine's Java; `make test` installs it)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import override_settings

from .pages import PUBLIC_PAGES

VNU = (
    Path(__file__).resolve().parents[1] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_public_page_is_valid_html(client, demo, tmp_path, language):
    if not VNU.exists() or not shutil.which("java"):
        pytest.fail("The Nu HTML checker needs node_modules/vnu-jar (make test) and java.")
    client.get(f"/language/{language}/")
    files = []
    with override_settings(DEBUG=False):
        for number, path in enumerate(PUBLIC_PAGES):
            response = client.get(path)
            assert response.status_code == 200, path
            file = tmp_path / f"page{number}.html"
            file.write_bytes(response.content)
            files.append(str(file))
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own files
        ["java", "-jar", str(VNU), "--errors-only", *files],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = result.stderr.replace(str(tmp_path) + "/", "")
    for number, path in enumerate(PUBLIC_PAGES):
        report = report.replace(f"page{number}.html", path)
    assert result.returncode == 0, report
