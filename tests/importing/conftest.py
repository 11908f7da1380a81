"""A department of the 2021 plan with two targets to report on, and one target of
another department's, which its reporter may not touch; LibreOffice, to save files."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from projects.rules import roles

from ..conftest import machine_clock_env, make_official
from ..factories import DepartmentFactory, TargetFactory


@pytest.fixture
def department(db):
    return DepartmentFactory(name="区住建局")


@pytest.fixture
def targets(plan, department):
    parking = TargetFactory(
        project__plan=plan,
        project__number=7,
        project__lead_department=department,
        name="新增中心城区停车位",
        target_value=2000,
    )
    renovation = TargetFactory(
        project__plan=plan,
        project__number=6,
        project__lead_department=department,
        name="完成老旧小区改造",
        unit="户",
        target_value=1800,
    )
    other = TargetFactory(
        project__plan=plan, project__number=3, name="新建发热门诊", target_value=6
    )
    return parking, renovation, other


@pytest.fixture
def reporter(client, department):
    user = make_official("clerk", roles.REPORTER, department)
    client.force_login(user)
    return user


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory):
    """save_as(content, to): the file `content` (.xlsx bytes) opened in LibreOffice and
    saved as `to` (a --convert-to target: "ods", "xls", "csv:…"), as an official saves
    it. Debian's libreoffice-calc-nogui, which .ci/run installs: missing, a failure in
    CI and a loud skip elsewhere. One user profile for the session (the first start
    makes it); faketime's clock is not passed on, LibreOffice is a tool here."""
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but LibreOffice is missing: .ci/run installs it.")
        pytest.skip("!!! no LibreOffice: apt-get install libreoffice-calc-nogui !!!")
    home = tmp_path_factory.mktemp("libreoffice")
    # The locale decides how a cell is shown in a CSV (1,100 or 1.100): the same on
    # every machine.
    env = machine_clock_env(HOME=str(home), LANG="C.UTF-8", LC_ALL="C.UTF-8")
    profile = f"-env:UserInstallation={(home / 'profile').as_uri()}"

    def save_all(files, to, infilter=None):
        """{name: content} → {name: content saved as `to`}, in one LibreOffice start;
        `infilter`: how to read them (e.g. "CSV:44,34,76,1", LibreOffice's filter options:
        comma, double quote, UTF-8, from line 1)."""
        folder = Path(tempfile.mkdtemp(dir=home))
        for name, content in files.items():
            (folder / name).write_bytes(content)
        reading = [f"--infilter={infilter}"] if infilter else []
        command = [soffice, profile, "--headless", *reading, "--convert-to", to, "--outdir", "out"]
        command += files
        done = subprocess.run(  # noqa: S603 - our own command line
            command, cwd=folder, env=env, capture_output=True, text=True, timeout=300
        )
        saved = {name: folder / "out" / f"{Path(name).stem}.{to.split(':')[0]}" for name in files}
        missing = [name for name, path in saved.items() if not path.exists()]
        assert not missing, f"LibreOffice saved no {missing}: {done.stdout} {done.stderr}"
        return {name: path.read_bytes() for name, path in saved.items()}

    def save_as(content, to, name="填报.xlsx"):
        return save_all({name: content}, to)[name]

    save_as.all = save_all  # several files, one start
    return save_as
