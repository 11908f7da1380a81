"""Faults: a process killed half-way, a full disk, an unwritable folder. Each leaves all
or nothing, and the official gets a clear message."""

import os
import signal
import subprocess
import sys
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Evidence, ProgressReport
from projects.rules import roles

from .conftest import database_url, make_official, report_form
from .factories import DepartmentFactory, ProjectFactory, ReportFactory, TargetFactory
from .files import image_bytes
from .test_concurrency import ROOT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]


def start(*args):
    return subprocess.Popen(  # noqa: S603 - our own worker module
        [sys.executable, "-m", "tests.fault_worker", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when_paused(process):
    line = process.stdout.readline()
    assert line.strip() == "paused", process.stderr.read()[-3000:]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture
def department(plan):
    return DepartmentFactory(name="区故障测试局")


@pytest.fixture
def import_file(tmp_path, plan, department):
    rows = ["指标编号,新累计值,截至日期,滞后原因,下一步措施"]
    for number in range(1, 41):
        project = ProjectFactory(plan=plan, number=number, lead_department=department)
        target = TargetFactory(project=project, target_value=100)
        rows.append(f"{target.pk},{number},2021-06-30,测试,测试")
    path = tmp_path / "import.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    make_official("clerk", roles.REPORTER, department)
    return path


def test_an_import_killed_half_way_leaves_nothing_and_a_rerun_imports_all(import_file):
    process = start("import", str(import_file), "clerk", "pause")
    kill_when_paused(process)
    assert ProgressReport.objects.count() == 0

    process = start("import", str(import_file), "clerk")
    out, err = process.communicate(timeout=120)
    assert out.strip() == "imported 40", err[-3000:]
    assert ProgressReport.objects.filter(state="submitted").count() == 40


def test_an_approval_killed_before_it_commits_leaves_the_report_submitted(plan, department):
    reporter = make_official("clerk", roles.REPORTER, department)
    make_official("checker", roles.REVIEWER)
    target = TargetFactory(project__plan=plan, project__lead_department=department)
    report = ReportFactory(
        target=target,
        value=60,
        as_of=date(2021, 6, 30),
        state="submitted",
        created_by=reporter,
        submitted_by=reporter,
    )
    kill_when_paused(start("approve", str(report.pk), "checker", "pause"))
    report.refresh_from_db()
    assert (report.state, report.reviewed_by) == ("submitted", None)
    assert not report.history.filter(state="approved").exists()
    assert report.target.reports.approved().count() == 0


@pytest.fixture
def mount(tmp_path):
    """A real small filesystem for MEDIA_ROOT (needs root: CI runs as root)."""
    mounted = []

    def make(options):
        point = tmp_path / f"fs{len(mounted)}"
        point.mkdir()
        result = subprocess.run(  # noqa: S603
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],  # noqa: S607
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            message = (
                f"cannot mount a tmpfs here ({result.stderr.strip()}): disk-fault tests NOT RUN"
            )
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        mounted.append(point)
        return point

    yield make
    for point in mounted:
        subprocess.run(["umount", str(point)], check=False)  # noqa: S603, S607


@pytest.fixture
def reporter(client, plan, department):
    user = make_official("clerk", roles.REPORTER, department)
    client.force_login(user)
    return user


def post_with_photo(client, target):
    data = report_form(target, value="60", as_of="2021-06-30")
    data.update(
        {
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-file": SimpleUploadedFile(
                "site.jpg", image_bytes(size=(800, 600), noise=True)
            ),
            "evidence-0-caption": "现场照片",
        }
    )
    return client.post(reverse("admin:projects_progressreport_add"), data)


@pytest.mark.parametrize("options", ["size=16k", "ro,size=1m"], ids=["full disk", "read-only"])
def test_no_room_for_a_photo_gives_a_clear_error_and_saves_nothing(
    client, settings, files_on_disk, mount, reporter, plan, department, options
):
    # About the file system itself: files on a real, small disk, not in memory.
    settings.MEDIA_ROOT = mount(options)
    target = TargetFactory(project__plan=plan, project__lead_department=department)
    response = post_with_photo(client, target)
    assert response.status_code == 200
    assert "服务器暂时无法保存文件" in response.content.decode()
    assert ProgressReport.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def test_with_room_again_the_same_photo_is_saved(
    client, settings, files_on_disk, reporter, plan, department
):
    target = TargetFactory(project__plan=plan, project__lead_department=department)
    assert post_with_photo(client, target).status_code == 302
    assert Evidence.objects.get().file.size > 16 * 1024
