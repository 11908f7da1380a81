"""公示 before 已完成: a project whose figures reach completion is published for a notice
period; an upheld objection makes it 整改中 until a new figure, which opens a new notice;
a dismissed one leaves the notice to run out. Every surface at each step, and
?as_of= for the days in between; a plan's projects finished before the rule existed are
never put through it."""

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Notice, PlanRule, ProgressReport, PublicInput
from projects.rules import pace, roles

from .actions import Actions
from .conftest import make_official
from .factories import DepartmentFactory, PlanFactory, ProjectFactory, ReportFactory, TargetFactory
from .refusals import BAD_REQUEST, HTTP_404, assert_refused

SHANGHAI_NOON = 4  # 12:00 in Shanghai is 04:00 UTC


def at(day):
    return datetime(day.year, day.month, day.day, SHANGHAI_NOON, tzinfo=UTC)


@pytest.fixture
def plan(db):
    # Made on 2026-11-26 (the suite's today in Shanghai): its notice rule runs from then.
    return PlanFactory(year=2026)


@pytest.fixture
def lead(db):
    return DepartmentFactory(name="区住建局")


@pytest.fixture
def project(plan, lead):
    return ProjectFactory(plan=plan, number=1, title="加装电梯", lead_department=lead)


@pytest.fixture
def target(project):
    return TargetFactory(project=project, name="加装电梯", unit="部", target_value=Decimal("10"))


@pytest.fixture
def supervisor(db):
    return make_official("supervisor", roles.REVIEWER)


@pytest.fixture
def moderator(db):
    return make_official("moderator", roles.MODERATOR)


def figure(target, value, day):
    return ReportFactory(target=target, value=Decimal(value), as_of=day)


STATUS = re.compile(r'<span class="status status-([a-z_]+)">([^<]+)</span>')


def statuses(html):
    """Every status a page shows, in order, as (status, label): on a project's page the
    project's own under its title, then each target's."""
    return STATUS.findall(html)


def status(client, plan, day=None):
    """The project's status as every surface says it (on `day` with ?as_of=): the API,
    the project page's heading, the dashboard's table, the departments page's one row;
    all must agree."""
    query = f"?as_of={day:%Y-%m-%d}" if day else ""
    (record,) = client.get(f"/api/v1/projects/?plan={plan.year}&{query[1:]}").json()["results"]
    said = (record["status"], record["status_label"])

    def page(path):
        return client.get(f"/plans/{plan.year}/{path}{query}").content.decode()

    shown = {
        "project page": statuses(page("projects/1/"))[0] == said,
        "dashboard": f"<td>{said[1]}</td></tr>" in page(""),
        "departments": statuses(page("departments/")) == [said],
    }
    assert shown == dict.fromkeys(shown, True), (record["status"], shown)
    return record["status"]


def object_to(client, project, text="三号楼的电梯还没有安装，公示的数字不对。"):
    url = reverse("projects:objection", args=[project.plan.year, project.number])
    client.get(url)
    return client.post(url, {"text": text})


def decide(client, user, item, action, note):
    client.force_login(user)
    response = client.post(
        reverse("admin:projects_publicinput_changelist") + "?state=all",
        {"action": action, "_selected_action": [item.pk], "note": note},
    )
    client.logout()
    return response


@pytest.fixture
def objection(client, project, target, moderator):
    """An objection to the notice the project's completing figure opened, published."""
    figure(target, 10, date(2026, 11, 26))
    object_to(client, project)
    item = PublicInput.objects.get(kind="objection")
    item.publish(moderator)
    return item


def test_the_rule_runs_from_the_day_it_is_set_on_a_plan(plan):
    (rule,) = plan.rules.filter(name=PlanRule.Name.NOTICE_DAYS)
    assert (rule.value, rule.valid_from) == (7, date(2026, 11, 26))
    assert PlanRule.Name.NOTICE_DAYS not in plan.rules_on(date(2026, 11, 25)).values


def test_a_project_goes_through_notice_objections_and_rectification(
    client, clock, plan, project, target, supervisor, moderator
):
    figure(target, 9, date(2026, 11, 20))
    assert status(client, plan) == "on_track"

    # 11-26: the figure reaches 10 → 公示中 for 7 days from the day it is public.
    figure(target, 10, date(2026, 11, 26))
    (first,) = Notice.objects.all()
    assert (first.opens_on, first.published_on, first.closes_on, first.days) == (
        date(2026, 11, 26),
        date(2026, 11, 26),
        date(2026, 12, 3),
        7,
    )
    assert status(client, plan) == "notice"
    page = client.get(project.get_absolute_url()).content.decode()
    # The project is 公示中; its one target's figure is complete.
    assert statuses(page) == [("notice", "公示中"), ("complete", "已完成")]
    assert "2026-11-26 起公示 7 天，至 2026-12-03" in page
    assert reverse("projects:objection", args=[2026, 1]) in page
    dashboard = client.get("/").content.decode()
    assert "<td>公示中</td></tr>" in dashboard
    departments = client.get("/plans/2026/departments/").content.decode()
    assert statuses(departments) == [("notice", "公示中")]  # 区住建局's one row

    # 11-27: an objection, published by the moderator; 11-28 upheld → 整改中.
    clock.move_to(at(date(2026, 11, 27)))
    assert object_to(client, project).status_code == 302
    objection = PublicInput.objects.get(kind="objection")
    assert (objection.notice, objection.state) == (first, "pending")
    objection.publish(moderator)
    clock.move_to(at(date(2026, 11, 28)))
    decide(client, moderator, objection, "uphold_selected", "已核实：三号楼尚未安装。")
    objection.refresh_from_db()
    assert objection.outcome == ""  # the moderator may not decide it
    decide(client, supervisor, objection, "uphold_selected", "已核实：三号楼尚未安装。")
    objection.refresh_from_db()
    first.refresh_from_db()
    assert (objection.outcome, first.upheld_on) == ("upheld", date(2026, 11, 28))
    assert status(client, plan) == "rectifying"
    page = client.get(project.get_absolute_url()).content.decode()
    assert statuses(page) == [("rectifying", "整改中"), ("complete", "已完成")]
    assert "2026-11-28 异议成立" in page
    assert "已核实：三号楼尚未安装。" in page
    assert object_to(client, project, "再提一条异议，应当拒绝。").status_code == 404

    # 12-01: a new approved figure → a new notice.
    clock.move_to(at(date(2026, 12, 1)))
    ReportFactory(target=target, value=Decimal(10), as_of=date(2026, 12, 1), note="三号楼已装好")
    second = Notice.objects.order_by("pk").last()
    assert (second.opens_on, second.closes_on) == (date(2026, 12, 1), date(2026, 12, 8))
    assert status(client, plan) == "notice"

    # 12-02: another objection, dismissed on 12-03 with its reason.
    clock.move_to(at(date(2026, 12, 2)))
    object_to(client, project, "电梯噪音太大，应当算没有完成。")
    again = PublicInput.objects.filter(kind="objection").order_by("pk").last()
    assert again.notice == second
    again.publish(moderator)
    clock.move_to(at(date(2026, 12, 3)))
    decide(client, supervisor, again, "dismiss_selected", "噪音属于运行维护问题，不影响完成。")
    assert status(client, plan) == "notice"  # the notice runs to its end

    # 12-09: the notice is over, nothing upheld → 已完成.
    clock.move_to(at(date(2026, 12, 9)))
    assert status(client, plan) == "complete"
    assert object_to(client, project).status_code == 404  # closed: nothing stored
    assert PublicInput.objects.filter(kind="objection").count() == 2
    page = client.get(project.get_absolute_url()).content.decode()
    assert "噪音属于运行维护问题，不影响完成。" in page and "督查部门认定异议不成立" in page

    # ?as_of= for the days in between: each day as that day's notices and decisions said.
    assert [status(client, plan, day) for day in DAYS] == EXPECTED


DAYS = [
    date(2026, 11, 25),
    date(2026, 11, 27),
    date(2026, 11, 28),
    date(2026, 11, 30),
    date(2026, 12, 2),
    date(2026, 12, 8),
    date(2026, 12, 9),
]
EXPECTED = [
    "on_track",  # 9 of 10
    "notice",
    "rectifying",
    "rectifying",
    "notice",
    "notice",
    "complete",
]


def test_an_undecided_objection_keeps_the_notice_open_past_its_end(
    client, clock, plan, project, target, moderator
):
    figure(target, 10, date(2026, 11, 26))
    object_to(client, project)
    PublicInput.objects.get(kind="objection").publish(moderator)
    clock.move_to(at(date(2026, 12, 10)))
    assert status(client, plan) == "notice"


def test_completed_counts_only_projects_past_their_notice(
    client, clock, plan, project, target, supervisor
):
    figure(target, 10, date(2026, 11, 26))
    progress = plan.progress()
    assert (progress.completed_count, progress.notice_count) == (0, 1)
    clock.move_to(at(date(2026, 12, 4)))
    progress = plan.progress()
    assert (progress.completed_count, progress.notice_count) == (1, 0)


def test_the_ledger_lists_open_objections_with_their_age(
    client, clock, plan, project, target, supervisor, moderator
):
    figure(target, 10, date(2026, 11, 26))
    object_to(client, project)
    PublicInput.objects.get(kind="objection").publish(moderator)
    clock.move_to(at(date(2026, 11, 30)))
    client.force_login(supervisor)
    ledger = reverse("admin:projects_ledger") + "?plan=2026"
    page = client.get(ledger).content.decode()
    assert "待认定的公示异议（1）" in page and "<td>4</td>" in page
    book = load_workbook(io.BytesIO(client.get(ledger + "&format=xlsx").content))
    rows = list(book["待认定的公示异议"].iter_rows(values_only=True))
    assert rows[1][-1] == 4


@pytest.mark.parametrize("actor", ["reporter", "moderator", "manager"])
def test_only_the_supervision_office_decides_an_objection(
    client, plan, project, target, lead, moderator, actor, objection
):
    item = objection
    users = {
        "reporter": make_official("reporter", roles.REPORTER, lead),
        "moderator": moderator,
        "manager": make_official("manager", roles.ADMINISTRATOR),
    }
    decide(client, users[actor], item, "uphold_selected", "理由")
    decide(client, users[actor], item, "dismiss_selected", "理由")
    item.refresh_from_db()
    assert item.outcome == ""
    assert Notice.objects.get().upheld_on is None


def test_a_decision_needs_its_reason(
    client, plan, project, target, supervisor, moderator, objection
):
    item = objection
    client.force_login(supervisor)
    response = client.post(
        reverse("admin:projects_publicinput_changelist") + "?state=all",
        {"action": "uphold_selected", "_selected_action": [item.pk], "note": ""},
        follow=True,
    )
    assert "必须写明理由" in response.content.decode()
    item.refresh_from_db()
    assert item.outcome == ""


def test_no_objection_to_a_project_not_in_notice(client, plan, project, target):
    figure(target, 6, date(2026, 11, 26))
    assert_refused(object_to(client, project), HTTP_404, "不在公示期")
    assert not PublicInput.objects.exists()


def test_a_project_finished_before_the_rule_is_never_put_through_it(client, plan_2021):
    target = plan_2021.projects.get(number=4).targets.first()
    for t in target.project.targets.all():
        ReportFactory(target=t, value=t.target_value, as_of=date(2021, 10, 31))
    assert not Notice.objects.exists()
    # A later figure of a project already complete opens none either.
    ReportFactory(target=target, value=target.target_value, as_of=date(2026, 11, 26), note="复核")
    assert not Notice.objects.exists()
    project = plan_2021.projects.get(number=4)
    page = client.get(project.get_absolute_url()).content.decode()
    assert 'id="notice"' not in page
    assert statuses(page) == [("complete", "已完成")] * 3  # the project, its two targets
    assert status_of(plan_2021, 4) == pace.Status.COMPLETE


def status_of(plan, number):
    return next(p.status for p in plan.progress().projects if p.number == number)


def test_figures_that_fall_back_below_the_target_say_what_they_say(client, plan, project, target):
    figure(target, 10, date(2026, 11, 26))
    ProgressReport.objects.filter(target=target).update(value=Decimal(10))
    ReportFactory(target=target, value=Decimal(8), as_of=date(2026, 11, 26), note="重复计数")
    # 8 of 10 on 11-26, when 90.4% of the year is expected: 10.4 points behind, more
    # than the 10 of 推进缓慢, less than the 30 of 严重滞后; the notice no longer counts.
    assert status(client, plan) == "slow"


def test_the_bulletin_counts_completed_after_the_notice_and_says_who_is_in_notice(
    client, clock, plan, project, target
):
    figure(target, 10, date(2026, 11, 26))
    page = client.get("/plans/2026/bulletins/2026-11/").content.decode()
    assert '<th scope="row">公示中</th><td>1 件' in page
    assert '<th scope="row">已完成</th><td>0 件' in page
    clock.move_to(at(date(2026, 12, 4)))
    page = client.get("/plans/2026/bulletins/2026-12/").content.decode()
    assert '<th scope="row">已完成</th><td>1 件' in page
    assert '<th scope="row">公示中</th>' not in page


def test_a_flood_of_objections_meets_the_429_and_a_disguised_photo_is_refused(
    client, plan, project, target, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    figure(target, 10, date(2026, 11, 26))
    url = reverse("projects:objection", args=[2026, 1])
    client.get(url)
    fake = SimpleUploadedFile("a.jpg", b"<html>not a photo</html>", "image/jpeg")
    response = client.post(url, {"text": "三号楼的电梯还没有安装。", "photo": fake})
    assert_refused(response, BAD_REQUEST, "只能上传 JPEG、PNG 或 WebP")
    settings.VOICE_BROWSER_HARD = 1
    assert client.post(url, {"text": "三号楼的电梯还没有安装。"}).status_code == 429
    assert not PublicInput.objects.exists()


def test_the_table_its_filter_and_its_export_show_the_projects_notice(
    client, clock, plan, project, target
):
    other = TargetFactory(project=ProjectFactory(plan=plan, number=2), target_value=Decimal(5))
    ReportFactory(target=other, value=Decimal(5), as_of=date(2026, 11, 1))  # before the rule
    figure(target, 10, date(2026, 11, 26))
    table = "/plans/2026/targets/"
    page = client.get(table).content.decode()
    assert '<span class="status status-notice">公示中</span>' in page
    assert '<span class="status status-complete">已完成</span>' in page
    notice_rows = client.get(table + "?status=notice").context["table"].rows
    assert [row.record.pk for row in notice_rows] == [target.pk]
    complete_rows = client.get(table + "?status=complete").context["table"].rows
    assert [row.record.pk for row in complete_rows] == [other.pk]
    csv = client.get(table + "?export=csv&status=notice").content.decode("utf-8-sig")
    assert ",公示中," in csv and ",已完成," not in csv  # the status column


def test_the_feed_says_when_a_figure_opened_a_notice(client, plan, project, target):
    figure(target, 10, date(2026, 11, 26))
    feed = client.get("/plans/2026/projects/1/feed/").content.decode()
    assert (
        "这一数字使实事达到承诺：公示 2026-11-26 至 2026-12-03，期间任何人都可以提出异议。" in feed
    )


def test_an_objection_undecided_past_the_notices_end_alerts_the_office_once(
    client, clock, plan, project, target, moderator, objection
):
    from django.core.management import call_command

    from projects.models import Alert, Channel

    Channel.objects.create(department=None, kind="email", address="dc@example.gov.cn")
    item = objection
    closes_on = item.notice.closes_on
    waiting = Alert.objects.filter(rule=Alert.Rule.OBJECTION_WAITING)
    clock.move_to(at(closes_on))
    call_command("send_alerts", stdout=io.StringIO())
    assert not waiting.exists()  # the notice still runs today
    for later in (1, 2):
        clock.move_to(at(closes_on) + timedelta(days=later))
        call_command("send_alerts", stdout=io.StringIO())
    (alert,) = waiting
    assert (alert.key, alert.department) == (f"objection_waiting:{item.pk}", None)
    assert alert.subject == f"【公示异议】异议 #{item.pk} 在公示截止后仍待认定"
    assert [d.channel.address for d in alert.deliveries.all()] == ["dc@example.gov.cn"]


def published_objection(client, project, target, moderator):
    """A published objection that left a name and phone, and its admin pages: the
    item's own, the list and its history."""
    figure(target, 10, date(2026, 11, 26))
    object_to(client, project)
    item = PublicInput.objects.get(kind="objection")
    item.name, item.phone = "王建国", "13912345678"
    item.save()
    item.publish(moderator)
    admin = "admin:projects_publicinput_"
    return item, [
        reverse(f"{admin}change", args=[item.pk]),
        reverse(f"{admin}changelist") + "?state=all",
        reverse(f"{admin}history", args=[item.pk]),
    ]


@pytest.mark.parametrize(
    ("actor", "contact"),
    [
        ("supervisor", False),  # decides the objection: needs no name nor phone
        ("moderator", True),
        ("reporter", True),  # of the lead department, which answers it
    ],
)
def test_only_the_moderators_and_the_answering_department_see_an_objectors_contact(
    client, plan, project, target, lead, supervisor, moderator, actor, contact
):
    item, pages = published_objection(client, project, target, moderator)
    users = {
        "supervisor": supervisor,
        "moderator": moderator,
        "reporter": make_official("reporter", roles.REPORTER, lead),
    }
    client.force_login(users[actor])
    shown = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert item.text[:10] in html or str(item) in html, url
        shown.append("王建国" in html or "13912345678" in html)
    assert shown == [contact, False, False]  # only the item's own page, to those allowed


def test_no_other_role_opens_an_objectors_contact(client, project, target, moderator):
    """The rest of the matrix: a reporter of another department, an administrator, the
    congress's staff and a deputy open none of the objection's admin pages."""
    item, pages = published_objection(client, project, target, moderator)
    others = {
        "other reporter": make_official(
            "other", roles.REPORTER, DepartmentFactory(name="区民政局")
        ),
        "administrator": make_official("admin", roles.ADMINISTRATOR),
        "congress staff": make_official("staff", roles.CONGRESS_STAFF),
        "deputy": make_official("deputy", roles.DEPUTY),
    }
    seen = {}
    for role, user in others.items():
        client.force_login(user)
        answers = [client.get(url) for url in pages]
        seen[role] = [a.status_code for a in answers]
        for answer in answers:
            assert "王建国" not in answer.content.decode(), role
            assert "13912345678" not in answer.content.decode(), role
    # Another department's reporter finds no such item (the admin sends them back to
    # their own list, which does not hold it); the others may not read public input at
    # all, and the history of an item they cannot see sends them away too.
    assert seen == {
        "other reporter": [302, 200, 302],
        "administrator": [403, 403, 302],
        "congress staff": [403, 403, 302],
        "deputy": [403, 403, 302],
    }
    client.force_login(others["other reporter"])
    assert item.text[:10] not in client.get(pages[1]).content.decode()


def test_a_contact_purged_while_an_objection_waits_stays_purged_when_it_is_decided(
    client, project, target, supervisor, moderator
):
    item, _pages = published_objection(client, project, target, moderator)
    read = PublicInput.objects.get(pk=item.pk)  # the supervisor's page, read before the purge
    PublicInput.objects.get(pk=item.pk).purge_contact()
    read.dismiss(supervisor, "噪音属于运行维护问题，不影响完成。")
    kept = PublicInput.objects.get(pk=item.pk)
    assert (kept.name, kept.phone, kept.outcome) == ("", "", "dismissed")
    assert kept.contact_purged_at is not None


def test_a_reviewer_decides_an_objection_from_the_ledger_in_three_actions(
    client, plan, project, target, supervisor, moderator
):
    figure(target, 10, date(2026, 11, 26))
    object_to(client, project, text="五号楼的电梯还没有安装。")
    item = PublicInput.objects.get(kind="objection")
    item.publish(moderator)
    client.force_login(supervisor)
    way = Actions(client)
    way.open(reverse("admin:projects_ledger"))  # no ?plan=: the year being delivered
    page = way.follow("认定")
    assert "五号楼的电梯还没有安装。" in page and "2026-11-26" in page
    assert 'value="uphold"' in page and 'value="dismiss"' in page
    page = way.submit({"outcome": "dismiss", "note": "经现场核查，五号楼电梯已安装。"})
    assert way.count == 3
    assert way.url == reverse("admin:projects_ledger")  # back where it started
    assert "已认定，异议不成立。" in page and "待认定的公示异议（0）" in page
    item.refresh_from_db()
    assert (item.outcome, item.outcome_note) == ("dismissed", "经现场核查，五号楼电梯已安装。")


def test_the_objection_page_refuses_without_a_reason_and_others_than_the_office(
    client, plan, project, target, lead, supervisor, moderator, objection
):
    item = objection
    url = reverse("admin:projects_objection_decide", args=[item.pk])
    for user in (moderator, make_official("reporter", roles.REPORTER, lead)):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"outcome": "uphold", "note": "理由"}).status_code == 403
    client.force_login(supervisor)
    page = client.post(url, {"outcome": "uphold", "note": " "}).content.decode()
    assert "都必须写明理由" in page
    page = client.post(url, {"outcome": "neither", "note": "理由"}).content.decode()
    assert "errorlist" in page
    item.refresh_from_db()
    assert item.outcome == "" and Notice.objects.get().upheld_on is None
    # Decided once, the page says how and takes no second decision.
    client.post(url, {"outcome": "uphold", "note": "已核实：尚未安装。"})
    page = client.get(url).content.decode()
    assert "已认定：异议<strong>异议成立，整改</strong>" in page and 'value="dismiss"' not in page
    page = client.post(url, {"outcome": "dismiss", "note": "改判"}).content.decode()
    assert "只有已公开、尚未决定的异议可以认定" in page
    item.refresh_from_db()
    assert item.outcome == "upheld"
    assert client.get(f"{url}?next=https://evil.example/").status_code == 200
    redirect = client.post(
        url, {"outcome": "dismiss", "note": "x", "next": "https://evil.example/"}
    )
    assert "evil" not in redirect.get("Location", "")
