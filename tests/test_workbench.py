"""The admin home as a workbench (projects/admin/workbench.py): each role sees what it
must do now in the year being delivered, counted, with how long the oldest has waited
and a link to the action; no role sees another's items."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from projects.models import PlanRule, PublicInput
from projects.rules import clock, roles

from .conftest import make_official
from .factories import DepartmentFactory, PlanFactory, ReportFactory, TargetFactory

HOME = reverse("admin:index")


@pytest.fixture
def year(db):
    """2026 in 实施, reporting on the 25th since January; 2027 calling; 区住建局's lifts
    with a report returned and one waiting for review; 区城管局's parks unreported."""
    plan = PlanFactory(year=2026, is_published=True)
    PlanFactory(year=2027, is_published=True, stage="call")
    PlanRule.objects.filter(plan=plan, name="reporting_day").update(valid_from=date(2026, 1, 1))
    housing, parks = DepartmentFactory(name="区住建局"), DepartmentFactory(name="区城管局")
    lifts = TargetFactory(project__plan=plan, project__number=2, project__lead_department=housing)
    park = TargetFactory(project__plan=plan, project__number=4, project__lead_department=parks)
    clerk = make_official("clerk", roles.REPORTER, housing)
    now = clock.now()
    ReportFactory(
        target=lifts, state="returned", created_by=clerk, reviewed_at=now - timedelta(days=6)
    )
    ReportFactory(
        target=lifts,
        state="submitted",
        created_by=clerk,
        submitted_by=clerk,
        submitted_at=now - timedelta(days=3),
    )
    PublicInput.objects.create(plan=plan, project=lifts.project, text="电梯什么时候能装好？")
    return SimpleNamespace(
        plan=plan, housing=housing, parks=parks, lifts=lifts, park=park, clerk=clerk
    )


def items(html):
    """{label: (count, link)} of the workbench on the page."""
    rows = re.findall(
        r'<a href="([^"]+)">([^<]+)</a>\s*(?:<span class="note">[^<]*</span>)?</th>\s*'
        r'<td class="count">(\d+)</td>',
        html,
    )
    return {label: (int(count), url) for url, label, count in rows}


def sections(html):
    found = re.search(r'<div class="module workbench".*?</div>', html, re.S)
    return re.findall(r"<caption>(.+?)</caption>", found.group(0)) if found else []


def test_a_reporter_sees_their_departments_figures_and_what_came_back(client, year):
    client.force_login(year.clerk)
    html = client.get(HOME).content.decode()
    found = items(html)
    assert found["逾期未报的指标"][0] == 0  # the lifts were reported in this window
    assert found["被退回待修改的填报"][0] == 1
    assert found["我提交、等待审核的填报"][0] == 1
    assert "已等 6 天（2026-11-20 起）" in html and "已等 3 天（2026-11-23 起）" in html
    assert "下一个填报截止日 2026-12-25" in html
    assert "待办 · 2026 年" in html  # the year being delivered, not 2027's call

    client.force_login(make_official("gardener", roles.REPORTER, year.parks))
    found = items(client.get(HOME).content.decode())
    add = reverse("admin:projects_progressreport_add")
    assert found["逾期未报的指标"] == (1, f"{add}?target={year.park.pk}")  # straight to the form
    assert found["被退回待修改的填报"][0] == 0


def test_a_reviewer_sees_the_queue_of_the_year_being_delivered(client, year):
    client.force_login(make_official("checker", roles.REVIEWER))
    html = client.get(HOME).content.decode()
    assert items(html)["待审核的填报"] == (1, reverse("admin:projects_submittedreport_changelist"))
    assert "已等 3 天" in html
    assert items(html)["待认定的公示异议"][0] == 0

    PublicInput.objects.create(
        plan=year.plan, project=year.lifts.project, kind="objection", state="published",
        text="三号楼电梯还没有装好。",
    )  # fmt: skip
    assert items(client.get(HOME).content.decode())["待认定的公示异议"][0] == 1


def test_a_moderator_sees_the_moderation_queue(client, year):
    client.force_login(make_official("moderator", roles.MODERATOR))
    found = items(client.get(HOME).content.decode())
    assert found["待审核的群众来信"][0] == 1


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (roles.REPORTER, ["填报"]),
        (roles.REVIEWER, ["审核"]),
        (roles.MODERATOR, ["留言审核"]),
        (roles.ADMINISTRATOR, []),
        (roles.CONGRESS_STAFF, []),
    ],
)
def test_each_role_sees_only_the_items_it_may_act_on(client, year, role, shown):
    client.force_login(make_official(f"someone-{len(shown)}", role, year.housing))
    response = client.get(HOME)
    assert response.status_code == 200
    assert sections(response.content.decode()) == shown


def test_the_home_page_costs_the_same_queries_however_much_waits(
    client, year, django_assert_num_queries
):
    client.force_login(year.clerk)
    # The session, the user, their permissions (own, groups), the demo flag, the plans
    # being delivered, the reporter's departments, the plan's reporting rule and its
    # targets judged, the rule again for the next deadline, one count each for the
    # returned, the waiting, 督办 and questions, and the admin's recent actions.
    with django_assert_num_queries(15):
        client.get(HOME)
    for n in range(5):
        ReportFactory(target=year.lifts, state="returned", created_by=year.clerk, value=20 + n)
    with django_assert_num_queries(15):
        client.get(HOME)
