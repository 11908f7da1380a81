"""Importing practical matters (为群众办实事) from a department's sheet: the template,
a dry run that saves nothing, all or nothing, a re-upload adding only what is new, the
same matter twice in a file refused, another department's row refused; and the round
trip through LibreOffice: a reporter imports 30 matters from a sheet LibreOffice wrote,
a reviewer approves them, and the public page shows them."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Matter
from projects.rules import clock, roles

from ..conftest import make_official
from ..factories import DepartmentFactory, PlanFactory
from .upload import saved

IMPORT = reverse("admin:projects_matter_import")
TEMPLATE = reverse("admin:projects_matter_template")
ODS = "ods"
XLSX = "xlsx:Calc MS Excel 2007 XML"
LIST = reverse("admin:projects_matter_changelist")


@pytest.fixture
def plan(db):
    return PlanFactory(year=2026)


@pytest.fixture
def housing(db):
    return DepartmentFactory(name="区住建局")


@pytest.fixture
def reporter(client, plan, housing):
    user = make_official("zj-reporter", roles.REPORTER, housing)
    client.force_login(user)
    return user


def sheet_with(client, rows):
    """The downloaded template with `rows` ([{column: value}]) typed from its first row."""
    response = client.get(TEMPLATE + "?plan=2026")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["为群众办实事"]
    headers = [c.value for c in sheet[1]]
    for number, values in enumerate(rows, start=2):
        for column, value in values.items():
            sheet.cell(number, headers.index(column) + 1).value = value
    return workbook


def upload(client, plan, content, name="事项.xlsx"):
    return client.post(IMPORT, {"plan": plan.pk, "file": SimpleUploadedFile(name, content)})


def confirm(client, response):
    return client.post(IMPORT, {"confirm": "1", "token": response.context["token"]}, follow=True)


def matters(n, start=date(2026, 3, 1)):
    categories = ["养老", "交通", "医疗", "就业", "教育", "环境", "政务服务", "住房", "其他"]
    return [
        {
            "办结日期": f"{(start + timedelta(days=7 * i)):%Y.%m.%d}",
            "事项": f"为群众办的第{i + 1}件事",
            "类别": categories[i % len(categories)],
            "街道/社区": "西园街道",
            "受益人数": f"{(i + 1) * 10}人" if i % 3 else "",
            "简要说明": "照实登记。",
        }
        for i in range(n)
    ]


def outcomes(response):
    return [(r.number, r.outcome) for r in response.context["check"].rows if r.outcome != "empty"]


def test_the_template_names_the_department_and_explains_the_columns(client, reporter):
    workbook = sheet_with(client, [])
    sheet = workbook["为群众办实事"]
    assert [c.value for c in sheet[1]] == [
        "责任单位", "办结日期", "事项", "类别", "街道/社区", "受益人数", "简要说明",
    ]  # fmt: skip
    assert sheet["A2"].value == "区住建局"
    # 办结日期 shows what is typed or pasted there as a date, in all 200 rows
    assert {sheet.cell(row, 2).number_format for row in range(2, 202)} == {"yyyy-mm-dd"}
    notes = dict(workbook["填写说明"].iter_rows(min_row=2, values_only=True))
    assert notes["办结日期"] == "2026-01-01 至 2026-12-31 之间，不晚于今天"


def test_a_dry_run_saves_nothing_and_the_import_adds_only_what_is_new(client, plan, reporter):
    content = saved(sheet_with(client, matters(3)))
    dry = upload(client, plan, content)
    assert outcomes(dry) == [(2, "new"), (3, "new"), (4, "new")]
    assert not Matter.objects.exists()
    done = confirm(client, dry)
    assert "已导入 3 项" in done.content.decode()
    assert set(Matter.objects.values_list("state", "created_by__username")) == {
        ("submitted", "zj-reporter")
    }
    assert sorted(Matter.objects.values_list("beneficiaries", flat=True), key=str) == [
        20, 30, None,
    ]  # fmt: skip
    again = upload(client, plan, saved(sheet_with(client, matters(4))))
    assert outcomes(again) == [(2, "duplicate"), (3, "duplicate"), (4, "duplicate"), (5, "new")]


@pytest.mark.parametrize("rows", [3, 40])
def test_checking_a_sheet_costs_the_same_queries_however_many_rows(
    plan, reporter, rows, django_assert_num_queries
):
    from django.core.files.base import ContentFile

    from projects.exchange.matters_import import check_file

    lines = ["责任单位,办结日期,事项,类别,受益人数"]
    lines += [f"区住建局,2026-03-{1 + n % 28:02d},第{n + 1}件事,养老,{n}" for n in range(rows)]
    # 1 the reporter's departments, 2 the matters they entered before: nothing per row
    with django_assert_num_queries(2):
        check = check_file(ContentFile("\n".join(lines).encode(), name="事项.csv"), reporter, plan)
    assert [r.outcome for r in check.rows] == ["new"] * rows


@pytest.mark.parametrize(
    "row, column, message",
    [
        ({"办结日期": "2025-12-31"}, "办结日期", "须在本年度计划的周期内"),
        ({"办结日期": "2026-13-01"}, "办结日期", "有效的日期"),
        ({"受益人数": "-5"}, "受益人数", "不能为负数"),
        ({"受益人数": "5000000"}, "受益人数", "不能超过 100 万"),
        ({"办结日期": "3.15"}, "办结日期", "“3.15”这是一个数字，不是日期：请写作 2026-03-15。"),
        ({"受益人数": "32户"}, "受益人数", "“32户”：受益人数以人计，请只填写数字，不带“户”。"),
        (
            {"受益人数": "约1100"},
            "受益人数",
            "“约1100”不是确切数字：请填写确切数字，不写“余”“约”等字。",
        ),
        (
            {"类别": "玩具"},
            "类别",
            "“玩具”不是可选的类别，请填写9类之一：就业、教育、医疗、养老、住房、交通、环境、"
            "政务服务、其他。",
        ),
        (
            {"责任单位": "区卫健委"},
            "责任单位",
            "只能登记本单位的事项：“区卫健委”不是您所在的单位，请填写“区住建局”。",
        ),
        (
            {"办结日期": "46096"},  # 2026-03-15 pasted as its serial number, as text
            "办结日期",
            "“46096”这是一个数字，不是日期；如是表格的日期序号，它是 2026-03-15：请写作 "
            "2026-03-15，或把单元格设为日期格式。",
        ),
    ],
)
def test_a_bad_row_is_refused_with_its_column_and_nothing_is_imported(
    client, plan, reporter, row, column, message
):
    rows = matters(2)
    rows[1].update(row)
    response = upload(client, plan, saved(sheet_with(client, rows)))
    result = response.context["check"]
    assert not result.ok and "token" not in response.context
    (bad,) = [r for r in result.rows if r.outcome == "error"]
    assert bad.number == 3
    assert any(column in where and message in text for where, text in bad.placed_errors), (
        bad.placed_errors
    )
    assert not Matter.objects.exists()


def test_the_same_matter_twice_in_a_file_is_an_error(client, plan, reporter):
    rows = matters(2)
    rows.append(dict(rows[0]))
    response = upload(client, plan, saved(sheet_with(client, rows)))
    (bad,) = [r for r in response.context["check"].rows if r.outcome == "error"]
    assert bad.number == 4
    assert "与第 2 行是同一事项" in bad.placed_errors[0][1]
    assert not Matter.objects.exists()


def test_a_plan_archived_before_the_confirmation_takes_nothing(client, plan, reporter):

    dry = upload(client, plan, saved(sheet_with(client, matters(2))))
    assert dry.context["check"].ok
    type(plan).objects.filter(pk=plan.pk).update(archived_at=clock.now())
    done = confirm(client, dry)
    assert "2026年度计划已归档，数据已定稿，不再接受事项登记或审核。" in done.content.decode()
    assert not Matter.objects.exists()


def test_a_file_that_is_not_a_table_is_refused(client, plan, reporter):
    response = upload(client, plan, b"%PDF-1.4 not a sheet", name="事项.xlsx")
    assert response.context["check"].file_errors
    assert not Matter.objects.exists()


def test_a_reviewer_imports_nothing(client, plan, reporter):
    client.force_login(make_official("checker", roles.REVIEWER))
    assert client.get(IMPORT).status_code == 403
    assert client.get(TEMPLATE).status_code == 403


@pytest.mark.parametrize("to", [ODS, XLSX], ids=["ods", "xlsx"])
def test_thirty_matters_from_a_sheet_libreoffice_wrote_reach_the_public_page(
    client, libreoffice, plan, reporter, to
):
    content = libreoffice(saved(sheet_with(client, matters(30))), to)
    dry = upload(client, plan, content, name=f"事项.{to.split(':')[0]}")
    assert [outcome for _, outcome in outcomes(dry)] == ["new"] * 30
    confirm(client, dry)
    assert Matter.objects.filter(state="submitted").count() == 30

    client.force_login(make_official("checker", roles.REVIEWER))
    pks = list(Matter.objects.values_list("pk", flat=True))
    client.post(LIST, {"action": "approve_selected", "_selected_action": pks})
    assert Matter.objects.filter(state="approved").count() == 30

    client.logout()
    page = client.get("/plans/2026/matters/").content.decode()
    assert "已登记并经审核公开 30 项。" in page
    assert '<tr><th scope="row">区住建局</th><td>30</td>' in page
    assert '<tr><th scope="row">2026-03</th><td>5</td>' in page  # 03-01 … 03-29
    assert 'id="matters-chart"' in page
    assert "为群众办的第30件事" in page
    found = client.get("/plans/2026/matters/?q=第7件").content.decode()
    assert "找到 1 项。" in found
    rows = list(csv.reader(io.StringIO(b"".join(client.get("/plans/2026/matters/?export=csv"))
                                       .decode("utf-8-sig"))))  # fmt: skip
    assert len(rows) == 31
    assert "已登记并经审核公开 30 项。" in client.get("/plans/2026/").content.decode()
