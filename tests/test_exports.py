"""Downloads of 指标总表 (?export=csv / ?export=xlsx): the filtered rows of every page,
in the page's order, approved figures only, and never a formula in the reader's Excel."""

import csv
import io
from datetime import date, datetime
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from projects.models import ProgressReport

from .conftest import build_plan, completion_states
from .factories import DepartmentFactory, PlanFactory, ProjectFactory, ReportFactory, TargetFactory

URL = "/plans/2021/targets/"
HEADERS = [
    "实事",
    "牵头单位",
    "指标",
    "单位",
    "目标值",
    "当前值",
    "完成率（%）",
    "状态",
    "最近填报",
    "实事已完成",
]
FORMULA = '=HYPERLINK("http://x")'


@pytest.fixture
def world(plan):
    """Thirty targets of one department (more than a page), two of another, a target
    whose name is a formula, and a submitted figure that is not public."""
    roads = DepartmentFactory(name="区交通局")
    schools = DepartmentFactory(name="区教育局")
    for number in range(1, 11):
        project = ProjectFactory(
            plan=plan, number=number, title=f"道路{number}", lead_department=roads
        )
        for order in range(1, 4):
            target = TargetFactory(
                project=project, order=order, name=f"道路{number:02}-{order}", target_value=40
            )
            ReportFactory(target=target, value=number + order, as_of=date(2021, 3, number))
    school = ProjectFactory(plan=plan, number=11, title="学校", lead_department=schools)
    classrooms = TargetFactory(project=school, name="新建教室", unit="间", target_value=8, order=1)
    ReportFactory(target=classrooms, value="2.5", as_of=date(2021, 6, 30))
    ReportFactory(
        target=classrooms,
        value="987654.32",
        as_of=date(2021, 7, 15),
        state=ProgressReport.State.SUBMITTED,
    )
    TargetFactory(project=school, name=FORMULA, unit="-1", target_value=1, order=2)
    return {"roads": roads, "schools": schools}


def csv_rows(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def test_csv_lists_the_filtered_rows_of_every_page_with_plain_values(client, world):
    response = client.get(URL, {"export": "csv", "department": world["roads"].pk})
    rows = csv_rows(response)
    assert rows[0] == HEADERS
    assert len(rows) == 31  # all thirty, though the page shows 25
    assert rows[1] == [
        "一、道路1",
        "区交通局",
        "道路01-1",
        "个",
        "40",
        "2",
        "5",
        "逾期未完成",
        "2021-03-01",
        "否",
    ]
    assert [r[2] for r in rows[1:4]] == ["道路01-1", "道路01-2", "道路01-3"]
    assert "attachment;" in response["Content-Disposition"]
    assert "驿城区2021年民生实事指标.csv" in unquote(response["Content-Disposition"])
    assert 'filename="yicheng-2021-targets.csv"' in response["Content-Disposition"]


def test_exports_follow_the_pages_sort(client, world):
    params = {"export": "csv", "sort": "-current_value", "q": "道路"}
    rows = csv_rows(client.get(URL, params))[1:]
    values = [int(r[5]) for r in rows]
    assert values == sorted(values, reverse=True)
    assert rows[0][2] == "道路10-3"  # 13, the largest
    sheet = xlsx_sheet(client.get(URL, params | {"export": "xlsx"}))
    assert [c.value for c in sheet["C"][1:4]] == ["道路10-3", "道路09-3", "道路10-2"]


def test_xlsx_lists_the_filtered_rows_with_numbers_and_dates(client, world):
    response = client.get(URL, {"export": "xlsx", "department": world["schools"].pk})
    sheet = xlsx_sheet(response)
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADERS
    assert len(rows) == 3
    classrooms = rows[1]
    assert classrooms[:4] == ["十一、学校", "区教育局", "新建教室", "间"]
    assert classrooms[4:7] == [8, 2.5, 31.3]  # numbers, the percent rounded as shown
    assert classrooms[7] == "逾期未完成"
    assert classrooms[8] == datetime(2021, 6, 30)
    assert rows[2][5:7] == [None, None]  # 未填报: empty cells, never 0
    assert rows[2][7] == "未填报"
    assert ".xlsx" in unquote(response["Content-Disposition"])


def test_exports_say_whether_each_rows_project_is_completed(client, plan):
    """实事已完成 is the project's `is_closed`: 否 公示中 and 整改中, though its targets met
    their numbers; 是 once its notice ran out; on the day of ?as_of= as on today."""
    completion_states(plan)
    said = [
        (project.split("、")[0], status, closed)
        for project, *_figures, status, _day, closed in csv_rows(client.get(URL, {"export": "csv"}))
    ]
    assert said == [
        ("实事", "状态", "实事已完成"),
        ("一", "公示中", "否"),
        ("二", "整改中", "否"),
        ("三", "已完成", "是"),
        ("四", "已完成", "否"),  # one target of two
        ("四", "未填报", "否"),
    ]
    sheet = xlsx_sheet(client.get(URL, {"export": "xlsx"}))
    assert [c.value for c in sheet["J"]] == [closed for _p, _s, closed in said]
    before = csv_rows(client.get(URL, {"export": "csv", "as_of": "2021-06-01"}))
    assert [row[-1] for row in before[1:]] == ["否"] * 5  # before the June figures


def test_a_formula_in_a_name_stays_text_in_both_formats(client, world):
    rows = csv_rows(client.get(URL, {"export": "csv", "q": "HYPERLINK"}))
    assert len(rows) == 2
    assert rows[1][2] == "'" + FORMULA  # an apostrophe makes Excel read it as text
    assert rows[1][3] == "'-1"
    sheet = xlsx_sheet(client.get(URL, {"export": "xlsx", "q": "HYPERLINK"}))
    name, unit = sheet["C2"], sheet["D2"]
    assert name.value == FORMULA and name.data_type == "s"
    assert unit.value == "-1" and unit.data_type == "s"


def test_figures_not_yet_approved_are_in_no_export(client, world):
    for kind in ("csv", "xlsx"):
        response = client.get(URL, {"export": kind, "sort": "-current_value"})
        assert b"987654" not in response.content
        if kind == "csv":
            rows = csv_rows(response)
            assert rows[1][5] == "13"  # the largest approved figure
            assert "新建教室" in [r[2] for r in rows] and "987654.32" not in str(rows)
        else:
            cells = [c.value for row in xlsx_sheet(response).iter_rows() for c in row]
            assert 987654.32 not in cells and "987654.32" not in cells


def test_exports_honour_as_of(client, world):
    response = client.get(URL, {"export": "csv", "as_of": "2021-03-05", "q": "道路0"})
    rows = csv_rows(response)[1:]
    reported = [r for r in rows if r[5]]
    assert {r[2][:4] for r in reported} == {"道路01", "道路02", "道路03", "道路04", "道路05"}
    assert all(r[7] == "未填报" for r in rows if not r[5])
    assert "（截至2021-03-05）" in unquote(response["Content-Disposition"])


def test_the_page_links_to_both_exports_with_its_filters(client, world):
    html = client.get(URL, {"status": "overdue", "sort": "-percent", "page": 2}).content.decode()
    assert 'href="?status=overdue&amp;sort=-percent&amp;export=csv"' in html
    assert 'href="?status=overdue&amp;sort=-percent&amp;export=xlsx"' in html


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_targets(db, kind, queries_of, django_assert_num_queries):
    build_plan(PlanFactory(year=2021), projects=2, reports_per_target=1)
    build_plan(PlanFactory(year=2022), projects=20, targets_per_project=3)
    small = queries_of(f"/plans/2021/targets/?export={kind}&sort=-status")
    large = queries_of(f"/plans/2022/targets/?export={kind}&sort=-status")
    assert len(small) == len(large)
    # 1 the plan, 2 whether any of its projects has a notice (公示; none here), 3 the
    # published plans' years for the form's plan select (the form checks the parameters
    # before the export), 4 every filtered row with its project, plan, lead department,
    # figures and status (subqueries).
    with django_assert_num_queries(4):
        queries_of(f"/plans/2022/targets/?export={kind}&sort=-status")


def test_every_csv_download_has_an_ascii_name_that_says_what_it_is(client, plan):
    plan.is_published = True
    plan.save()
    names = {
        "/data/reports.csv": 'filename="yicheng-reports.csv"',
        f"/plans/{plan.year}/matters/?export=csv": f'filename="matters-{plan.year}.csv"',
    }
    for url, fallback in names.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert fallback in response["Content-Disposition"], url
        assert "filename*=UTF-8''" in response["Content-Disposition"], url
