import json
from datetime import date

import pytest
from django.urls import reverse

from .conftest import build_plan
from .factories import (
    DepartmentFactory,
    PlanFactory,
    ProjectFactory,
    ReportFactory,
    TargetFactory,
)

pytestmark = pytest.mark.any_hour  # pages judged against today: every suspect hour


def test_dashboard_shows_every_2021_project_as_not_reported(client, plan_2021):
    response = client.get("/")
    html = response.content.decode()
    assert "驿城区2021年十一件民生实事" in html
    assert "承诺周期：2021-01-01 至 2021-12-31" in html
    for project in plan_2021.projects.all():
        assert f'href="{project.get_absolute_url()}"' in html
    assert html.count('<article class="card"') == 11
    assert "未填报 / 9100 个" in html
    assert "未填报 / 40 公里" in html
    assert "0 / 11 件" in html
    assert "<progress" not in html  # nothing reported: no bar pretends to show 0%


def test_dashboard_shows_reported_figures(client, plan):
    project = ProjectFactory(plan=plan, number=1, title="农村公路")
    road = TargetFactory(project=project, name="新建农村公路", unit="公里", target_value=40)
    ReportFactory(target=road, value="12.5", as_of=date(2021, 8, 31))
    html = client.get("/").content.decode()
    assert "12.5 / 40 公里（31.3%）" in html
    assert 'value="31" aria-label="一、农村公路完成率 31.3%"' in html
    assert '<time datetime="2021-08-31">2021-08-31</time>' in html


def test_the_method_has_its_own_page_and_the_dashboard_links_to_it(client, plan_2021):
    html = client.get("/").content.decode()
    assert '<a href="/plans/2021/method/">计算方法：' in html
    assert "完成率 = 当前值 ÷ 目标值 × 100%" not in html
    html = client.get("/plans/2021/method/").content.decode()
    assert "<h1>计算方法</h1>" in html
    assert "完成率 = 当前值 ÷ 目标值 × 100%" in html


def test_chart_data_comes_as_json_with_a_table_of_the_same_numbers(client, plan):
    project = ProjectFactory(plan=plan, number=3, title="发热门诊")
    ReportFactory(target=TargetFactory(project=project, target_value=16), value=13)
    ProjectFactory(plan=plan, number=4, title="学校")
    response = client.get("/")
    chart = response.context["chart"]
    assert [(p["label"], p["percent"], p["status"]) for p in chart["projects"]] == [
        ("三、发热门诊", 81.25, "overdue"),
        ("四、学校", None, "not_reported"),
    ]
    # the tooltips show the page's own rounding (四舍五入), not the script's
    assert [(p["percent_text"], p["expected_text"]) for p in chart["projects"]] == [
        ("81.3%", "100%"),
        ("未填报", "未填报"),  # no target yet: nothing expected either
    ]
    assert {s["status"]: s["count"] for s in chart["statuses"]}["overdue"] == 1
    html = response.content.decode()
    data = html.split('<script id="chart-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(data) == json.loads(json.dumps(chart, default=str))
    row = (
        '<th scope="row"><a href="/plans/2021/projects/3/">三、发热门诊</a></th><td>81.3%</td>'
        "<td>100%</td><td>逾期未完成</td>"
    )
    assert row in html


def test_no_inline_script_code_on_the_dashboard(client, plan_2021):
    html = client.get("/").content.decode()
    scripts = html.split("<script")[1:]
    assert scripts, "the dashboard loads its chart scripts"
    for tag in scripts:
        opening = tag.split(">", 1)[0]
        assert "src=" in opening or 'type="application/json"' in opening


def test_dashboard_shows_the_newest_published_plan(client, plan):
    PlanFactory(year=2022, title="2022年民生实事", is_published=False)
    assert client.get("/").context["plan"] == plan


def test_unpublished_plan_page_is_not_found(client, db):
    PlanFactory(year=2022, is_published=False)
    assert client.get("/plans/2022/").status_code == 404


def test_dashboard_without_any_plan_says_so(client, db):
    response = client.get("/")
    assert response.status_code == 404
    assert "尚无公开的民生实事计划" in response.content.decode()


def test_past_plan_has_its_own_page(client, plan):
    ProjectFactory(plan=plan, number=1, title="旧实事")
    PlanFactory(year=2022)
    assert client.get("/").context["plan"].year == 2022
    response = client.get(reverse("projects:plan", args=[2021]))
    assert "旧实事" in response.content.decode()


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_projects_and_reports(
    queries_of, django_assert_num_queries
):
    build_plan(PlanFactory(year=2021), projects=2, reports_per_target=1)
    small_queries = queries_of("/")
    build_plan(PlanFactory(year=2022), projects=15, targets_per_project=3, reports_per_target=6)
    large_queries = queries_of("/")
    assert len(large_queries) == len(small_queries)
    # 1 the current plan, 2 its projects with lead departments, 3 supporting departments,
    # 4 targets with their figures and status (subqueries), 5 their completion notices
    # (公示), 6 any plan whose public call is open, 7 its approved practical matters
    # counted (为群众办实事), 8 the plan's money totals (its projects' MoneyTotal rows
    # summed), 9 whether any plan carries demo data, 10 the plan's rules in force, 11 the
    # published plans for the navigation.
    with django_assert_num_queries(11):
        queries_of("/")


@pytest.mark.django_db
def test_departments_page_queries_do_not_grow_with_projects_and_reports(
    queries_of, django_assert_num_queries
):
    build_plan(PlanFactory(year=2021), projects=2, reports_per_target=1)
    small = queries_of("/plans/2021/departments/")
    large_plan = PlanFactory(year=2022)
    build_plan(large_plan, projects=15, targets_per_project=3, reports_per_target=6)
    for project in large_plan.projects.all():
        project.lead_department = DepartmentFactory()
        project.save()
        project.supporting_departments.add(DepartmentFactory(), DepartmentFactory())
    large = queries_of("/plans/2022/departments/")
    assert len(large) == len(small)
    # 1 the plan, 2 its projects with lead departments, 3 supporting departments,
    # 4 targets with their figures and status (subqueries), 5 their completion notices
    # (公示), 6 the plan's answer time limits, 7 its published questions with their
    # answers (the departments' statistics), 8 the plan's reporting days (no reporting
    # day has passed for a plan made today: no 逾期未报 to look for), 9 the 挂牌督办
    # counted by department, 10 the writers' verdicts on the answers by department
    # (这个答复有帮助吗？), 11 whether any plan carries demo data, 12 the published plans
    # for the navigation.
    with django_assert_num_queries(12):
        queries_of("/plans/2022/departments/")
    # Once a reporting day has passed, one more: the targets without a report since.
    large_plan.rules.filter(name="reporting_day").update(valid_from=large_plan.period_start)
    with django_assert_num_queries(13):
        queries_of("/plans/2022/departments/")
