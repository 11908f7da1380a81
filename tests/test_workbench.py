"""The admin home as a workbench (projects/admin/workbench.py): each role sees what it
must do now in the year being delivered, counted, with how long the oldest has waited
and a link to the action; no role sees another's items."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from projects.models import Answer, Plan, PlanRule, PublicInput, Rating
from projects.rules import clock, roles

from .conftest import make_official
from .factories import (
    DepartmentFactory,
    PlanFactory,
    ProjectFactory,
    ReportFactory,
    TargetFactory,
)

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
        (roles.ADMINISTRATOR, ["计划与提醒"]),
        (roles.CONGRESS_STAFF, ["票决与测评"]),
        (roles.DEPUTY, ["代表意见"]),
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
    # returned, the waiting, 督办 and questions, what the money rules find (12: the late
    # steps' rule and steps, the payment days and nodes, the spending and 开工 rules, the
    # projects, their four money figures, their 开工 steps; four more once any has
    # started), the money entries returned (one union), the admin's recent actions, and
    # their 任职 (the jurisdiction they work in).
    with django_assert_num_queries(29):
        client.get(HOME)
    for n in range(5):
        ReportFactory(target=year.lifts, state="returned", created_by=year.clerk, value=20 + n)
    with django_assert_num_queries(29):
        client.get(HOME)


def test_an_administrator_sees_each_open_plans_stage_and_what_moves_it_on(client, year):
    Plan.objects.filter(year=2027).update(
        call_opens=date(2026, 11, 1), call_closes=date(2026, 12, 20)
    )
    PlanFactory(year=2025, stage="rating", is_published=True)
    PlanFactory(year=2021, is_published=True, archived_at=clock.now())  # done with
    client.force_login(make_official("keeper", roles.ADMINISTRATOR))
    html = client.get(HOME).content.decode()
    found = items(html.replace('<td class="count">—</td>', '<td class="count">0</td>'))
    assert [label for label in found if "计划" in label] == [
        "2025年计划 · 测评", "2026年计划 · 实施", "2027年计划 · 征集",
    ]  # fmt: skip
    assert "征集进行中，截止 2026-12-20" in html
    assert "测评中：人大工作人员录入测评结果后归档" in html
    assert "实施中：各单位按期填报" in html
    Plan.objects.filter(year=2026).update(period_end=date(2026, 11, 20))  # a year gone by
    html = client.get(HOME).content.decode()
    assert "周期已于 2026-11-20 结束：进入测评" in html
    assert found["2027年计划 · 征集"][1] == reverse(
        "admin:projects_plan_change", args=[Plan.objects.get(year=2027).pk]
    )
    assert found["发送失败、已停止重试的提醒"][0] == 0
    # Once the call has closed, the next step is the shortlist.
    Plan.objects.filter(year=2027).update(call_closes=date(2026, 11, 20))
    assert "征集已截止：整理推荐后进入遴选" in client.get(HOME).content.decode()


def test_an_administrator_is_told_when_next_years_plan_is_not_made(client, year):
    Plan.objects.filter(year=2027).update(year=2020)
    client.force_login(make_official("keeper", roles.ADMINISTRATOR))
    html = client.get(HOME).content.decode()
    assert f'<a href="{reverse("admin:projects_plan_add")}">2027年计划尚未建立</a>' in html


def test_congress_staff_are_told_what_to_record_and_why_a_form_is_empty(client, year):
    client.force_login(make_official("staff", roles.CONGRESS_STAFF))
    html = client.get(HOME).content.decode()
    assert "目前没有处于票决阶段的计划，票决表无候选项目可选" in html
    assert "目前没有处于测评阶段的计划，测评表无实事可选" in html
    form = client.get(reverse("admin:projects_rating_add")).content.decode()
    assert "目前没有处于“测评”阶段的年度计划，这里无可选项目" in form
    form = client.get(reverse("admin:projects_ballot_add")).content.decode()
    assert "目前没有处于“票决”阶段的年度计划，这里无可选项目" in form
    rating = PlanFactory(year=2025, stage="rating", is_published=True)
    rated, unrated = ProjectFactory(plan=rating, number=1), ProjectFactory(plan=rating, number=2)
    Rating.objects.create(
        project=rated, held_on=date(2026, 1, 20), satisfied=40, basic=5, unsatisfied=1,
        recorded_by=year.clerk,
    )  # fmt: skip
    html = client.get(HOME).content.decode()
    found = items(html)
    assert found["待录入测评结果的实事"] == (1, reverse("admin:projects_rating_add"))
    assert "测评表无实事可选" not in html
    # The rating form offers that plan's projects, the list opens on it.
    form = client.get(reverse("admin:projects_rating_add")).content.decode()
    assert f'<option value="{unrated.pk}">' in form and "这里无可选项目" not in form
    listed = client.get(reverse("admin:projects_rating_changelist")).context["cl"]
    assert [r.project for r in listed.result_list] == [rated]
    assert (
        "2025年 · 测评" in client.get(reverse("admin:projects_rating_changelist")).content.decode()
    )


def test_a_deputy_lands_on_their_own_opinions_and_the_answers(client, year):
    deputy = make_official("deputy", roles.DEPUTY)
    other = make_official("other-deputy", roles.DEPUTY)
    project = year.lifts.project
    answered = PublicInput.objects.create(
        plan=year.plan, project=project, kind="deputy", deputy=deputy, state="published",
        text="建议加快三号楼电梯加装。",
    )  # fmt: skip
    Answer.objects.create(
        question=answered, text="已协调业主，十二月底前开工。", state="approved",
        department=year.housing, written_by=year.clerk, written_at=clock.now(),
        approved_at=clock.now(),
    )  # fmt: skip
    PublicInput.objects.create(
        plan=year.plan, project=project, kind="deputy", deputy=deputy, text="电梯噪声问题。"
    )
    PublicInput.objects.create(
        plan=year.plan, project=project, kind="deputy", deputy=other, text="别人的意见。"
    )
    client.force_login(deputy)
    html = client.get(HOME).content.decode()
    assert "你没有查看或编辑的权限" not in html
    mine = reverse("admin:projects_my_opinions")
    assert items(html)["我提出的代表意见"] == (2, mine)
    assert items(html)["尚未答复的代表意见"][0] == 1
    page = client.get(mine).content.decode()
    assert "建议加快三号楼电梯加装。" in page and "已协调业主，十二月底前开工。" in page
    assert "电梯噪声问题。" in page and "待审" in page
    assert "别人的意见。" not in page
    assert project.get_absolute_url() in page  # the project they follow
    for role in (roles.REPORTER, roles.REVIEWER, roles.MODERATOR):
        client.force_login(make_official(f"not-{len(role)}", role))
        assert client.get(mine).status_code == 403


@pytest.mark.parametrize(
    ("name", "role", "opened"),
    [
        ("candidate", roles.ADMINISTRATOR, 2028),
        ("ballot", roles.CONGRESS_STAFF, 2029),
        ("supervision", roles.REVIEWER, 2026),
        ("progressreport", roles.REPORTER, 2026),
    ],
)
def test_each_tool_opens_on_the_plan_its_stage_serves(client, year, name, role, opened):
    PlanFactory(year=2028, stage="shortlist", is_published=True)
    PlanFactory(year=2029, stage="vote", is_published=True)
    client.force_login(make_official("user", role, year.housing))
    listed = client.get(reverse(f"admin:projects_{name}_changelist")).content.decode()
    assert re.search(rf'<li class="selected">\s*<a href="\?year={opened}"', listed)
    if name != "progressreport":
        form = client.get(reverse(f"admin:projects_{name}_add")).content.decode()
        plan = Plan.objects.get(year=opened)
        assert f'<option value="{plan.pk}" selected>' in form


@pytest.mark.parametrize(
    ("role", "queries"),
    [
        # The session, the user, their permissions (own, groups), the demo flag, the
        # plans being delivered, then each role's own, and the admin's recent actions:
        # the reviewer's queue, money entries waiting (one union), objections, late
        # 督办 (4); the moderator's queue and
        # answers (2); the administrator's open plans with their candidates, alerts given
        # up and channels failing (3); congress staff's candidates to vote on and
        # projects to rate (2); a deputy's opinions (1). And the account's 任职 (the
        # jurisdiction it works in).
        (roles.REVIEWER, 12),
        (roles.MODERATOR, 10),
        (roles.ADMINISTRATOR, 11),
        (roles.CONGRESS_STAFF, 10),
        (roles.DEPUTY, 9),
    ],
)
def test_each_roles_home_costs_a_fixed_number_of_queries(
    client, year, role, queries, django_assert_num_queries
):
    client.force_login(make_official("someone", role))
    with django_assert_num_queries(queries):
        client.get(HOME)
    for n in range(3):
        PublicInput.objects.create(
            plan=year.plan, project=year.lifts.project, kind="objection", state="published",
            text=f"异议{n}",
        )  # fmt: skip
    with django_assert_num_queries(queries):
        client.get(HOME)


ROLES = [
    roles.REPORTER,
    roles.REVIEWER,
    roles.MODERATOR,
    roles.ADMINISTRATOR,
    roles.CONGRESS_STAFF,
    roles.DEPUTY,
]


@pytest.mark.parametrize("role", ROLES)
def test_every_item_on_a_workbench_leads_to_a_page_the_role_may_open(client, year, role):
    PublicInput.objects.create(
        plan=year.plan, project=year.lifts.project, kind="objection", state="published",
        text="三号楼电梯还没有装好。",
    )  # fmt: skip
    client.force_login(make_official("someone", role, year.housing))
    found = items(client.get(HOME).content.decode().replace("—</td>", "0</td>"))
    assert found
    for label, (_, url) in found.items():
        assert client.get(url).status_code == 200, (label, url)


# The pages the workbench adds, and who may open them: the decision on an objection (the
# supervision office) and a deputy's own opinions (deputies).
NEW_PAGES = {
    "decide": {roles.REVIEWER},
    "my_opinions": {roles.DEPUTY},
}


@pytest.mark.parametrize("page", NEW_PAGES)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_the_new_pages_open_only_for_their_roles(client, year, page, role):
    item = PublicInput.objects.create(
        plan=year.plan, project=year.lifts.project, kind="objection", state="published",
        text="三号楼电梯还没有装好。",
    )  # fmt: skip
    url = {
        "decide": reverse("admin:projects_objection_decide", args=[item.pk]),
        "my_opinions": reverse("admin:projects_my_opinions"),
    }[page]
    if role != "anonymous":
        client.force_login(make_official("someone", role, year.housing))
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/login/" in response["Location"]
    else:
        assert response.status_code == (200 if role in NEW_PAGES[page] else 403)


def test_the_import_page_offers_a_template_for_each_plan_taking_figures(client, year):
    PlanFactory(year=2025, stage="rating", is_published=True)
    client.force_login(year.clerk)
    page = client.get(reverse("admin:projects_import")).content.decode()
    template = reverse("admin:projects_import_template")
    links = re.findall(rf'<a href="{template}\?plan=(\d+)">', page)
    assert links == ["2026", "2025"]  # the year being delivered first; 2027 still calls
    response = client.get(f"{template}?plan=2026")
    assert "2026" in response["Content-Disposition"]
