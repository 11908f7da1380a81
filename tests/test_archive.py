"""实事档案馆 (projects/api/archive.py): each plan's public data as a Frictionless Data
Package, valid by the `frictionless` library; its columns are the API's declarations;
once archived, the package is kept as built with its checksum, and the plan takes no
more reports."""

import csv
import hashlib
import io
import json
import zipfile
from datetime import date
from decimal import Decimal
from io import StringIO

import frictionless
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from projects.api import archive, schemas
from projects.models import Evidence, Plan, PlanArchive, ProgressReport
from projects.rules import roles

from .conftest import completion_states, make_official
from .factories import PlanFactory, ReportFactory, TargetFactory

SITE = "https://jd.example.gov.cn"
ZIP = "/data/2021/yicheng-minsheng-shishi-2021.zip"


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["jd.example.gov.cn", "testserver"]


@pytest.fixture
def road(plan):
    target = TargetFactory(project__plan=plan, project__number=11, unit="公里", target_value=40)
    report = ReportFactory(target=target, value=Decimal("12.5"), as_of=date(2021, 6, 30))
    Evidence.objects.create(
        report=report,
        file=ContentFile(b"%PDF-1.4 evidence", name="a.pdf"),
        kind=Evidence.Kind.PDF,
        content_type="application/pdf",
        original_name="a.pdf",
        size=17,
        caption="验收单",
    )
    return target


def download(client, folder, year=2021):
    """The package as a client gets it: datapackage.json and each file it names."""
    response = client.get(f"/data/{year}/datapackage.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    (folder / "datapackage.json").write_bytes(response.content)
    descriptor = response.json()
    for resource in descriptor["resources"]:
        csv_file = client.get(f"/data/{year}/{resource['path']}")
        assert csv_file.status_code == 200
        assert csv_file["Content-Type"] == "text/csv; charset=utf-8"
        (folder / resource["path"]).write_bytes(csv_file.content)
    return descriptor


def problems(folder):
    report = frictionless.validate(str(folder / "datapackage.json"))
    return report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])


def table(folder, name):
    return list(csv.DictReader(io.StringIO((folder / f"{name}.csv").read_text("utf-8-sig"))))


def test_every_plans_package_is_valid_by_frictionless(client, demo, tmp_path):
    PlanFactory(year=2020, title="另一年度")  # a plan with no projects yet
    for plan in Plan.objects.published():
        folder = tmp_path / str(plan.year)
        folder.mkdir()
        descriptor = download(client, folder, plan.year)
        assert problems(folder) == [], plan.year
        assert descriptor["profile"] == "tabular-data-package"
        assert [r["name"] for r in descriptor["resources"]] == [
            "plan",
            "projects",
            "targets",
            "reports",
            "evidence",
            "questions",
            "proposals",
            "candidates",
            "comments",
            "tallies",
            "ratings",
            "notices",
            "objections",
            "matters",
            "supervisions",
            "sites",
            "online_ratings",
            "surveys",
            "budgets",
            "funds",
            "contracts",
            "payments",
            "steps",
            "money_documents",
            "levels",
        ]
    assert len(table(tmp_path / "2021", "projects")) == 11
    year_2021 = Plan.objects.filter(year=2021)
    reports = ProgressReport.objects.public(year_2021).count()
    assert len(table(tmp_path / "2021", "reports")) == reports


def test_the_package_describes_licence_source_types_and_units(client, demo, tmp_path):
    descriptor = download(client, tmp_path)
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["sources"][0]["title"] == demo.source_name
    assert descriptor["created"].endswith("+08:00")  # Beijing time, as pages show
    assert "演示数据" in descriptor["description"]  # the demo is said to be one
    fields = {
        r["name"]: {f["name"]: f for f in r["schema"]["fields"]} for r in descriptor["resources"]
    }
    assert fields["targets"]["target_value"]["type"] == "number"
    assert fields["targets"]["target_value"]["unitField"] == "unit"
    assert fields["targets"]["percent"]["unit"] == "%"
    assert fields["reports"]["as_of"]["type"] == "date"
    assert fields["reports"]["approved_at"]["type"] == "datetime"
    assert fields["projects"]["status"]["constraints"]["enum"][0] == "complete"
    assert fields["evidence"]["size"]["unit"] == "字节"
    assert fields["reports"]["value"]["description"] == "截至该日期的累计完成值"


def test_the_columns_are_the_apis_fields(client, road, tmp_path):
    """Declared once: each CSV has its API record's fields, in order (a report's
    evidence, a list of records, is a table of its own)."""
    descriptor = download(client, tmp_path)
    columns = {
        r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]
    }
    for name, path in [("projects", "/api/v1/projects/"), ("targets", "/api/v1/targets/")]:
        (record,) = client.get(path).json()["results"]
        assert columns[name] == list(record)
    (report,) = client.get("/api/v1/reports/").json()["results"]
    assert columns["reports"] == [name for name in report if name != "evidence"]
    assert columns["evidence"] == [*report["evidence"][0], "report", "size", "sha256"]
    assert list(schemas.PlanRecord.model_fields) == columns["plan"]


def test_evidence_is_listed_with_its_checksum_not_copied(client, road, tmp_path):
    download(client, tmp_path)
    (row,) = table(tmp_path, "evidence")
    assert row["sha256"] == hashlib.sha256(b"%PDF-1.4 evidence").hexdigest()
    assert row["size"] == "17" and row["caption"] == "验收单"
    names = zipfile.ZipFile(io.BytesIO(client.get(ZIP).content)).namelist()
    assert names == [
        "datapackage.json",
        "budgets.csv",
        "candidates.csv",
        "comments.csv",
        "contracts.csv",
        "evidence.csv",
        "funds.csv",
        "levels.csv",
        "matters.csv",
        "money_documents.csv",
        "notices.csv",
        "objections.csv",
        "online_ratings.csv",
        "payments.csv",
        "plan.csv",
        "projects.csv",
        "proposals.csv",
        "questions.csv",
        "ratings.csv",
        "reports.csv",
        "sites.csv",
        "steps.csv",
        "supervisions.csv",
        "surveys.csv",
        "tallies.csv",
        "targets.csv",
    ]


def test_only_approved_figures_of_published_plans_are_packaged(client, road, tmp_path):
    ReportFactory(target=road, value=Decimal("777.77"), state="submitted", note="未审核XYZ")
    PlanFactory(year=2022, is_published=False)
    download(client, tmp_path)
    for name in ("reports", "targets", "projects"):
        text = (tmp_path / f"{name}.csv").read_text("utf-8")
        assert "777.77" not in text and "XYZ" not in text
    assert client.get("/data/2022/datapackage.json").status_code == 404
    assert client.get("/data/2021/secrets.csv").status_code == 404


def test_a_tampered_csv_fails_validation(client, road, tmp_path):
    """The validation can fail: the descriptor's hash and types are checked."""
    download(client, tmp_path)
    reports = tmp_path / "reports.csv"
    reports.write_text(reports.read_text("utf-8").replace(",12.5,", ",twelve,"), "utf-8")
    types = {problem[3] for problem in problems(tmp_path)}
    assert {"hash-count", "type-error"} <= types


# Archiving


def test_archiving_keeps_the_package_as_built_with_its_checksum(client, road, site, tmp_path):
    reviewer = make_official("archivist", roles.ADMINISTRATOR)
    kept = archive.archive(Plan.objects.get(year=2021), reviewer)
    package = client.get(ZIP).content
    assert hashlib.sha256(package).hexdigest() == kept.sha256
    assert f'<code class="checksum">{kept.sha256}</code>' in client.get("/data/").content.decode()
    descriptor = download(client, tmp_path)
    assert problems(tmp_path) == []
    assert descriptor["archived"] == descriptor["created"]
    assert table(tmp_path, "targets")[0]["url"].startswith(f"{SITE}/plans/2021/")
    # Later changes to what the package was built from change nothing in it.
    road.name = "改过的名称"
    road.save()
    assert client.get(ZIP).content == package
    assert (
        client.get("/data/2021/datapackage.json").content
        == (tmp_path / "datapackage.json").read_bytes()
    )
    assert "改过的名称" in client.get("/api/v1/targets/").content.decode()  # the API is live


def test_the_package_says_complete_and_completed_as_the_api(client, plan):
    """projects.csv has both fields, read as the API reads them: a project 公示中 or
    整改中 is_complete, not is_closed."""
    completion_states(plan)
    text = client.get("/data/2021/projects.csv").content.decode("utf-8-sig")
    said = {r["number"]: (r["is_complete"], r["is_closed"]) for r in csv.DictReader(StringIO(text))}
    assert said == {
        "1": ("true", "false"),
        "2": ("true", "false"),
        "3": ("true", "true"),
        "4": ("false", "false"),
    }


def test_a_package_archived_before_is_closed_existed_does_not_gain_it(client, road, site):
    """An archived package is served as it was written: one archived before projects had
    `is_closed` (the same package without that column, and is_complete described as it
    was) stays without it, byte for byte, while the live API has it."""
    kept = archive.archive(Plan.objects.get(year=2021))
    files = archive.unzipped(kept.package)
    descriptor = json.loads(files["datapackage.json"])
    (projects,) = [r for r in descriptor["resources"] if r["name"] == "projects"]
    fields = [f for f in projects["schema"]["fields"] if f["name"] != "is_closed"]
    next(f for f in fields if f["name"] == "is_complete")["description"] = "所有指标都已达到目标值"
    projects["schema"]["fields"] = fields
    rows = list(csv.reader(io.StringIO(files["projects.csv"].decode("utf-8-sig"))))
    at = rows[0].index("is_closed")
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(row[:at] + row[at + 1 :] for row in rows)
    files["projects.csv"] = ("\ufeff" + out.getvalue()).encode()
    files["datapackage.json"] = json.dumps(descriptor, ensure_ascii=False, indent=2).encode()
    package = archive.zipped(files, kept.archived_at)
    PlanArchive.objects.filter(pk=kept.pk).update(
        package=package, sha256=hashlib.sha256(package).hexdigest()
    )
    assert client.get(ZIP).content == package
    for name in ("datapackage.json", "projects.csv"):
        served = client.get(f"/data/2021/{name}").content
        assert served == files[name] and b"is_closed" not in served, name
    (record,) = client.get("/api/v1/projects/?plan=2021").json()["results"]
    assert record["is_closed"] is False  # 12.5 of 40 km


def test_an_archived_plan_takes_no_report(road, site):
    waiting = ReportFactory(target=road, value=14, as_of=date(2021, 7, 31), state="draft")
    archive.archive(Plan.objects.get(year=2021))
    road.refresh_from_db()
    new = ProgressReport(target=road, value=20, as_of=date(2021, 12, 31))
    with pytest.raises(ValidationError, match="已归档"):
        new.full_clean()
    waiting.refresh_from_db()
    with pytest.raises(ValidationError, match="已归档"):
        waiting.submit(make_official("clerk", roles.REPORTER))
    assert ProgressReport.objects.get(pk=waiting.pk).state == "draft"


def test_an_archived_plan_takes_nothing_whatever_the_kind_and_says_it_one_way(road, site):
    """One rule (Plan.check_takes_input) in each model's validation: a report, a
    practical matter and the public's input are refused with the same words."""
    from projects.models import Matter, PublicInput

    archive.archive(Plan.objects.get(year=2021))
    plan = Plan.objects.get(year=2021)
    entries = {
        "填报或审核": ProgressReport(target_id=road.pk, value=20, as_of=date(2021, 12, 31)),
        "事项登记或审核": Matter(
            plan=plan, department=road.project.lead_department, done_on=date(2021, 12, 1),
            title="修补村道坑洼", category="transport",
        ),
        "留言": PublicInput(plan=plan, project=road.project, kind="question", text="何时完工？"),
    }  # fmt: skip
    for what, entry in entries.items():
        with pytest.raises(ValidationError) as refused:
            entry.clean()
        assert refused.value.messages == [f"2021年度计划已归档，数据已定稿，不再接受{what}。"]


@pytest.mark.parametrize("problem", ["waiting", "running", "unpublished", "no_site", "twice"])
def test_archiving_is_refused_until_the_plan_is_final(road, site, settings, problem):
    plan = Plan.objects.get(year=2021)
    expected = {
        "waiting": "等待审核",
        "running": "才结束",
        "unpublished": "尚未公开",
        "no_site": "SITE_URL",
        "twice": "已于",
    }[problem]
    if problem == "waiting":
        ReportFactory(target=road, value=14, as_of=date(2021, 7, 31), state="submitted")
    elif problem == "running":
        Plan.objects.filter(pk=plan.pk).update(period_end=date(2026, 12, 31))
    elif problem == "unpublished":
        Plan.objects.filter(pk=plan.pk).update(is_published=False)
    elif problem == "no_site":
        settings.SITE_URL = ""
    else:
        archive.archive(plan)
    with pytest.raises(ValidationError, match=expected):
        archive.archive(plan)
    assert PlanArchive.objects.count() == (1 if problem == "twice" else 0)
    assert Plan.objects.get(pk=plan.pk).archived_at is None or problem == "twice"


def test_the_archive_command_archives_and_says_the_checksum(road, site):
    out = StringIO()
    call_command("archive_plan", "2021", stdout=out)
    kept = PlanArchive.objects.get()
    assert kept.sha256 in out.getvalue()
    with pytest.raises(CommandError, match="已于"):
        call_command("archive_plan", "2021", stdout=StringIO())
    with pytest.raises(CommandError, match="没有 1999 年度"):
        call_command("archive_plan", "1999", stdout=StringIO())


def test_the_data_page_lists_each_plans_package(client, road):
    html = client.get("/data/").content.decode()
    assert 'href="/data/2021/datapackage.json"' in html
    assert f'href="{ZIP}"' in html
    assert "未归档" in html
    assert json.loads(client.get("/data/2021/datapackage.json").content)["name"] == (
        "yicheng-minsheng-shishi-2021"
    )
