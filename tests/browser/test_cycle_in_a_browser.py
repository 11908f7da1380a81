"""The whole year of a pledge in a real browser, as the people involved do it: a resident
proposes, the moderator publishes and adopts it, the administrator makes the candidate,
congress staff record and publish the ballot, the elected project becomes a pledge, a
reporter reports and a reviewer approves, a deputy asks and the department answers,
staff record the rating, and the public project page shows every step. Then the call
page and the proposal form as a person sees them: axe, the Nu checker, 360 px.
"""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from projects.models import (
    Answer,
    Ballot,
    Candidate,
    Department,
    Plan,
    Project,
    PublicInput,
    Rating,
)
from projects.rules import roles
from tests.browser.test_voice_in_a_browser import axe, log_in, run_action
from tests.conftest import NOW, SHANGHAI, make_official, report_form

pytestmark = pytest.mark.django_db(transaction=True)

# The suite's day in Shanghai: next year's call is open, its delivery and rating are
# travelled to.
TODAY = NOW.astimezone(SHANGHAI).date()
NEXT = TODAY.year + 1
PROPOSAL = "老旧小区加装电梯"
WHY = "西园社区多栋六层住宅没有电梯，老人上下楼困难。"
OPINION = "建议优先安排独居老人多的单元，并公开每部电梯的开工时间。"
ANSWER = "已将独居老人较多的 6 个单元列入首批，开工时间将在本页公开。"


@pytest.fixture
def plan(db):
    return Plan.objects.create(
        year=NEXT,
        title=f"驿城区{NEXT}年民生实事",
        period_start=date(NEXT, 1, 1),
        period_end=date(NEXT, 12, 31),
        stage=Plan.Stage.CALL,
        call_opens=TODAY - timedelta(days=10),
        call_closes=TODAY + timedelta(days=25),
    )


@pytest.fixture
def people(db):
    housing = Department.objects.create(name="区住建局")
    roads = Department.objects.create(name="区交通运输局")
    return {
        "housing": housing,
        "roads": roads,
        "moderator": make_official("moderator", roles.MODERATOR),
        "manager": make_official("manager", roles.ADMINISTRATOR),
        "staff": make_official("staff", roles.CONGRESS_STAFF),
        "reporter": make_official("reporter", roles.REPORTER, housing),
        "reviewer": make_official("reviewer", roles.REVIEWER),
        "deputy": make_official("deputy_li", roles.DEPUTY),
    }


def admin_url(live_server, name, *args):
    return live_server.url + reverse(f"admin:projects_{name}", args=args)


def move_to(page, live_server, plan, stage):
    """The administrator moves the plan to its next stage on the plan's admin page."""
    page.goto(admin_url(live_server, "plan_change", plan.pk))
    page.select_option("#id_stage", stage)
    with page.expect_navigation():
        page.click('input[name="_save"]')
    plan.refresh_from_db()
    assert plan.stage == stage, page.locator(".errornote, .errorlist").all_inner_texts()


def add_candidate(page, live_server, plan, order, title, department, target):
    name, unit, value = target
    page.goto(admin_url(live_server, "candidate_add"))
    page.select_option("#id_plan", str(plan.pk))
    page.fill("#id_order", str(order))
    page.fill("#id_title", title)
    page.fill("#id_pledge_text", f"{title}：{value} {unit}。")
    page.select_option("#id_lead_department", str(department.pk))
    page.fill("#id_investment", "800")
    page.fill("#id_targets-0-name", name)
    page.fill("#id_targets-0-unit", unit)
    page.fill("#id_targets-0-target_value", str(value))
    with page.expect_navigation():
        page.click('input[name="_save"]')
    return Candidate.objects.get(plan=plan, order=order)


def test_the_whole_year_of_a_pledge(live_server, browser, client, clock, plan, people):
    public = browser.new_context().new_page()

    # 征集: a resident proposes from the call page.
    public.goto(live_server.url + "/")
    public.get_by_role("link", name="查看并推荐").click()
    public.get_by_role("link", name="我要推荐").click()
    public.get_by_label("推荐什么项目").fill(PROPOSAL)
    public.get_by_label("类别").select_option("housing")
    public.get_by_label("为什么要办、能惠及哪些群众").fill(WHY)
    with public.expect_navigation():
        public.get_by_role("button", name="提交推荐").click()
    assert public.get_by_role("heading", level=1).inner_text() == "推荐已收到"
    proposal = PublicInput.objects.get(kind="proposal")

    # The moderator publishes it.
    moderation = log_in(browser, live_server, people["moderator"])
    queue = admin_url(live_server, "publicinput_changelist")
    assert "已公开 1 条" in run_action(moderation, queue, proposal.pk, "publish_selected")

    # 遴选: the administrator moves the plan on and makes three candidates.
    office = log_in(browser, live_server, people["manager"])
    move_to(office, live_server, plan, "shortlist")
    lift = add_candidate(
        office, live_server, plan, 1, "加装电梯", people["housing"], ("加装电梯", "部", 60)
    )
    add_candidate(
        office, live_server, plan, 2, "农村公路", people["roads"], ("改造农村公路", "公里", 30)
    )
    add_candidate(
        office, live_server, plan, 3, "社区食堂", people["housing"], ("建成社区食堂", "个", 5)
    )

    # The moderator adopts the proposal into candidate 1.
    shown = run_action(moderation, queue + "?state=all", proposal.pk, "adopt_selected", into="1")
    assert "已列为候选 1 条" in shown

    # 票决: staff record the ballot (2 seats, 3 candidates) and publish it.
    move_to(office, live_server, plan, "vote")
    staff = log_in(browser, live_server, people["staff"])
    staff.goto(admin_url(live_server, "ballot_add"))
    staff.select_option("#id_plan", str(plan.pk))
    staff.fill("#id_session", "驿城区第十八届人民代表大会第五次会议")
    staff.fill("#id_held_on", TODAY.isoformat())
    staff.fill("#id_deputies", "180")
    staff.fill("#id_present", "172")
    staff.fill("#id_seats", "2")
    votes = {1: (160, 8, 4), 2: (150, 15, 7), 3: (70, 80, 22)}
    for row, (order, (yes, no, abstain)) in enumerate(votes.items()):
        candidate = Candidate.objects.get(plan=plan, order=order)
        staff.select_option(f"#id_tallies-{row}-candidate", str(candidate.pk))
        staff.fill(f"#id_tallies-{row}-votes_for", str(yes))
        staff.fill(f"#id_tallies-{row}-votes_against", str(no))
        staff.fill(f"#id_tallies-{row}-abstentions", str(abstain))
    with staff.expect_navigation():
        staff.click('input[name="_save"]')
    ballot = Ballot.objects.get(plan=plan)
    shown = run_action(
        staff, admin_url(live_server, "ballot_changelist"), ballot.pk, "publish_selected"
    )
    assert "当选项目已成为年度民生实事" in shown
    plan.refresh_from_db()
    assert plan.stage == Plan.Stage.DELIVERY
    project = Project.objects.get(plan=plan, number=1)
    assert project.title == "加装电梯" and plan.projects.count() == 2

    # 实施, half a year on: the reporter reports, the reviewer approves (the admin over
    # HTTP). Everyone signs in again: their sessions are months old.
    clock.move_to(datetime(NEXT, 6, 30, 10, 0, tzinfo=SHANGHAI))
    target = project.targets.get()
    client.force_login(people["reporter"])
    response = client.post(
        reverse("admin:projects_progressreport_add"),
        report_form(target, value="40", as_of=f"{NEXT}-06-30", _submit="1"),
    )
    assert response.status_code == 302
    report = target.reports.get()
    if report.state == "draft":
        report.submit(people["reporter"])
    client.force_login(people["reviewer"])
    client.post(
        reverse("admin:projects_progressreport_changelist"),
        {"action": "approve_selected", "_selected_action": [report.pk]},
    )
    report.refresh_from_db()
    assert report.state == "approved"

    # A deputy sends an opinion; the moderator publishes it; the department answers.
    deputy = log_in(browser, live_server, people["deputy"])
    deputy.goto(live_server.url + project.get_absolute_url())
    deputy.get_by_role("link", name="人大代表提出意见（需登录）").click()
    deputy.get_by_label("代表意见").fill(OPINION)
    with deputy.expect_navigation():
        deputy.get_by_role("button", name="提交代表意见").click()
    opinion = PublicInput.objects.get(kind="deputy")
    moderation = log_in(browser, live_server, people["moderator"])
    run_action(moderation, queue, opinion.pk, "publish_selected")
    desk = log_in(browser, live_server, people["reporter"])
    desk.goto(admin_url(live_server, "answer_add") + f"?question={opinion.pk}")
    desk.fill("#id_text", ANSWER)
    with desk.expect_navigation():
        desk.click('input[name="_save"]')
    answer = Answer.objects.get(question=opinion)
    shown = run_action(
        moderation, admin_url(live_server, "answer_changelist"), answer.pk, "approve_selected"
    )
    assert "已公开 1 条答复" in shown

    # 测评, at the year's end: staff record the deputies' rating.
    clock.move_to(datetime(NEXT, 12, 20, 10, 0, tzinfo=SHANGHAI))
    office = log_in(browser, live_server, people["manager"])
    move_to(office, live_server, plan, "rating")
    staff = log_in(browser, live_server, people["staff"])
    staff.goto(admin_url(live_server, "rating_add"))
    staff.select_option("#id_project", str(project.pk))
    staff.fill("#id_held_on", f"{NEXT}-12-20")
    staff.fill("#id_satisfied", "120")
    staff.fill("#id_basic", "40")
    staff.fill("#id_unsatisfied", "10")
    with staff.expect_navigation():
        staff.click('input[name="_save"]')
    assert Rating.objects.get(project=project).verdict == "satisfied"

    # The public project page tells the whole story.
    public.goto(live_server.url + project.get_absolute_url())
    story = public.locator("#story").inner_text()
    assert f"推荐 #{proposal.pk}（{TODAY:%Y-%m-%d}）" in story
    assert "列为候选项目：候选 1“加装电梯”" in story
    assert "赞成 160、反对 8、弃权 4（在任代表 180 人，出席 172 人）" in story
    assert "满意 120、基本满意 40、不满意 10，结果为“满意”" in story
    figures = public.locator(f"#target-{target.pk}").inner_text()
    assert "当前 40 / 目标 60 部" in figures
    questions = public.locator("#questions").inner_text()
    assert OPINION in questions and ANSWER in questions and "人大代表意见" in questions
    public.locator("#story").get_by_role("link", name="候选项目清单").click()
    call = public.locator("main").inner_text()
    assert "加装电梯" in call and "社区食堂" in call and "未当选" in call
    assert lift.pk and "列为候选：加装电梯" in call


def test_the_cycles_pages_are_accessible_valid_and_fit_a_phone(
    live_server, browser, axe_source, nu_checker, tmp_path, demo
):
    # make demo's live picture: this year's plan elected by a demo ballot and in 实施,
    # next year's with its call open (both built from today's date).
    this, following = TODAY.year, TODAY.year + 1
    paths = {
        "call and ballot": f"/plans/{this}/call/",
        "an elected pledge's path": f"/plans/{this}/projects/1/",
        "open call": f"/plans/{following}/call/",
        "proposal form": f"/plans/{following}/call/propose/",
    }
    page = browser.new_context(bypass_csp=True).new_page()
    bodies, violations = {}, {}
    for name, path in paths.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        bodies[name] = response.body()
        violations[name] = axe(page, axe_source)
    assert "代表票决" in bodies["call and ballot"].decode()
    assert "来历与评价" in bodies["an elected pledge's path"].decode()
    page.get_by_role("button", name="提交推荐").click()  # empty: every error shown
    page.wait_for_selector(".field-errors")
    bodies["proposal form with errors"] = page.content().encode()
    violations["proposal form with errors"] = axe(page, axe_source)
    assert {name: found for name, found in violations.items() if found} == {}
    assert nu_checker.errors(bodies) == {}
    phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    for path in paths.values():
        phone.goto(live_server.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
