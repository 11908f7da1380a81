"""Alerts to the people responsible: the reporting calendar, each rule of `send_alerts`,
delivery by a real SMTP server and a real HTTP receiver on loopback (企业微信 and 钉钉
payloads, 钉钉's signature), once per thing and period, retries with backoff, the task
queue, and the public's e-mail follows (double opt-in, RFC 8058 unsubscribe)."""

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from projects.alerts import sending
from projects.models import (
    Alert,
    Channel,
    Delivery,
    Follow,
    PlanRule,
    ProgressReport,
    PublicInput,
    StatusMark,
    Supervision,
    check_robot_url,
    reporting_days,
)
from projects.rules import clock, roles

from .conftest import database_url, machine_clock_env, make_official
from .factories import DepartmentFactory, PlanFactory, ProjectFactory, ReportFactory, TargetFactory
from .receivers import Mailbox, RobotReceiver, dingtalk_sign

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 26)  # the suite's today in Shanghai (NOW is 2026-11-25 20:00 UTC)
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ZJ-KEY"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=JT-TOKEN"
DINGTALK_SECRET = "SEC0123456789abcdef"


def noon(day):
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture
def plan(db):
    plan = PlanFactory(year=2026)
    # Reporting by the 25th since the plan's start (a new plan's rule starts the day
    # it is made; a district sets it before publishing).
    plan.rules.filter(name=PlanRule.Name.REPORTING_DAY).update(
        valid_from=plan.period_start, value=25
    )
    return plan


@pytest.fixture
def housing(db):
    return DepartmentFactory(name="区住建局")


@pytest.fixture
def schools(db):
    return DepartmentFactory(name="区教体局")


@pytest.fixture
def district(plan, housing, schools):
    """Two departments with their channels and the office's mailbox; one target left
    unreported since the summer, one reported this month."""
    lifts = ProjectFactory(plan=plan, number=1, title="加装电梯", lead_department=housing)
    quiet = TargetFactory(project=lifts, name="加装电梯", unit="部", target_value=100)
    ReportFactory(
        target=quiet, value=30, as_of=date(2026, 7, 31), submitted_at=noon(date(2026, 8, 1))
    )
    school = ProjectFactory(plan=plan, number=2, title="新建学校", lead_department=schools)
    busy = TargetFactory(project=school, name="开工学校", unit="所", target_value=2)
    ReportFactory(
        target=busy, value=2, as_of=date(2026, 11, 10), submitted_at=noon(date(2026, 11, 10))
    )
    Channel.objects.create(department=housing, kind="email", address="zj@example.gov.cn")
    Channel.objects.create(department=housing, kind="wecom", address=WECOM)
    Channel.objects.create(
        department=schools, kind="dingtalk", address=DINGTALK, secret=DINGTALK_SECRET
    )
    Channel.objects.create(department=None, kind="email", address="dc@example.gov.cn")
    return {"quiet": quiet, "busy": busy, "lifts": lifts, "school": school}


@pytest.fixture
def mailbox(settings):
    with Mailbox(refused={"nobody@example.gov.cn"}) as box:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", box.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield box


@pytest.fixture
def robots(settings):
    with RobotReceiver(secrets={"JT-TOKEN": DINGTALK_SECRET}) as receiver:
        settings.ALERT_ROBOT_RECEIVER = receiver.url
        yield receiver


def run(day=TODAY):
    call_command("send_alerts", day=day.isoformat())


def opened(supervision_deadline, department, plan, **fields):
    return Supervision.objects.create(
        plan=plan,
        kind=Supervision.Kind.LAGGING,
        project=plan.projects.get(lead_department=department),
        department=department,
        problem="进度落后于序时进度。",
        requirement="十日内拿出追赶计划。",
        deadline=supervision_deadline,
        **fields,
    )


# The reporting calendar


def test_a_reporting_day_past_a_months_end_is_its_last_day(plan):
    plan.rules.filter(name=PlanRule.Name.REPORTING_DAY).update(value=31)
    days = reporting_days(plan, date(2026, 5, 31))
    assert days == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_no_report_was_due_before_the_rule_was_set_on_the_plan(db):
    plan = PlanFactory(year=2026)  # made today: its reporting day starts today
    assert reporting_days(plan, date(2026, 12, 31)) == [date(2026, 12, 25)]
    assert plan.rules.get(name=PlanRule.Name.REPORTING_DAY).valid_from == TODAY


def test_the_departments_page_shows_what_is_overdue_and_since_when(client, district):
    html = client.get("/plans/2026/departments/").content.decode()
    housing_part = html[html.index("区住建局") : html.index("区教体局")]
    assert "逾期未报 1 项：2026-11-25 填报截止日前没有提交填报。" in housing_part
    assert "加装电梯" in housing_part
    assert "逾期未报" not in html[html.index("区教体局") :]
    # On 2026-10-20 the last reporting day was 09-25: the quiet target's last report
    # was sent on 08-01, so it was overdue then too; the busy one had not been reported
    # after 08-25 either.
    earlier = client.get("/plans/2026/departments/?as_of=2026-10-20").content.decode()
    assert "逾期未报 1 项：2026-09-25 填报截止日前没有提交填报。" in earlier


def test_a_submitted_report_clears_the_overdue_mark_on_the_next_request(client, district):
    assert "逾期未报 1 项" in client.get("/plans/2026/departments/").content.decode()
    ReportFactory(
        target=district["quiet"], value=40, as_of=TODAY, state=ProgressReport.State.SUBMITTED,
        submitted_at=clock.now(),
    )  # fmt: skip
    assert "逾期未报" not in client.get("/plans/2026/departments/").content.decode()


# send_alerts: each rule, delivered for real, once


def test_one_run_delivers_the_due_alerts_by_mail_and_both_robots_and_a_second_none(
    district, plan, schools, mailbox, robots
):
    opened(TODAY + timedelta(days=3), schools, plan)
    run()

    missed = Alert.objects.get(rule=Alert.Rule.REPORT_MISSED)
    assert (
        missed.key == f"report_missed:{plan.pk}:{district['lifts'].lead_department_id}:2026-11-25"
    )
    soon = Alert.objects.get(rule=Alert.Rule.SUPERVISION_SOON)
    assert set(Alert.objects.values_list("rule", flat=True)) == {
        "report_missed",
        "supervision_soon",
    }
    # by mail: the department and, for a missed report, the office
    (to_housing,) = mailbox.to("zj@example.gov.cn")
    (to_office,) = mailbox.to("dc@example.gov.cn")
    assert Mailbox.subject(to_housing) == missed.subject == Mailbox.subject(to_office)
    assert "加装电梯" in Mailbox.text(to_housing) and "已逾期 1 天" in Mailbox.text(to_housing)
    # by both robots: 企业微信 for the 住建局, 钉钉 (signed) for the 教体局
    hosts = sorted(host for host, _, _ in robots.received)
    assert hosts == ["oapi.dingtalk.com", "qyapi.weixin.qq.com"]
    assert robots.refused == []
    (dingtalk,) = [p for h, _, p in robots.received if h == "oapi.dingtalk.com"]
    assert dingtalk["markdown"]["title"] == soon.subject
    assert "十日内拿出追赶计划" in dingtalk["markdown"]["text"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}

    run()
    assert len(mailbox.messages) == 2 and len(robots.received) == 2
    assert Alert.objects.count() == 2


def test_a_wrong_dingtalk_secret_is_refused_by_the_receiver_and_retried(
    district, plan, schools, mailbox, robots
):
    Channel.objects.filter(kind="dingtalk").update(secret="SECwrong")
    opened(TODAY + timedelta(days=3), schools, plan)
    run()
    (refusal,) = robots.refused
    assert refusal[1] == "dingtalk: sign does not match"
    delivery = Delivery.objects.get(channel__kind="dingtalk")
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "errcode 310000" in delivery.last_error


def test_a_refusal_by_the_smtp_server_is_a_failure_retried_with_backoff_then_given_up(
    district, housing, mailbox, robots, clock, settings
):
    Channel.objects.filter(address="zj@example.gov.cn").update(address="nobody@example.gov.cn")
    run()
    refused = Delivery.objects.get(channel__address="nobody@example.gov.cn")
    assert (refused.state, refused.attempts) == ("pending", 1)
    assert refused.last_error.startswith("邮件服务器拒收 nobody@example.gov.cn（550 ")
    assert "Recipient address rejected" in refused.last_error  # the server's own words
    delays = []
    for _ in settings.ALERT_RETRY_MINUTES:
        refused.refresh_from_db()
        delays.append(round((refused.next_attempt_at - clock.now()).total_seconds() / 60))
        clock.move_to(refused.next_attempt_at + timedelta(seconds=1))
        run()
    refused.refresh_from_db()
    assert delays == settings.ALERT_RETRY_MINUTES  # 1, 5, 30, 120, 360 minutes
    assert (refused.state, refused.attempts) == ("failed", 6)
    # the others went once, and nothing went to the refused address
    assert len(mailbox.to("dc@example.gov.cn")) == 1 and mailbox.to("nobody@example.gov.cn") == []


def test_a_refused_followers_address_is_not_written_in_the_error(district, mailbox, robots):
    from projects.alerts import due as alerting

    follow = Follow.objects.create(project=district["lifts"], email="nobody@example.gov.cn")
    alerting.record(alerting.follow_confirm_due(follow, clock.now()), TODAY)
    sending.deliver()
    delivery = Delivery.objects.get(follow=follow)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert delivery.last_error.startswith("邮件服务器拒收 关注者的地址（550 ")
    assert (
        "nobody" not in delivery.last_error and "Recipient address rejected" in delivery.last_error
    )


def test_an_administrator_sends_a_given_up_delivery_again_from_the_admin(
    client, district, mailbox, robots
):
    run()
    delivery = Delivery.objects.get(channel__address="zj@example.gov.cn")
    Delivery.objects.filter(pk=delivery.pk).update(state="failed", last_error="timed out")
    client.force_login(make_official("keeper", roles.ADMINISTRATOR))
    page = client.get(reverse("admin:projects_delivery_changelist"))
    assert "timed out" in page.content.decode()
    client.post(
        reverse("admin:projects_delivery_changelist"),
        {"action": "retry_selected", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    run()
    assert len(mailbox.to("zj@example.gov.cn")) == 2


def test_reporting_day_alerts_three_days_before_and_on_the_day(district, plan, mailbox, robots):
    run(date(2026, 12, 22))
    (soon,) = Alert.objects.filter(rule=Alert.Rule.REPORT_SOON)
    assert soon.subject.startswith("【填报提醒】2026年民生实事3 天后（2026-12-25）截止填报")
    run(date(2026, 12, 23))  # nothing new in between
    assert Alert.objects.filter(rule__in=["report_soon", "report_today"]).count() == 1
    run(date(2026, 12, 25))
    assert Alert.objects.filter(rule=Alert.Rule.REPORT_TODAY).count() == 1
    # to the department with a target unreported since 11-25; the school target was
    # finished (2 of 2) and needs no report
    today = Alert.objects.filter(rule="report_today")
    assert list(today.values_list("department__name", flat=True)) == ["区住建局"]


def test_a_report_waiting_for_review_past_the_plans_limit_alerts_the_office(
    district, mailbox, robots
):
    waiting = ReportFactory(
        target=district["busy"], value=2, as_of=date(2026, 11, 18),
        state=ProgressReport.State.SUBMITTED, submitted_at=noon(date(2026, 11, 20)),
    )  # fmt: skip
    run(date(2026, 11, 25))  # 5 days: not yet past the limit of 5
    assert not Alert.objects.filter(rule=Alert.Rule.REVIEW_WAITING).exists()
    run(TODAY)  # 6 days
    alert = Alert.objects.get(rule=Alert.Rule.REVIEW_WAITING)
    assert alert.key.startswith(f"review_waiting:{waiting.pk}:")
    assert "已等待 6 天" in alert.subject
    assert Mailbox.subject(mailbox.to("dc@example.gov.cn")[-1]) == alert.subject


def test_a_supervision_alerts_its_department_on_the_day_and_after_it_the_office_too(
    district, plan, schools, mailbox, robots
):
    item = opened(TODAY + timedelta(days=1), schools, plan)
    run(TODAY + timedelta(days=1))
    assert Alert.objects.filter(rule="supervision_today").count() == 1
    run(TODAY + timedelta(days=2))
    late = Alert.objects.get(rule="supervision_missed")
    assert late.key == f"supervision_missed:{item.pk}:{item.deadline}"
    assert Delivery.objects.filter(alert=late, channel__department=None).exists()
    run(TODAY + timedelta(days=3))  # still late: the same period, nothing new
    assert Alert.objects.filter(rule="supervision_missed").count() == 1


def on_pace_at_the_first_run(district):
    """The school target made 10 and reported 9 on 11-10 (on pace); a first run on
    11-20 marks its status."""
    busy = district["busy"]
    busy.target_value = 10
    busy.save()
    ReportFactory(
        target=busy, value=9, as_of=date(2026, 11, 10), submitted_at=noon(date(2026, 11, 10))
    )
    run(date(2026, 11, 20))
    return busy


def falls_behind(busy):
    """A corrected figure: 5 of 10 with 90% of the year gone (严重滞后)."""
    ReportFactory(
        target=busy, value=5, as_of=date(2026, 11, 21), note="更正：复核后为 5 所。",
        submitted_at=noon(date(2026, 11, 21)),
    )  # fmt: skip


def test_a_target_turning_slow_alerts_its_department_once_and_not_on_the_first_run(
    district, plan, mailbox, robots
):
    busy = on_pace_at_the_first_run(district)  # the run marks only
    assert list(StatusMark.objects.filter(target=busy).values_list("status", flat=True)) == [
        "on_track"
    ]
    assert not Alert.objects.filter(rule=Alert.Rule.STATUS_WORSE).exists()
    falls_behind(busy)
    run(TODAY)  # 5 of 10 with 90% of the year gone
    (alert,) = Alert.objects.filter(rule=Alert.Rule.STATUS_WORSE)
    assert alert.subject == "【进度预警】新建学校：开工学校转为“严重滞后”"
    assert alert.department.name == "区教体局"
    run(TODAY)
    assert Alert.objects.filter(rule=Alert.Rule.STATUS_WORSE).count() == 1


def test_a_question_unanswered_past_its_limit_alerts_its_department_and_the_office(
    district, plan, mailbox, robots
):
    item = PublicInput.objects.create(
        plan=plan, project=district["lifts"], text="电梯什么时候装？", state="published",
        received_at=noon(date(2026, 10, 1)),
    )  # fmt: skip
    run()
    alert = Alert.objects.get(rule=Alert.Rule.QUESTION_OVERDUE)
    assert (alert.key, alert.department.name) == (f"question_overdue:{item.pk}", "区住建局")
    # 区住建局's mail and 企业微信 robot, and the office's mail; not 区教体局's 钉钉.
    addresses = sorted(d.channel.address for d in alert.deliveries.select_related("channel"))
    assert addresses == sorted(["zj@example.gov.cn", WECOM, "dc@example.gov.cn"])


def test_the_weekly_digest_goes_on_monday_to_each_department_and_the_office(
    district, mailbox, robots
):
    monday = date(2026, 11, 30)
    run(monday - timedelta(days=1))
    assert not Alert.objects.filter(rule=Alert.Rule.DIGEST).exists()
    run(monday)
    digests = Alert.objects.filter(rule=Alert.Rule.DIGEST)
    assert sorted(str(d.department or "督查室") for d in digests) == [
        "区住建局", "区教体局", "督查室",
    ]  # fmt: skip
    office = digests.get(department=None)
    assert "逾期未报指标：1 项" in office.body
    quiet = digests.get(department__name="区教体局")  # nothing open: said so, weekly
    assert "逾期未报指标：0 项" in quiet.body and "未销号的挂牌督办：0 件" in quiet.body
    run(monday + timedelta(days=1))
    assert digests.count() == 3


def test_send_alerts_refuses_a_malformed_day(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("send_alerts", day="2026-13-01")


# Robot addresses


@pytest.mark.parametrize(
    "kind, url, message",
    [
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K", "必须以 https:// 开头"),
        ("wecom", "https://evil.example.com/cgi-bin/webhook/send?key=K", "不在允许的范围内"),
        ("wecom", "https://qyapi.weixin.qq.com.evil.com/cgi-bin/webhook/send?key=K", "不在允许"),
        ("wecom", "https://qyapi.weixin.qq.com/other?key=K", "地址路径应为"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send", "缺少 access_token"),
        ("dingtalk", "https://user:pw@oapi.dingtalk.com/robot/send?access_token=T", "用户名"),
        ("dingtalk", "https://oapi.dingtalk.com:8443/robot/send?access_token=T", "其他端口"),
        ("email", "not-an-address", "有效的电子邮件地址"),
    ],
)
def test_a_bad_channel_address_is_refused_in_chinese_and_nothing_saved(
    client, housing, kind, url, message
):
    client.force_login(make_official("keeper", roles.ADMINISTRATOR))
    response = client.post(
        reverse("admin:projects_channel_add"),
        {
            "department": housing.pk,
            "kind": kind,
            "address": url,
            "secret": "",
            "name": "",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Channel.objects.exists()


def test_a_district_adds_its_own_robot_host(settings, housing):
    settings.ALERT_ROBOT_HOSTS = [*settings.ALERT_ROBOT_HOSTS, "oapi.zwding.zmd.gov.cn"]
    assert (
        check_robot_url("https://oapi.zwding.zmd.gov.cn/gov/robot/send?access_token=T", "dingtalk")
        == ""
    )


def test_a_robot_host_resolving_to_this_machine_is_refused_before_any_connection(settings):
    settings.ALERT_ROBOT_HOSTS = ["localhost"]
    settings.ALERT_ROBOT_RECEIVER = ""
    with pytest.raises(sending.SendError, match=r"解析到不允许的地址 127\.0\.0\.1"):
        sending.post_json("https://localhost/robot/send?access_token=T", {"msgtype": "text"})


def test_the_dingtalk_signature_is_the_documented_one():
    # 钉钉's documented recipe: Base64 of HMAC-SHA256("timestamp\nsecret"), URL-encoded
    url = "https://oapi.dingtalk.com/robot/send?access_token=T"
    signed = sending.dingtalk_signed(url, "SECx", 1700000000000)
    expected = quote_plus(dingtalk_sign("SECx", "1700000000000"))
    assert signed == f"{url}&timestamp=1700000000000&sign={expected}"


# The task queue and the public's follows


def run_worker(mailbox):
    """The task worker make run starts, as its own process on the test database, until
    the queue is empty."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mailbox.port),
    }
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload"]
    command.append("--no-startup-delay")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    assert done.returncode == 0, done.stderr[-3000:]


def follow_link(message, name):
    found = re.search(rf"(/follow/[A-Za-z0-9_-]+/{name}/)", Mailbox.text(message))
    return found.group(1)


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_following_a_project_by_mail_double_opt_in_news_and_one_click_unsubscribe(
    client, district, plan, mailbox, robots
):
    from django.test import Client

    page = "/plans/2026/projects/1/follow/"
    assert client.get(page).status_code == 200
    assert client.post(page, {"email": "Resident@Example.com"}).status_code == 302
    follow = Follow.objects.get()
    assert (follow.email, follow.confirmed_at) == ("resident@example.com", None)
    assert DBTaskResult.objects.count() == 1  # queued with the request, sent by the worker
    assert mailbox.messages == []
    run_worker(mailbox)
    (confirm_mail,) = mailbox.to("resident@example.com")
    assert "List-Unsubscribe" not in confirm_mail  # nothing to leave yet
    confirm = follow_link(confirm_mail, "confirm")
    assert "确认关注" in client.get(confirm).content.decode()  # a GET confirms nothing
    follow.refresh_from_db()
    assert follow.confirmed_at is None
    assert "已确认关注" in client.post(confirm).content.decode()
    follow.refresh_from_db()
    confirmed_at = follow.confirmed_at
    assert confirmed_at is not None
    again = client.post(confirm).content.decode()
    assert "已经确认过" in again
    follow.refresh_from_db()
    assert follow.confirmed_at == confirmed_at
    # asking again for a confirmed follow sends nothing and says nothing different
    client.post(page, {"email": "resident@example.com"})
    run_worker(mailbox)
    assert len(mailbox.to("resident@example.com")) == 1

    reviewer = make_official("checker", roles.REVIEWER)
    report = ReportFactory(
        target=district["quiet"], value=Decimal("45"), as_of=TODAY,
        state=ProgressReport.State.SUBMITTED, submitted_at=clock.now(),
        delay_reason="电梯井道改造", next_steps="十二月完成招标",
    )  # fmt: skip
    report.approve(reviewer)
    run_worker(mailbox)
    news = mailbox.to("resident@example.com")[-1]
    assert Mailbox.subject(news) == "您关注的“加装电梯”有新进度"
    assert "加装电梯：45部（目标 100部，截至 2026-11-26）" in Mailbox.text(news)
    unsubscribe = follow_link(news, "unsubscribe")
    # (folded before the address when long: whitespace a mail reader drops)
    assert news["List-Unsubscribe"].strip() == f"<http://127.0.0.1:8000{unsubscribe}>"
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # the mail program's one POST: no page, no CSRF token
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and not Follow.objects.exists()
    assert strict.post(unsubscribe).status_code == 404  # gone, and said so
    # the address was never public
    for url in ["/plans/2026/projects/1/", "/api/v1/projects/?plan=2026", "/plans/2026/"]:
        assert "resident@example.com" not in client.get(url).content.decode()


def test_a_bad_follow_address_gets_a_chinese_message_and_nothing_is_kept(client, district):
    response = client.post("/plans/2026/projects/1/follow/", {"email": "not an address"})
    assert response.status_code == 400
    assert "请填写有效的电子邮件地址" in response.content.decode()
    assert not Follow.objects.exists() and not DBTaskResult.objects.exists()


def test_unconfirmed_follows_are_deleted_after_a_week(district, clock):
    Follow.objects.create(project=district["lifts"], email="a@example.com")
    kept = Follow.objects.create(project=district["lifts"], email="b@example.com")
    kept.confirm()
    clock.move_to(clock.now() + timedelta(days=8))
    call_command("purge_contacts")
    assert list(Follow.objects.values_list("email", flat=True)) == ["b@example.com"]


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_a_new_public_question_alerts_the_office_through_the_worker(
    client, district, mailbox, robots
):
    client.get("/plans/2026/projects/1/ask/")  # the form, and its CSRF cookie
    response = client.post("/plans/2026/projects/1/ask/", {"text": "电梯什么时候开始装？"})
    assert response.status_code == 302, response.content.decode()
    item = PublicInput.objects.get()
    assert mailbox.messages == []  # not in the request
    run_worker(mailbox)
    (mail,) = mailbox.to("dc@example.gov.cn")
    assert Mailbox.subject(mail) == f"【待审核】收到留言 #{item.pk}"
    assert "电梯什么时候" not in Mailbox.text(mail)  # unmoderated text stays inside


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["data", "rcpt"])
def test_send_alerts_killed_halfway_loses_nothing_and_resends_only_the_one_in_flight(
    district, housing, robots, moment
):
    """Killed while the server holds the third message: after its content ("data": the
    server has it, the sender never heard back, so it goes again) or before it
    ("rcpt": nothing of it was sent, so it must not be lost)."""
    for n in range(4):
        Channel.objects.create(department=housing, kind="email", address=f"zj{n}@example.gov.cn")
    addresses = sorted(Channel.objects.filter(kind="email").values_list("address", flat=True))
    with Mailbox(hold_at=3, hold_in=moment) as box:
        # The runs take and hand on leases by the clock they share, the machine's.
        env = machine_clock_env(
            DATABASE_URL=database_url(),
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(box.port),
            ALERT_ROBOT_RECEIVER=robots.url,
            DEBUG="1",  # the receiver is refused by the deployment checks otherwise
        )
        command = [sys.executable, "manage.py", "send_alerts", "--day", TODAY.isoformat()]
        # The first run's lease ends at once, so the next run may take what it left.
        first = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env={**env, "ALERT_LEASE_SECONDS": "0"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert box.holding.wait(60), first.communicate(timeout=5)
        first.kill()  # SIGKILL while the server holds the third message
        first.wait(timeout=30)
        box.release()
        assert Delivery.objects.filter(state="sent", channel__kind="email").count() == 2
        held = len(box.messages)
        for _ in range(2):  # the second run sends the rest; a third finds nothing
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
            assert done.returncode == 0, done.stderr[-3000:]
    received = sorted(m["To"] for m in box.messages)
    assert sorted(set(received)) == addresses  # nothing lost
    twice = [a for a in set(received) if received.count(a) > 1]
    if moment == "data":
        assert held == 3
        assert twice == [box.messages[2]["To"]]  # only the one in flight, once more
        assert len(received) == len(addresses) + 1
    else:
        assert held == 2
        assert twice == [] and len(received) == len(addresses)
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    assert len(robots.received) == 1  # the 企业微信 robot, once


def test_the_demo_has_alerts_due_and_one_run_delivers_them_by_mail_and_both_robots(
    demo, settings, mailbox
):
    with RobotReceiver(secrets={"DEMO-TOKEN": "SECDEMO"}) as demo_robots:
        settings.ALERT_ROBOT_RECEIVER = demo_robots.url
        run()
        alerts = sorted(Alert.objects.values_list("rule", "department__name"))
        assert alerts == [
            ("money_lagging", "区交通运输局"),  # spending behind time
            ("money_lagging", "区住建局"),
            ("payment_lagging", "区交通运输局"),  # 拖欠
            ("report_missed", "区住建局"),
            ("review_waiting", None),  # to the office
            ("step_late", "区住建局"),
            ("supervision_missed", "区住建局"),
        ]
        # The office's mail hears of all seven, 区住建局's (dept2) of its four,
        # 区交通运输局's (dept1) of its two.
        mail = Counter(message["To"] for message in mailbox.messages)
        assert mail == {
            "duchashi@demo.invalid": 7,
            "dept2@demo.invalid": 4,
            "dept1@demo.invalid": 2,
        }
        robots = Counter(host for host, _, _ in demo_robots.received)
        assert robots == {"oapi.dingtalk.com": 7, "qyapi.weixin.qq.com": 4}
        assert demo_robots.refused == []
        assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
        counts = len(mailbox.messages), len(demo_robots.received)
        run()
        assert (len(mailbox.messages), len(demo_robots.received)) == counts


def test_followers_hear_when_the_projects_status_changes_between_runs(
    district, plan, mailbox, robots
):
    follow = Follow.objects.create(project=district["school"], email="parent@example.com")
    follow.confirm()
    busy = on_pace_at_the_first_run(district)  # marks only
    assert mailbox.to("parent@example.com") == []
    falls_behind(busy)
    run()
    (mail,) = mailbox.to("parent@example.com")
    assert Mailbox.subject(mail) == "您关注的“新建学校”现为“严重滞后”"
    assert "由“正常推进”变为“严重滞后”（2026-11-26）" in Mailbox.text(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # the follower's mail, not the department's group (which hears of the target)
    alert = Alert.objects.get(rule=Alert.Rule.FOLLOW_STATUS)
    assert [(d.follow_id, d.channel_id) for d in alert.deliveries.all()] == [(follow.pk, None)]
    run()
    assert len(mailbox.to("parent@example.com")) == 1


def test_a_run_killed_before_a_status_alert_is_recorded_alerts_it_on_the_next_run(
    district, plan, mailbox, robots
):
    from projects.alerts import due as alerting

    busy = on_pace_at_the_first_run(district)
    falls_behind(busy)
    for due in alerting.due_alerts(TODAY, 0):
        if due.rule == Alert.Rule.STATUS_WORSE:
            break  # killed here: found, never recorded
    assert not StatusMark.objects.filter(target=busy, day=TODAY).exists()  # nor marked
    run(TODAY + timedelta(days=1))
    (alert,) = Alert.objects.filter(rule=Alert.Rule.STATUS_WORSE)
    assert alert.subject == "【进度预警】新建学校：开工学校转为“严重滞后”"


def test_a_failed_delivery_of_a_task_comes_back_to_the_queue_when_its_retry_is_due(
    district, mailbox, robots
):
    from projects.alerts import tasks

    Channel.objects.filter(department=None).update(address="nobody@example.gov.cn")
    item = PublicInput.objects.create(
        plan=district["lifts"].plan, project=district["lifts"], text="电梯什么时候装？"
    )
    DBTaskResult.objects.all().delete()  # the announcement the save queued
    tasks.announce_received.call(item.pk)  # as the worker runs it
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    (retry,) = DBTaskResult.objects.all()
    assert retry.task_path == "projects.alerts.tasks.retry_alert"
    assert retry.run_after == delivery.next_attempt_at  # one minute on
