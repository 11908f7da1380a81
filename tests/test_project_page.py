from datetime import date

import pytest

from .conftest import build_plan
from .factories import PlanFactory, ProjectFactory, ReportFactory, TargetFactory


def test_project_page_shows_pledge_measures_milestones_and_departments(client, plan_2021):
    html = client.get("/plans/2021/projects/10/").content.decode()
    assert "开工新建公共租赁住房1000套。" in html
    assert "确保8月底前完成建筑工程施工许可证办理，9月份开工建设。" in html
    assert (
        '完成建筑工程施工许可证办理 <span class="meta">施工许可</span></th><td>2021-08-31</td>'
        '<td><span class="not-reported">未完成</span></td>' in html
    )
    assert (
        '开工建设 <span class="meta">开工</span></th><td>2021-09-30</td>'
        '<td><span class="not-reported">未完成</span></td>' in html
    )
    assert "当前 未填报 / 目标 1000 套" in html
    assert "尚无审核通过的填报。" in html

    html = client.get("/plans/2021/projects/2/").content.decode()
    who = html.split("<dt>谁负责</dt><dd>")[1].split("</dd>")[0]
    assert who.startswith("牵头单位：区人社局；配合单位：")
    supporting = who.removeprefix("牵头单位：区人社局；配合单位：").removesuffix("。").split("、")
    assert sorted(supporting) == sorted(
        ["区发改委", "区财政局", "区住建局", "区自然资源和规划局", "区住房中心"]
    )


def test_project_page_lists_the_reports_newest_first(client, plan):
    target = TargetFactory(project__plan=plan, project__number=6, unit="户", target_value=1800)
    ReportFactory(target=target, value=300, as_of=date(2021, 4, 30))
    ReportFactory(target=target, value=900, as_of=date(2021, 8, 31), note="二期完工")
    ReportFactory(target=target, value=600, as_of=date(2021, 6, 30))
    html = client.get("/plans/2021/projects/6/").content.decode()
    assert "当前 <strong>900</strong> / 目标 1800 户" in html
    rows = [html.index(f">截至 {d}</time>") for d in ("2021-08-31", "2021-06-30", "2021-04-30")]
    assert rows == sorted(rows)
    assert "<strong>900</strong> 户" in html
    assert "备注：二期完工" in html
    assert "50%" in html


def test_a_long_history_lists_the_latest_ten_and_links_to_the_whole(client, plan):
    target = TargetFactory(project__plan=plan, project__number=6, unit="户", target_value=1800)
    for day in range(1, 16):
        ReportFactory(target=target, value=day * 10, as_of=date(2021, 5, day))
    html = client.get("/plans/2021/projects/6/").content.decode()
    listed = html.split('<ol class="reports">')[1].split("</ol>")[0]
    days = [f"2021-05-{day:02d}" for day in range(15, 5, -1)]
    assert [d for d in days if f">截至 {d}</time>" in listed] == days
    assert ">截至 2021-05-05</time>" not in listed
    assert "这里列出最近 10 条，共 15 条。" in html
    assert "共 15 次审核通过的填报" in html
    assert f'<a href="/data/reports.csv?target={target.pk}">CSV 表格</a>' in html
    assert f'<a href="/api/v1/reports/?target={target.pk}">JSON</a>' in html


def test_the_chart_shows_each_months_last_figure_over_the_plans_period(client, plan):
    target = TargetFactory(project__plan=plan, project__number=6, target_value=1800)
    ReportFactory(target=target, value=100, as_of=date(2021, 3, 10))
    ReportFactory(target=target, value=200, as_of=date(2021, 3, 31))
    ReportFactory(target=target, value=300, as_of=date(2021, 4, 15))
    ReportFactory(target=target, value=250, as_of=date(2021, 4, 15), note="重复计数")
    ReportFactory(target=target, value=500, as_of=date(2021, 6, 2))
    response = client.get("/plans/2021/projects/6/")
    (chart,) = response.context["charts"]["targets"]
    assert chart["actual"] == [
        {"date": "2021-03-31", "value": 200.0},
        {"date": "2021-04-15", "value": 250.0},  # the same day's correction wins
        {"date": "2021-06-02", "value": 500.0},
    ]
    assert (chart["start"], chart["end"]) == ("2021-01-01", "2021-12-31")
    table = response.content.decode().split("实际与计划累计值</caption>")[1].split("</table>")[0]
    assert table.count("<tr><td>") == 5  # three month ends and the plan line's two points
    assert "<tr><td>2021-04-15</td><td>250</td><td>—</td></tr>" in table


def test_the_chart_axis_runs_on_to_a_figure_reported_after_the_deadline(client, plan):
    target = TargetFactory(project__plan=plan, project__number=6, target_value=1800)
    ReportFactory(target=target, value=1800, as_of=date(2022, 2, 28))
    (chart,) = client.get("/plans/2021/projects/6/").context["charts"]["targets"]
    assert (chart["start"], chart["end"]) == ("2021-01-01", "2022-02-28")


def test_unknown_project_is_not_found(client, plan_2021):
    assert client.get("/plans/2021/projects/12/").status_code == 404
    assert client.get("/plans/2019/projects/1/").status_code == 404


def test_project_of_an_unpublished_plan_is_not_found(client, db):
    ProjectFactory(plan=PlanFactory(year=2023, is_published=False), number=1)
    assert client.get("/plans/2023/projects/1/").status_code == 404


@pytest.mark.django_db
def test_project_page_queries_do_not_grow_with_reports(queries_of, django_assert_num_queries):
    build_plan(PlanFactory(year=2021), projects=1, targets_per_project=1, reports_per_target=1)
    small = queries_of("/plans/2021/projects/1/")
    build_plan(PlanFactory(year=2022), projects=1, targets_per_project=4, reports_per_target=12)
    large = queries_of("/plans/2022/projects/1/")
    assert len(large) == len(small)
    # 1 the project with plan and lead department, 2 supporting departments,
    # 3 targets with their figures, status and number of reports (subqueries), 4 the
    # corrections (with what each corrects), 5 planned schedules, 6 measures,
    # 7 milestones, 8 each target's latest approved reports, 9 those reports' evidence,
    # 10 each month's last report (the chart), 11 whether any plan carries demo data,
    # 12 the plan's rules in force, 13 the published plans for the navigation,
    # 14 the published questions with their answers, 15 the plan's answer time limits,
    # 16 its completion notices (公示; their objections one more only where there are
    # any), 17 the project's public sites (their stages one more only where there are
    # any), 18 its open 督办, 19 the plan's reporting days (逾期未报; the unreported
    # targets one more once a reporting day has passed), 20-23 the plan's step grace
    # days and the late steps, its payment days and the lagging contract nodes (the
    # watch; the steps section reads its late steps from there), 24 the current
    # approved budget (its sources; the four money figures come with 1 from the
    # project's MoneyTotal row), 25 the public contracts (their nodes one more only
    # where there are any), 26 the public money documents of the project (budget,
    # funds, contracts, nodes, steps); its current figures' 滞后原因 come with 8.
    with django_assert_num_queries(26):
        queries_of("/plans/2022/projects/1/")
