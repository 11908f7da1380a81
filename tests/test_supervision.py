"""挂牌督办 from opening to 销号, over HTTP: the office opens it (never with a deadline
in the past), the department responds, the office closes it or sends it back; the
public sees it from the day it is opened, and the response once it is closed. And who
may do what with 督办, channels and alerts, for every role."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from projects.models import Alert, Channel, Delivery, Supervision
from projects.rules import roles

from .conftest import make_official
from .factories import DepartmentFactory, PlanFactory, ProjectFactory, TargetFactory
from .refusals import DENIED, LOGIN, NOT_FOUND, assert_refused

TODAY = date(2026, 11, 26)  # the suite's today in Shanghai
ADD = reverse("admin:projects_supervision_add")
LIST = reverse("admin:projects_supervision_changelist")


@pytest.fixture
def plan(db):
    return PlanFactory(year=2026)


@pytest.fixture
def housing(db):
    return DepartmentFactory(name="区住建局")


@pytest.fixture
def project(plan, housing):
    project = ProjectFactory(plan=plan, number=1, title="加装电梯", lead_department=housing)
    TargetFactory(project=project, name="加装电梯", unit="部", target_value=100)
    return project


@pytest.fixture
def office(db):
    return make_official("office", roles.REVIEWER)


@pytest.fixture
def reporter(housing):
    return make_official("zj-reporter", roles.REPORTER, housing)


@pytest.fixture
def outsider(db):
    return make_official("other-reporter", roles.REPORTER, DepartmentFactory(name="区教体局"))


def opening(plan_, project_, department_, **fields):
    data = {
        "plan": plan_.pk,
        "kind": "lagging",
        "project": project_.pk,
        "target": "",
        "question": "",
        "department": department_.pk,
        "problem": "加装电梯进度严重滞后于序时进度。",
        "requirement": "十日内报送追赶计划，月底前完成 20 部开工。",
        "deadline": (TODAY + timedelta(days=10)).isoformat(),
    }
    data.update(fields)
    return data


def test_a_supervision_goes_from_open_to_closed_publicly(
    client, plan, project, housing, office, reporter
):
    client.force_login(office)
    past = opening(plan, project, housing, deadline="2026-11-25")
    page = client.post(ADD, past)
    assert "整改时限不能早于今天（2026-11-26）" in page.content.decode()
    assert not Supervision.objects.exists()
    assert client.post(ADD, opening(plan, project, housing)).status_code == 302
    item = Supervision.objects.get()
    assert (item.state, item.opened_by, item.opened_on) == ("open", office, TODAY)

    public = client.get("/plans/2026/supervision/").content.decode()
    assert "督办中（1 件）" in public and "加装电梯进度严重滞后" in public
    assert "十日内报送追赶计划" in public and "2026-12-06" in public

    client.force_login(reporter)
    change = reverse("admin:projects_supervision_change", args=[item.pk])
    empty = client.post(change, {"response": ""})
    assert "请填写整改情况" in empty.content.decode()
    response = "已制定追赶计划，新开工 22 部，见住建局 11 月 30 日报告。"
    assert client.post(change, {"response": response}).status_code == 302
    item.refresh_from_db()
    assert (item.state, item.responded_by) == ("responded", reporter)
    assert response not in client.get("/plans/2026/supervision/").content.decode()  # not yet

    client.force_login(office)
    client.post(LIST, {"action": "send_back_selected", "_selected_action": [item.pk], "note": ""})
    item.refresh_from_db()
    assert item.state == "responded"  # a send-back needs its reason
    client.post(
        LIST,
        {"action": "send_back_selected", "_selected_action": [item.pk], "note": "缺开工照片"},
    )
    item.refresh_from_db()
    assert (item.state, item.review_note) == ("open", "缺开工照片")

    client.force_login(reporter)
    client.post(change, {"response": response + "附开工照片。"})
    client.force_login(office)
    client.post(
        LIST, {"action": "close_selected", "_selected_action": [item.pk], "note": "整改到位"}
    )
    item.refresh_from_db()
    assert (item.state, item.closed_by, item.closed_on) == ("closed", office, TODAY)
    public = client.get("/plans/2026/supervision/").content.decode()
    assert "已销号（1 件）" in public and "附开工照片" in public and "整改到位" in public
    # the day before it was opened, nothing; the record of each step is kept
    earlier = client.get("/plans/2026/supervision/?as_of=2026-11-25").content.decode()
    assert "加装电梯进度严重滞后" not in earlier
    assert item.history.count() == 5  # opened, responded, sent back, responded, closed


def test_a_supervision_shows_on_the_departments_page_and_in_the_ledger(
    client, plan, project, housing, office
):
    Supervision.objects.create(
        plan=plan, kind="lagging", project=project, department=housing,
        problem="滞后", requirement="追赶", deadline=TODAY + timedelta(days=3),
    )  # fmt: skip
    html = client.get("/plans/2026/departments/").content.decode()
    assert "挂牌督办 1 件，已销号 0 件" in html
    client.force_login(office)
    ledger = client.get(reverse("admin:projects_ledger") + "?plan=2026").content.decode()
    assert "未销号的挂牌督办（1）" in ledger


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "report", "project": ""}, "请选择逾期未报的指标"),
        ({"kind": "question"}, "请选择超期未答复的留言或代表意见"),
        ({"deadline": "2029-01-01"}, "整改时限不能晚于计划结束后一年"),
        ({"deadline": "2026-02-30"}, "有效的日期"),
        ({"problem": ""}, "这个字段是必填项"),
    ],
)
def test_a_malformed_supervision_is_refused_in_chinese(
    client, plan, project, housing, office, fields, message
):
    client.force_login(office)
    page = client.post(ADD, opening(plan, project, housing, **fields))
    assert message in page.content.decode()
    assert not Supervision.objects.exists()


# Who may do what, over HTTP


@pytest.fixture
def records(plan, project, housing):
    item = Supervision.objects.create(
        plan=plan, kind="lagging", project=project, department=housing,
        problem="滞后", requirement="追赶", deadline=TODAY + timedelta(days=3),
    )  # fmt: skip
    channel = Channel.objects.create(department=housing, kind="email", address="zj@example.gov.cn")
    alert = Alert.objects.create(key="k", rule="report_missed", day=TODAY, subject="s", body="b")
    delivery = Delivery.objects.create(alert=alert, channel=channel, state="failed")
    return {"supervision": item, "channel": channel, "alert": alert, "delivery": delivery}


ACTORS = ["public", "reporter", "outsider", "office", "administrator", "moderator", "deputy"]


def actor(name, housing):
    return {
        "public": None,
        "reporter": lambda: make_official("r", roles.REPORTER, housing),
        "outsider": lambda: make_official("o", roles.REPORTER, DepartmentFactory(name="区教体局")),
        "office": lambda: make_official("s", roles.REVIEWER),
        "administrator": lambda: make_official("a", roles.ADMINISTRATOR),
        "moderator": lambda: make_official("m", roles.MODERATOR),
        "deputy": lambda: make_official("d", roles.DEPUTY),
    }[name]


# page → the actors who get it (200); everyone else is sent to log in, or refused (403),
# or, for a row of a list they may read, told it does not exist.
PAGES = {
    "supervision list": (LIST, {"reporter", "outsider", "office", "administrator"}),
    "supervision add": (ADD, {"office"}),
    "supervision page": ("supervision", {"reporter", "office", "administrator"}),
    "channel list": (reverse("admin:projects_channel_changelist"), {"administrator"}),
    "channel add": (reverse("admin:projects_channel_add"), {"administrator"}),
    "alert list": (reverse("admin:projects_alert_changelist"), {"office", "administrator"}),
    "alert page": ("alert", {"office", "administrator"}),
    "delivery list": (reverse("admin:projects_delivery_changelist"), {"office", "administrator"}),
}
NOT_THEIRS = {("supervision page", "outsider")}  # another department's 督办


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("page", PAGES)
def test_who_may_see_each_admin_page_of_supervision_and_alerts(client, records, housing, who, page):
    url, allowed = PAGES[page]
    if url == "supervision":
        url = reverse("admin:projects_supervision_change", args=[records["supervision"].pk])
    elif url == "alert":
        url = reverse("admin:projects_alert_change", args=[records["alert"].pk])
    make = actor(who, housing)
    if make:
        client.force_login(make())
    response = client.get(url)
    if who in allowed:
        assert response.status_code == 200
    elif who == "public":
        assert_refused(response, LOGIN)
    else:
        assert_refused(response, NOT_FOUND if (page, who) in NOT_THEIRS else DENIED)


def test_only_the_departments_reporters_respond_and_only_the_office_closes(
    client, records, housing, outsider, office
):
    item = records["supervision"]
    change = reverse("admin:projects_supervision_change", args=[item.pk])
    client.force_login(outsider)
    client.post(change, {"response": "不是我们单位"})
    client.force_login(office)
    assert client.post(change, {"response": "督查室代填"}).status_code == 403
    item.refresh_from_db()
    assert (item.state, item.response) == ("open", "")
    client.force_login(make_official("r", roles.REPORTER, housing))
    client.post(change, {"response": "已整改"})
    client.post(LIST, {"action": "close_selected", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.state == "responded"  # a reporter cannot close
    client.force_login(make_official("a", roles.ADMINISTRATOR))
    client.post(LIST, {"action": "close_selected", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.state == "responded"  # nor an administrator


def test_only_administrators_send_a_delivery_again_and_nobody_deletes_a_channel(
    client, records, housing
):
    delivery = records["delivery"]
    for who in ["office", "reporter"]:
        client.force_login(actor(who, housing)())
        client.post(
            reverse("admin:projects_delivery_changelist"),
            {"action": "retry_selected", "_selected_action": [delivery.pk]},
        )
        delivery.refresh_from_db()
        assert delivery.state == "failed"
        client.logout()
    client.force_login(make_official("a", roles.ADMINISTRATOR))
    delete = reverse("admin:projects_channel_delete", args=[records["channel"].pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Channel.objects.count() == 1


def test_a_channels_secret_is_never_shown_back(client, records, housing):
    channel = Channel.objects.create(
        department=housing,
        kind="dingtalk",
        address="https://oapi.dingtalk.com/robot/send?access_token=TOKEN123",
        secret="SECsecretvalue",
    )
    client.force_login(make_official("a", roles.ADMINISTRATOR))
    listing = client.get(reverse("admin:projects_channel_changelist")).content.decode()
    assert "TOKEN123" not in listing and "SECsecretvalue" not in listing
    page = client.get(reverse("admin:projects_channel_change", args=[channel.pk])).content.decode()
    assert "SECsecretvalue" not in page
    history = reverse("admin:projects_channel_history", args=[channel.pk])
    assert "SECsecretvalue" not in client.get(history).content.decode()


def test_the_supervision_page_costs_the_same_with_1_or_20_supervisions(
    plan, project, housing, queries_of, django_assert_num_queries
):
    def opened(n):
        for _ in range(n):
            Supervision.objects.create(
                plan=plan, kind="lagging", project=project, department=housing,
                problem="滞后", requirement="追赶", deadline=TODAY + timedelta(days=3),
            )  # fmt: skip

    opened(1)
    # 1 the plan, 2 its 督办 with departments and projects, 3 whether any plan carries
    # demo data, 4 the published plans for the navigation
    with django_assert_num_queries(4):
        queries_of("/plans/2026/supervision/")
    opened(19)
    with django_assert_num_queries(4):
        queries_of("/plans/2026/supervision/")
