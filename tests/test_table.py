"""指标总表 (/plans/<year>/targets/): sorting in the database, filters, pages, as_of,
approved figures only, bad parameters, and a fixed number of queries."""

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from projects.models import ProgressReport

from .conftest import build_plan
from .factories import (
    DepartmentFactory,
    PlanFactory,
    ProjectFactory,
    ReportFactory,
    TargetFactory,
)

URL = "/plans/2021/targets/"
# On 2021-06-30 the straight-line 序时进度 of a project due at the year's end is 49.5%.
AS_OF = "2021-06-30"


@pytest.fixture
def world(plan):
    """Six targets of five projects, one in each status on 2021-06-30, and figures that
    are not public: a submitted one and a draft, each with a number found nowhere else."""
    labour = DepartmentFactory(name="区人社局")
    housing = DepartmentFactory(name="区住建局")
    parks = DepartmentFactory(name="区城管局")
    jobs = ProjectFactory(plan=plan, number=1, title="就业", lead_department=labour)
    parking = ProjectFactory(plan=plan, number=2, title="停车位", lead_department=housing)
    parking.supporting_departments.add(labour)
    garden = ProjectFactory(plan=plan, number=3, title="小游园", lead_department=None)
    garden.supporting_departments.add(parks)
    rental = ProjectFactory(plan=plan, number=4, title="公租房", lead_department=housing)
    clinic = ProjectFactory(
        plan=plan, number=5, title="发热门诊", lead_department=None, due_date=date(2021, 5, 31)
    )

    def target(project, name, unit, goal, value=None, day=None, order=1):
        made = TargetFactory(project=project, name=name, unit=unit, target_value=goal, order=order)
        if value is not None:
            ReportFactory(target=made, value=value, as_of=day)
        return made

    targets = {
        "岗位": target(jobs, "新增城镇就业岗位", "个", 9100, 4550, date(2021, 5, 31)),
        "转移": target(jobs, "农村劳动力转移就业", "人", 1700, 425, date(2021, 6, 15), order=2),
        "车位": target(parking, "中心城区停车位", "个", 2000, 200, date(2021, 4, 30)),
        "游园": target(garden, "口袋公园游园", "座", 16, 16, date(2021, 3, 31)),
        "住房": target(rental, "公共租赁住房", "套", 1000),
        "门诊": target(clinic, "发热门诊建设", "个", 6, 4, date(2021, 5, 20)),
    }
    ReportFactory(
        target=targets["岗位"],
        value="987654.32",
        as_of=date(2021, 6, 20),
        state=ProgressReport.State.SUBMITTED,
    )
    ReportFactory(
        target=targets["住房"],
        value="876543.21",
        as_of=date(2021, 6, 20),
        state=ProgressReport.State.DRAFT,
    )
    return {"targets": targets, "labour": labour, "housing": housing, "parks": parks}


def names(response):
    """The targets of the page, in the order of its rows (the row headers)."""
    html = response.content.decode()
    return [unescape(n) for n in re.findall(r'<th scope="row">(.*?)</th>', html)]


def order_of(*keys):
    full = {
        "岗位": "新增城镇就业岗位",
        "转移": "农村劳动力转移就业",
        "车位": "中心城区停车位",
        "游园": "口袋公园游园",
        "住房": "公共租赁住房",
        "门诊": "发热门诊建设",
    }
    return [full[k] for k in keys]


PLAN_ORDER = ["岗位", "转移", "车位", "游园", "住房", "门诊"]


def test_every_target_of_the_plan_is_listed_with_its_approved_figures(client, world):
    response = client.get(URL, {"as_of": AS_OF})
    html = response.content.decode()
    assert names(response) == order_of(*PLAN_ORDER)
    row = html.split("新增城镇就业岗位")[0].rsplit("<tr>", 1)[1]
    assert 'href="/plans/2021/projects/1/?as_of=2021-06-30">一、就业</a>' in row
    assert "区人社局" in row
    rest = html.split("新增城镇就业岗位</th>")[1].split("</tr>")[0]
    assert re.findall(r">([^<>]+)</(?:td|span)>", rest) == [
        "个",
        "9100",
        "4550",
        "50%",
        "正常推进",
        "2021-05-31",
    ]
    clinic = html.split("发热门诊建设</th>")[1].split("</tr>")[0]
    assert "66.7%" in clinic and "逾期未完成" in clinic
    housing = html.split("公共租赁住房</th>")[1].split("</tr>")[0]
    assert housing.count("未填报") == 3  # current value, percent and status
    assert "暂无" in housing
    garden = html.split("口袋公园游园")[0].rsplit("<tr>", 1)[1]
    assert "公告未列明" in garden  # no lead department in the announcement


def test_a_figure_of_zero_is_zero_not_not_reported(client, plan):
    project = ProjectFactory(plan=plan, number=4, title="学校")
    school = TargetFactory(project=project, name="市三中综合楼开工建设", target_value=1)
    ReportFactory(target=school, value=0, as_of=date(2021, 3, 31))
    row = client.get(URL).content.decode().split("开工建设</th>")[1].split("</tr>")[0]
    assert '<td class="figure">0</td><td class="figure">0%</td>' in row
    assert "未填报" not in row


def test_page_says_how_many_rows_and_the_date_of_the_data(client, world):
    html = client.get(URL, {"as_of": AS_OF}).content.decode()
    assert "共 6 项指标" in html
    assert '数据截至 <time datetime="2021-06-15">2021-06-15</time>' in html
    html = client.get(URL, {"as_of": AS_OF, "status": "not_reported"}).content.decode()
    assert "共 1 项指标" in html
    assert "数据截至 尚无填报" in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("project", ["岗位", "转移", "车位", "游园", "住房", "门诊"]),
        ("-project", ["门诊", "住房", "游园", "车位", "岗位", "转移"]),
        # 区人社局 < 区住建局 by code point; no lead department last both ways
        ("department", ["岗位", "转移", "车位", "住房", "游园", "门诊"]),
        ("-department", ["车位", "住房", "岗位", "转移", "游园", "门诊"]),
        ("target_value", ["门诊", "游园", "住房", "转移", "车位", "岗位"]),
        ("-target_value", ["岗位", "车位", "转移", "住房", "游园", "门诊"]),
        ("current_value", ["门诊", "游园", "车位", "转移", "岗位", "住房"]),
        ("-current_value", ["岗位", "转移", "车位", "游园", "门诊", "住房"]),
        ("percent", ["车位", "转移", "岗位", "门诊", "游园", "住房"]),
        ("-percent", ["游园", "门诊", "岗位", "转移", "车位", "住房"]),
        # by severity: 逾期未完成, 严重滞后, 推进缓慢, 未填报, 正常推进, 已完成
        ("status", ["门诊", "车位", "转移", "住房", "岗位", "游园"]),
        ("-status", ["游园", "岗位", "住房", "转移", "车位", "门诊"]),
        ("last_reported_on", ["游园", "车位", "门诊", "岗位", "转移", "住房"]),
        ("-last_reported_on", ["转移", "岗位", "门诊", "车位", "游园", "住房"]),
        ("-percent,status", ["游园", "门诊", "岗位", "转移", "车位", "住房"]),  # the first
        ("bogus", ["岗位", "转移", "车位", "游园", "住房", "门诊"]),  # plan order
    ],
)
def test_sorting_by_a_column_orders_the_rows_in_the_database(client, world, sort, expected):
    response = client.get(URL, {"as_of": AS_OF, "sort": sort})
    assert names(response) == order_of(*expected)


@pytest.mark.parametrize("column", ["name", "unit"])
def test_sorting_by_a_text_column_keeps_plan_order_among_equals(client, world, column):
    targets = world["targets"]
    keyed = sorted(PLAN_ORDER, key=lambda k: getattr(targets[k], column))  # stable
    assert names(client.get(URL, {"sort": column})) == order_of(*keyed)
    response = client.get(URL, {"sort": f"-{column}"})
    descending = sorted(PLAN_ORDER, key=lambda k: getattr(targets[k], column), reverse=True)
    assert names(response) == order_of(*descending)


def test_sorted_header_says_its_direction(client, world):
    html = client.get(URL, {"sort": "-percent", "status": "overdue"}).content.decode()
    header = html.split('aria-sort="descending"')[1].split("</th>")[0]
    assert "完成率" in header
    assert "（现按降序排列，点击改为升序）" in header
    assert 'href="?sort=percent&amp;status=overdue"' in header
    assert html.count("aria-sort=") == 1
    assert html.count('<th scope="col"') == 9
    assert "<caption" in html
    assert '<div class="table-scroll"' in html


def test_sort_links_keep_the_filters_and_go_back_to_the_first_page(client, world):
    html = client.get(URL, {"status": "overdue", "page": "1", "q": "门诊"}).content.decode()
    assert 'href="?status=overdue&amp;q=%E9%97%A8%E8%AF%8A&amp;sort=status"' in html


def test_filter_by_lead_or_supporting_department(client, world):
    labour = world["labour"].pk
    assert names(client.get(URL, {"department": labour})) == order_of("岗位", "转移", "车位")
    parks = world["parks"].pk
    assert names(client.get(URL, {"department": parks})) == order_of("游园")


def test_department_select_offers_only_departments_of_the_plan(client, world):
    DepartmentFactory(name="区外事办")
    html = client.get(URL).content.decode()
    select = html.split('name="department"')[1].split("</select>")[0]
    assert "区人社局" in select and "区城管局" in select
    assert "区外事办" not in select


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("overdue", ["门诊"]),
        ("severe", ["车位"]),
        ("slow", ["转移"]),
        ("not_reported", ["住房"]),
        ("on_track", ["岗位"]),
        ("complete", ["游园"]),
    ],
)
def test_filter_by_status(client, world, status, expected):
    assert names(client.get(URL, {"as_of": AS_OF, "status": status})) == order_of(*expected)


def test_status_choices_are_the_chinese_labels(client, world):
    html = client.get(URL).content.decode()
    assert '<option value="slow">推进缓慢</option>' in html


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("停车", ["车位"]),  # a target's name
        ("就业", ["岗位", "转移"]),  # a project's title (and the targets' names)
        ("发热门诊", ["门诊"]),
        ("  游园 ", ["游园"]),
        ("没有这样的指标", []),
    ],
)
def test_free_text_searches_target_names_and_project_titles(client, world, words, expected):
    response = client.get(URL, {"q": words})
    assert names(response) == order_of(*expected)
    if not expected:
        assert "没有符合条件的指标。" in response.content.decode()


def test_filters_combine_and_keep_the_sort(client, world):
    params = {
        "as_of": AS_OF,
        "department": world["labour"].pk,
        "status": "slow",
        "q": "转移",
        "sort": "-percent",
    }
    response = client.get(URL, params)
    assert names(response) == order_of("转移")
    html = response.content.decode()
    assert '<input type="hidden" name="sort" value="-percent">' in html
    assert '<input type="hidden" name="as_of" value="2021-06-30">' in html
    params["status"] = "severe"
    assert names(client.get(URL, params | {"q": ""})) == order_of("车位")


def test_choosing_another_plan_goes_to_its_table_with_the_same_filters(client, world):
    PlanFactory(year=2022)
    response = client.get(URL, {"plan": "2022", "status": "slow", "sort": "-percent", "page": 2})
    assert response.status_code == 302
    assert response.url == "/plans/2022/targets/?status=slow&sort=-percent"
    assert client.get(URL, {"plan": "2021", "status": "slow"}).status_code == 200


def test_plan_select_offers_published_plans_only(client, world):
    PlanFactory(year=2022)
    PlanFactory(year=2023, is_published=False)
    html = client.get(URL).content.decode()
    select = html.split('name="plan"')[1].split("</select>")[0]
    assert '<option value="2021" selected>2021年</option>' in select
    assert "2022年" in select and "2023" not in select
    response = client.get(URL, {"plan": "2023"})
    assert response.status_code == 200
    assert "没有这个年度的计划，请从列表中选择。" in response.content.decode()


def test_unpublished_plan_has_no_table(client, db):
    PlanFactory(year=2022, is_published=False)
    assert client.get(reverse("projects:targets", args=[2022])).status_code == 404
    assert client.get("/plans/1999/targets/").status_code == 404


@pytest.fixture
def thirty_targets(plan):
    for number in range(1, 11):
        project = ProjectFactory(plan=plan, number=number, title=f"实事{number:02}")
        for order in range(1, 4):
            TargetFactory(project=project, order=order, name=f"指标{number:02}-{order}")


def test_pages_of_25_rows(client, thirty_targets):
    first = client.get(URL)
    assert len(names(first)) == 25
    assert names(first)[0] == "指标01-1"
    html = first.content.decode()
    assert "共 30 项指标，第 1 / 2 页" in html
    assert 'href="?page=2" rel="next"' in html
    assert 'aria-current="page"' in html
    second = client.get(URL, {"page": 2})
    assert names(second) == ["指标09-2", "指标09-3", "指标10-1", "指标10-2", "指标10-3"]
    assert 'href="?page=1" rel="prev"' in second.content.decode()


def test_sorted_pages_neither_repeat_nor_skip_rows(client, thirty_targets):
    """Every target has the same (empty) figures: ties keep plan order across pages."""
    rows = names(client.get(URL, {"sort": "-percent"}))
    rows += names(client.get(URL, {"sort": "-percent", "page": 2}))
    assert rows == sorted(rows) and len(set(rows)) == 30


def test_as_of_counts_only_reports_up_to_that_day(client, world):
    ReportFactory(target=world["targets"]["住房"], value=640, as_of=date(2021, 9, 30))
    html = client.get(URL, {"as_of": AS_OF}).content.decode()
    housing = html.split("公共租赁住房</th>")[1].split("</tr>")[0]
    assert "640" not in housing and "未填报" in housing
    assert "正在查看截至 2021-06-30 的历史状态" in html
    html = client.get(URL).content.decode()
    housing = html.split("公共租赁住房</th>")[1].split("</tr>")[0]
    assert "640" in housing and "64%" in housing
    assert '<time datetime="2021-09-30">' in html


def test_reports_not_yet_approved_never_show(client, world):
    for params in ({}, {"as_of": AS_OF}, {"sort": "-current_value"}, {"q": "岗位"}):
        html = client.get(URL, params).content.decode()
        assert "987654" not in html and "876543" not in html
        assert "2021-06-20" not in html
    response = client.get(URL, {"sort": "-current_value"})
    assert names(response)[0] == "新增城镇就业岗位"  # by its approved 4550
    jobs = response.content.decode().split("新增城镇就业岗位</th>")[1].split("</tr>")[0]
    assert "4550" in jobs


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "nonsense"}, None),
        ({"sort": "-percent,bogus,,-"}, None),
        ({"sort": "percent,-status"}, None),
        ({"status": "finished"}, "没有这个状态，请从列表中选择。"),
        ({"department": "abc"}, "没有这个责任单位，请从列表中选择。"),
        ({"department": "99999"}, "没有这个责任单位，请从列表中选择。"),
        ({"department": "1e9999"}, "没有这个责任单位，请从列表中选择。"),
        ({"plan": "abc"}, "没有这个年度的计划，请从列表中选择。"),
        ({"q": "长" * 51}, "关键词最多 50 个字。"),
        ({"page": "abc"}, None),
        ({"page": "99999"}, None),
        ({"page": "-3"}, None),
        ({"page": "1.5"}, None),
        ({"as_of": "2021-13-45"}, "无法识别"),
        ({"as_of": "昨天"}, "无法识别"),
        ({"export": "pdf"}, None),
    ],
)
def test_bad_parameters_give_the_page_with_a_message(client, world, params, message):
    response = client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(names(response)) in (6, 5)  # the filter is left out; the list stays
    if message:
        assert message in html
    if "department" in params or "status" in params or "q" in params:
        assert "部分筛选条件无法识别，已忽略" in html
        assert 'aria-invalid="true"' in html


def test_a_bad_filter_leaves_the_good_ones_working(client, world):
    response = client.get(URL, {"as_of": AS_OF, "status": "slow", "department": "abc"})
    assert names(response) == order_of("转移")


def test_page_beyond_the_last_shows_the_last(client, thirty_targets):
    assert len(names(client.get(URL, {"page": "99999"}))) == 5
    assert names(client.get(URL, {"page": "abc"}))[0] == "指标01-1"


def test_table_queries_do_not_grow_with_targets_and_reports(
    db, queries_of, django_assert_num_queries
):
    small = build_plan(PlanFactory(year=2021), projects=2, reports_per_target=1)
    large = build_plan(PlanFactory(year=2022), projects=15, targets_per_project=3)
    department = small.projects.first().lead_department.pk
    query = f"?department={department}&status=overdue&q=指标&sort=-status&plan="
    small_queries = queries_of(f"/plans/2021/targets/{query}2021")
    department = large.projects.first().lead_department.pk
    query = f"?department={department}&status=overdue&q=指标&sort=-status&plan="
    large_queries = queries_of(f"/plans/2022/targets/{query}2022&page=2")
    assert len(large_queries) == len(small_queries)
    # 1 the plan, 2 whether any of its projects has a notice (公示; none here), 3 the
    # published plans' years for the plan select, 4 the department chosen, 5 the count of
    # the filtered rows, 6 their latest report date, 7 whether any plan carries demo data,
    # 8 the plan's departments for the select, 9 the page's rows with their projects,
    # lead departments, figures and status (subqueries), 10 the published plans for the
    # navigation.
    with django_assert_num_queries(10):
        queries_of(f"/plans/2022/targets/{query}2022")
    with django_assert_num_queries(9):  # no department chosen: no 4
        queries_of("/plans/2022/targets/?page=2")
