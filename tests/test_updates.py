"""最新进展: a plan's approved figures, newest approval first, paginated, with as_of."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from projects.web import freshness

from .conftest import build_plan
from .factories import PlanFactory, ProjectFactory, ReportFactory, TargetFactory

pytestmark = pytest.mark.any_hour  # pages judged against today: every suspect hour

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNAPPROVED = ["draft", "submitted", "returned", "withdrawn"]


def approved_at(day):
    return datetime(2021, 1, 1, 10, tzinfo=SHANGHAI) + timedelta(days=day)


def items(html):
    """The list items of the updates list, in order."""
    return html.split('<ol class="updates">')[1].split("</ol>")[0].split("<li id=")[1:]


def test_an_update_shows_figure_percent_reasons_and_links(client, target):
    report = ReportFactory(
        target=target,
        value=Decimal("12.50"),
        as_of=date(2021, 6, 30),
        note="主体完工",
        delay_reason="雨季停工",
        next_steps="七月补齐",
        reviewed_at=approved_at(182),
    )
    html = client.get("/plans/2021/updates/").content.decode()
    (item,) = items(html)
    assert f'"report-{report.pk}"' in item
    assert f'href="/plans/2021/projects/8/#target-{target.pk}">八、小游园</a>' in item
    assert "新建小游园" in item
    assert "截至 2021-06-30</time>：<strong>12.5</strong> 座" in item
    assert "目标 16 座，完成 78.1%" in item
    assert "备注：主体完工" in item
    assert "滞后原因：雨季停工" in item and "下一步措施：七月补齐" in item
    assert "审核通过 <time" in item and "2021-07-02 10:00" in item


def test_updates_are_newest_approval_first(client, target):
    ReportFactory(target=target, value=1, as_of=date(2021, 5, 31), reviewed_at=approved_at(1))
    ReportFactory(target=target, value=3, as_of=date(2021, 3, 31), reviewed_at=approved_at(9))
    ReportFactory(target=target, value=2, as_of=date(2021, 4, 30), reviewed_at=approved_at(5))
    html = client.get("/plans/2021/updates/").content.decode()
    figures = [item.split("<strong>")[1].split("</strong>")[0] for item in items(html)]
    assert figures == ["3", "2", "1"]


def test_updates_link_to_the_plan_feed(client, target):
    html = client.get("/plans/2021/updates/").content.decode()
    assert 'href="/plans/2021/feed/" type="application/atom+xml">订阅最新进展（Atom）</a>' in html
    assert '<link rel="alternate" type="application/atom+xml" href="/plans/2021/feed/"' in html


def test_a_correction_says_what_it_replaces(client, target):
    old = ReportFactory(target=target, value=6, as_of=date(2021, 6, 30), reviewed_at=approved_at(1))
    ReportFactory(
        target=target,
        value=5,
        as_of=date(2021, 6, 30),
        note="一座重复统计",
        corrects=old,
        reviewed_at=approved_at(2),
    )
    newest = items(client.get("/plans/2021/updates/").content.decode())[0]
    assert '<span class="tag">更正</span>' in newest
    assert "更正此前公开的数值：截至 2021-06-30 的 6 座。" in newest


@pytest.mark.parametrize("state", UNAPPROVED)
def test_an_unapproved_report_is_not_an_update(client, target, state):
    ReportFactory(target=target, value=4, as_of=date(2021, 3, 31))
    ReportFactory(
        target=target,
        value=Decimal("777.77"),
        as_of=date(2021, 6, 30),
        state=state,
        note="未审核的备注XYZ",
        delay_reason="未审核的原因XYZ",
        next_steps="未审核的措施XYZ",
    )
    html = client.get("/plans/2021/updates/").content.decode()
    assert "777.77" not in html and "XYZ" not in html and "2021-06-30" not in html
    assert len(items(html)) == 1
    assert "共 1 条经审核的填报" in html


def test_updates_of_other_plans_are_not_listed(client, target):
    other = PlanFactory(year=2022)
    ReportFactory(target__project=ProjectFactory(plan=other), note="另一年度XYZ")
    assert "XYZ" not in client.get("/plans/2021/updates/").content.decode()


def test_an_unpublished_plan_has_no_updates_page(client, db):
    hidden = PlanFactory(year=2022, is_published=False)
    ReportFactory(target__project=ProjectFactory(plan=hidden))
    assert client.get("/plans/2022/updates/").status_code == 404


def test_as_of_lists_only_reports_dated_up_to_that_day(client, target):
    ReportFactory(target=target, value=4, as_of=date(2021, 3, 31), reviewed_at=approved_at(95))
    ReportFactory(target=target, value=13, as_of=date(2021, 9, 30), reviewed_at=approved_at(275))
    html = client.get("/plans/2021/updates/?as_of=2021-06-30").content.decode()
    (item,) = items(html)
    assert "<strong>4</strong>" in item and "<strong>13</strong>" not in html
    assert "正在查看截至 2021-06-30 的历史状态" in html
    assert "/plans/2021/projects/8/?as_of=2021-06-30#target-" in item


def test_as_of_before_any_report_says_there_is_none(client, target):
    ReportFactory(target=target, value=4, as_of=date(2021, 3, 31))
    html = client.get("/plans/2021/updates/?as_of=2021-02-01").content.decode()
    assert "该日及以前尚无审核通过的填报。" in html


def test_a_bad_as_of_shows_the_latest_with_a_message(client, target):
    ReportFactory(target=target, value=4, as_of=date(2021, 3, 31))
    response = client.get("/plans/2021/updates/?as_of=nonsense")
    assert response.status_code == 200
    html = response.content.decode()
    assert "无法识别" in html and "<strong>4</strong>" in html


def test_an_empty_plan_says_there_are_no_updates(client, plan):
    html = client.get("/plans/2021/updates/").content.decode()
    assert "尚无审核通过的填报。" in html


def test_updates_are_paginated_twenty_a_page(client, target):
    for day in range(45):
        ReportFactory(target=target, value=day, reviewed_at=approved_at(day))
    first = client.get("/plans/2021/updates/").content.decode()
    assert len(items(first)) == 20
    assert "第 1 / 3 页" in first and 'href="?page=2" rel="next"' in first
    third = client.get("/plans/2021/updates/?page=3").content.decode()
    assert len(items(third)) == 5
    assert "<strong>0</strong>" in third  # the oldest approval comes last
    assert client.get("/plans/2021/updates/?page=abc").status_code == 200
    assert client.get("/plans/2021/updates/?page=999").status_code == 200


def test_the_updates_page_costs_the_same_queries_however_many_reports(
    client, plan, queries_of, django_assert_num_queries
):
    build_plan(plan, projects=1, targets_per_project=1, reports_per_target=1)
    small = queries_of("/plans/2021/updates/")
    build_plan_more(plan)
    assert len(queries_of("/plans/2021/updates/")) == len(small)
    cache.clear()  # a cached page costs nothing; count a rendering
    freshness.memory.clear()
    # 1 the plan, 2 the count, 3 whether any plan carries demo data, 4 the page of
    # reports with target, project, plan and corrected report, 5 their evidence, 6 the
    # published plans for the navigation
    with django_assert_num_queries(6):
        client.get("/plans/2021/updates/")


def test_a_new_approval_shows_at_once_though_the_page_is_cached(client, target):
    ReportFactory(target=target, value=4, reviewed_at=approved_at(1))
    assert "<strong>4</strong>" in client.get("/plans/2021/updates/").content.decode()
    ReportFactory(target=target, value=9, reviewed_at=approved_at(2))
    html = client.get("/plans/2021/updates/").content.decode()
    assert "<strong>9</strong>" in html and len(items(html)) == 2


def build_plan_more(plan):
    for number in range(2, 6):
        project = ProjectFactory(plan=plan, number=number)
        for _ in range(3):
            target = TargetFactory(project=project)
            for month in range(1, 4):
                ReportFactory(target=target, value=month, as_of=date(2021, month, 1))
