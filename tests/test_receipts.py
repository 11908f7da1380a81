"""A receipt for everything the public sends: a 受理编号 and a private tracking link on
the confirmation page; the tracking page (state, days left, the answer, never a name or
phone; never cached, no Referer, not in the logs, look-ups limited); an e-mail when the
answer is out (confirmed first, through real SMTP); 这个答复有帮助吗？ once, counted per
department."""

import hashlib
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from projects.exchange.ledger import build_ledger
from projects.models import Alert, Answer, Follow, PlanRule, PublicInput
from projects.rules import clock, receipts, roles, workdays
from projects.web import freshness

from .conftest import make_official
from .factories import (
    DepartmentFactory,
    PlanFactory,
    ProjectFactory,
    ReportFactory,
    TargetFactory,
)
from .logs import written_log
from .receivers import Mailbox
from .worker import run_queue

NAME = "王小明"
PHONE = "13912345678"
TEXT = "小游园什么时候开放？周边居民很关心。"
LINK = re.compile(r"/receipt/([A-Za-z0-9_-]{32})/")


@pytest.fixture
def lead(db):
    return DepartmentFactory(name="区园林局")


@pytest.fixture
def project(plan, lead):
    return ProjectFactory(plan=plan, number=8, title="小游园", lead_department=lead)


@pytest.fixture
def moderator(db):
    return make_official("moderator", roles.MODERATOR)


@pytest.fixture
def reporter(lead):
    return make_official("reporter", roles.REPORTER, lead)


def ask(client, project, **fields):
    url = reverse("projects:ask", args=[project.plan.year, project.number])
    client.get(url)  # the CSRF cookie, as a browser has it
    return client.post(url, {"text": TEXT, **fields})


@pytest.fixture
def sent(client, project):
    """A question sent with a name and phone: (item, its tracking path), the path read
    off the confirmation page as the writer reads it."""
    response = ask(client, project, name=NAME, phone=PHONE, consent="on")
    page = client.get(response.url).content.decode()
    token = LINK.search(page).group(1)
    return PublicInput.objects.get(), f"/receipt/{token}/"


def token_of(path):
    return LINK.search(path).group(1)


def answered(item, moderator, reporter, text="小游园将于十二月开放，届时在此公告。"):
    item.publish(moderator)
    answer = Answer.objects.create(
        question=item, department=item.project.lead_department, text=text, written_by=reporter
    )
    answer.approve(moderator)
    return answer


def test_each_item_gets_a_code_and_only_the_hash_of_its_token_is_kept(sent):
    item, path = sent
    token = token_of(path)
    assert re.fullmatch(f"[{receipts.CODE_ALPHABET}]{{8}}", item.code)
    assert len(token) == 32  # 192 bits, URL-safe Base64
    assert item.tracking_hash == hashlib.sha256(token.encode()).hexdigest()
    row = PublicInput.objects.filter(pk=item.pk).values().get()
    assert not any(token in str(value) for value in row.values())
    (history,) = item.history.values()
    assert "tracking_hash" not in history and history["code"] == item.code


def test_the_confirmation_page_shows_the_code_and_the_link_to_its_sender_only(client, project):
    response = ask(client, project)
    item = PublicInput.objects.get()
    cookie = response.cookies["receipt"]
    # for that page alone, an hour, out of scripts' reach
    assert cookie["path"] == response.url == "/plans/2021/projects/8/ask/sent/"
    assert (cookie["httponly"], cookie["samesite"], cookie["max-age"]) == (True, "Strict", 3600)
    sent_page = client.get(response.url)
    page = sent_page.content.decode()
    assert "no-store" in sent_page["Cache-Control"]
    assert f'受理编号：<strong class="receipt-code">{item.code}</strong>' in page
    token = LINK.search(page).group(1)
    assert receipts.token_hash(token) == item.tracking_hash
    assert f"http://testserver/receipt/{token}/" in page and "请现在收藏这个页面" in page
    stranger = Client().get(response.url).content.decode()
    assert item.code not in stranger and "/receipt/" not in stranger


def test_a_problem_and_a_deputys_opinion_get_the_same_receipt(client, project):
    spot = f"/m/p{project.pk}"
    client.get(f"{spot}/problem")
    response = client.post(f"{spot}/problem", {"text": "游园东门的路灯坏了两盏。"})
    assert response.url == f"{spot}/sent/problem"
    problem = PublicInput.objects.get(kind=PublicInput.Kind.PROBLEM)
    assert problem.code in client.get(response.url).content.decode()

    deputy = make_official("zhang_daibiao", roles.DEPUTY)
    client.force_login(deputy)
    url = reverse("projects:deputy_opinion", args=[2021, project.number])
    response = client.post(url, {"text": "建议游园增设无障碍坡道。"})
    opinion = PublicInput.objects.get(kind=PublicInput.Kind.DEPUTY)
    page = client.get(response.url).content.decode()
    assert opinion.code in page and LINK.search(page)
    assert opinion.code != problem.code
    assert (
        f"受理编号 {opinion.code}"
        in client.get(reverse("admin:projects_my_opinions")).content.decode()
    )


def test_the_tracking_page_follows_the_item_and_never_names_its_writer(
    client, sent, moderator, reporter, django_assert_num_queries
):
    item, path = sent
    fresh = Client()
    fresh.get(path)  # the hour's first look-up also clears old windows away
    # 1 the look-up counted (one upsert), 2 the item with its plan, project and answer,
    # 3 the plan's answer time limits, 4 and 5 the page's form: whether past the soft
    # limit (the address's and the browser's posts), 6 whether any plan carries demo
    # data, 7 the published plans for the navigation.
    with django_assert_num_queries(7):
        response = fresh.get(path)
    page = response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    due = workdays.add(clock.today(), 15)
    assert "<strong>待审核</strong>" in page and item.code in page and "留言" in page
    assert "小游园" in page and "2026-11-26" in page  # received 20:00 UTC: 11-26 in Shanghai
    assert f'">{item.project.number_cn}、' in page  # its name once, numbered once
    assert "只用于告诉您答复已经公开" in page  # the address is for the answer, not news
    assert f"还有 15 个工作日（{due:%Y-%m-%d} 前答复）" in page
    assert NAME not in page and PHONE not in page

    item.publish(moderator)
    assert "<strong>已公开</strong>" in fresh.get(path).content.decode()
    answer = Answer.objects.create(
        question=item, department=item.project.lead_department, text="十二月开放。",
        written_by=reporter,
    )  # fmt: skip
    assert "十二月开放" not in fresh.get(path).content.decode()  # not before its approval
    answer.approve(moderator)
    page = fresh.get(path).content.decode()
    assert "<strong>已答复</strong>" in page and "十二月开放。" in page
    assert "区园林局 · 2026-11-26 公开" in page and "这个答复有帮助吗？" in page
    assert "还有" not in page and NAME not in page and PHONE not in page


def test_an_objection_gets_a_receipt_and_then_its_decision_with_the_reason(client, moderator):
    plan = PlanFactory(year=2026)  # made today: its 公示 rule runs from today
    project = ProjectFactory(plan=plan, number=1, lead_department=DepartmentFactory())
    target = TargetFactory(project=project, target_value=Decimal("10"))
    ReportFactory(target=target, value=Decimal("10"), as_of=date(2026, 11, 26))  # 公示 opens
    url = reverse("projects:objection", args=[2026, 1])
    client.get(url)
    response = client.post(url, {"text": "三号楼的电梯还没有安装，公示的数字不对。"})
    assert response.url == "/plans/2026/projects/1/objection/sent/"
    page = client.get(response.url).content.decode()
    item = PublicInput.objects.get(kind=PublicInput.Kind.OBJECTION)
    assert item.code in page
    path = f"/receipt/{LINK.search(page).group(1)}/"
    item.publish(moderator)
    item.dismiss(make_official("supervisor", roles.REVIEWER), "现场核实，电梯已安装。")
    page = client.get(path).content.decode()
    assert "<strong>异议不成立</strong>" in page and "原因：现场核实，电梯已安装。" in page
    assert "个工作日" not in page and "答复公开时通知我" not in page  # decided, not answered


def test_a_proposal_not_adopted_says_so_with_the_reason():
    item = PublicInput(
        kind=PublicInput.Kind.PROPOSAL,
        state=PublicInput.State.PUBLISHED,
        outcome=PublicInput.Outcome.NOT_ADOPTED,
        outcome_note="已列入其他专项。",
    )
    assert item.receipt_state() == ("未采纳", "已列入其他专项。")


def test_a_declined_item_says_why(client, sent, moderator):
    item, path = sent
    item.decline(moderator, PublicInput.Reason.OFF_TOPIC, "与本实事无关。")
    page = client.get(path).content.decode()
    assert "<strong>未公开</strong>" in page and "原因：与民生实事无关；与本实事无关。" in page
    assert "个工作日" not in page and "答复公开时通知我" not in page  # no answer will come


def test_a_wrong_token_is_a_plain_404_and_counts_toward_the_limit(client, sent, settings):
    item, path = sent
    settings.TRACKING_LOOKUPS = 3
    wrong = f"/receipt/{receipts.new_token()}/"
    assert [client.get(wrong).status_code for _ in range(2)] == [404, 404]
    assert client.get(path).status_code == 200
    refused = client.get(path)  # the fourth look-up of the hour from this address
    assert refused.status_code == 429 and "查询过于频繁" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0 and item.code not in refused.content.decode()


@pytest.fixture
def log_lines():
    with written_log() as lines:
        yield lines


def test_the_token_is_in_no_log_line(sent, log_lines):
    _, path = sent
    token = token_of(path)
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(path).status_code == 200
    # a follow's confirmation refused for want of a CSRF token: Django logs its path
    assert strict.post(f"/follow/{token}/confirm/").status_code == 403
    assert strict.get(path.replace(token[:8], "AAAAAAAA")).status_code == 404
    lines = log_lines.getvalue().splitlines()
    assert any('"path": "/receipt/…/"' in line and '"status": 200' in line for line in lines)
    assert any("Not Found: /receipt/…/" in line for line in lines)  # django.request
    assert any("Forbidden (CSRF" in line and "/follow/…/confirm/" in line for line in lines)
    assert not [line for line in lines if token in line or token[8:] in line]


def test_the_tracking_page_is_in_no_page_cache(client, sent, project, settings):
    _, path = sent
    token = token_of(path)
    assert client.get(path).status_code == 200
    assert client.get(project.get_absolute_url()).status_code == 200  # a cached page
    kept = list(freshness.memory.pages.items())
    assert kept and not [key for key, page in kept if token in key or token.encode() in page.body]
    # the shared cache: files on disk
    files = [f for f in Path(settings.CACHES["default"]["LOCATION"]).rglob("*") if f.is_file()]
    assert files and not [f for f in files if token.encode() in f.read_bytes()]


def test_an_address_is_confirmed_then_told_when_the_answer_is_out(
    client, sent, moderator, reporter, mailbox
):
    item, path = sent
    token = token_of(path)
    response = client.post(path, {"email": "Resident@Example.com"})
    assert response.status_code == 302 and response.url == f"{path}?mail=sent"
    assert "确认邮件已发出" in client.get(response.url).content.decode()
    follow = Follow.objects.get()
    assert (follow.item, follow.email, follow.confirmed_at) == (item, "resident@example.com", None)
    assert token not in follow.sealed_link  # sealed, not kept
    assert run_queue() == 1
    (confirm_mail,) = mailbox.to("resident@example.com")
    assert f"受理编号 {item.code}" in Mailbox.subject(confirm_mail)
    assert token not in Mailbox.text(confirm_mail)  # the link only to a confirmed address
    confirm = re.search(r"/follow/[A-Za-z0-9_-]+/confirm/", Mailbox.text(confirm_mail)).group(0)
    assert "确认接收答复通知" in client.get(confirm).content.decode()
    assert "的答复公开时，我们会给您发一封邮件" in client.post(confirm).content.decode()

    answer = answered(item, moderator, reporter)
    assert run_queue() == 1  # queued with the approval, sent by the worker
    (news,) = mailbox.to("resident@example.com")[1:]
    assert Mailbox.subject(news) == f"您的留言（受理编号 {item.code}）已有公开答复"
    assert f"http://127.0.0.1:8000/receipt/{token}/" in Mailbox.text(news)
    (alert,) = Alert.objects.filter(rule=Alert.Rule.FOLLOW_ANSWER)
    assert token not in f"{alert.subject}{alert.body}{alert.link}"  # kept without the link
    assert "区园林局对您2026年11月26日提交的留言" in alert.body
    # once per answer: saving it again sends nothing more
    answer.save()
    run_queue()
    assert len(mailbox.to("resident@example.com")) == 2
    for url in [item.project.get_absolute_url(), "/api/v1/questions/?plan=2021", path]:
        assert "resident@example.com" not in client.get(url).content.decode()
    # contact data: the moderator sees it beside the name and phone; the history has none
    client.force_login(moderator)
    change = reverse("admin:projects_publicinput_change", args=[item.pk])
    assert "resident@example.com" in client.get(change).content.decode()
    history = reverse("admin:projects_publicinput_history", args=[item.pk])
    assert "resident@example.com" not in client.get(history).content.decode()


def test_a_seal_made_under_another_key_gives_no_link(settings):
    token = receipts.new_token()
    sealed = receipts.seal(token, "nonce")
    assert receipts.unseal(sealed, "nonce", receipts.token_hash(token)) == token
    settings.SECRET_KEY = "another key"
    assert receipts.unseal(sealed, "nonce", receipts.token_hash(token)) is None


def test_the_address_is_purged_with_the_name_and_phone(sent, settings):
    item, _ = sent
    Follow.objects.create(project=item.project, item=item, email="a@example.com")
    plan = item.plan
    plan.archived_at = clock.now() - timedelta(days=settings.CONTACT_RETENTION_DAYS + 1)
    plan.save()
    call_command("purge_contacts", stdout=io.StringIO())
    item.refresh_from_db()
    assert (item.name, item.phone, Follow.objects.count()) == ("", "", 0)


def test_the_writer_says_once_whether_the_answer_helped_counted_per_department(
    client, sent, moderator, reporter, lead
):
    item, path = sent
    departments = "/plans/2021/departments/"
    answered(item, moderator, reporter)
    page = client.get(departments).content.decode()
    assert "提问人对答复的评价：尚无人评价。" in page
    # Only through the link: a post to any other token is a 404 and counts nothing.
    # (No CSRF token: under no-referrer a browser posts `Origin: null`; the token in the
    # address is the secret. A browser-like client that checks CSRF posts as one does.)
    strict = Client(enforce_csrf_checks=True)
    wrong = f"/receipt/{receipts.new_token()}/vote/"
    assert strict.post(wrong, {"helpful": "no"}, HTTP_ORIGIN="null").status_code == 404
    vote = {"helpful": "yes"}
    response = strict.post(f"{path}vote/", vote, HTTP_ORIGIN="null")
    assert response.status_code == 302
    assert "您的评价：有帮助。" in strict.get(response.url).content.decode()
    again = strict.post(f"{path}vote/", {"helpful": "no"}, HTTP_ORIGIN="null")
    assert again.status_code == 409 and "您已经评价过这个答复" in again.content.decode()
    item.refresh_from_db()
    assert item.helpful is True
    assert "有帮助 1 条，没帮助 0 条" in client.get(departments).content.decode()
    assert build_ledger(item.plan).answer_verdicts == [(lead, 1, 0)]


def test_no_verdict_before_the_answer_is_public(client, sent):
    item, path = sent
    client.get(path)
    assert client.post(f"{path}vote/", {"helpful": "yes"}).status_code == 404
    item.refresh_from_db()
    assert item.helpful is None


def test_an_address_waiting_for_an_answer_can_also_follow_the_projects_news(client, sent, project):
    item, _path = sent
    Follow.objects.create(project=project, item=item, email="resident@example.com")
    Follow.objects.create(project=project, item=item, email="other@example.com")
    follow = reverse("projects:follow", args=[project.plan.year, project.number])
    client.get(follow)
    assert client.post(follow, {"email": "resident@example.com"}).status_code == 302
    assert Follow.objects.filter(item=None, email="resident@example.com").count() == 1
    assert Follow.objects.filter(item=item).count() == 2  # the answer's mails untouched


def test_a_rest_day_just_past_the_deadline_reads_as_past_it(client, sent, clock):
    item, path = sent
    # 16 working days from Thursday 11-26: due Friday 12-18; Saturday is past it, with
    # no working day gone by since
    item.plan.rules.filter(name=PlanRule.Name.ANSWER_WORKING_DAYS).update(value=16)
    clock.move_to(datetime(2026, 12, 19, 4, tzinfo=UTC))  # 12:00 on Saturday in Shanghai
    page = client.get(path).content.decode()
    assert "应于 2026-12-18 前答复，已过时限。" in page
    assert "还有 0 个工作日" not in page


def test_a_blocked_item_says_only_that_it_is_not_public(client, sent, moderator):
    item, path = sent
    item.block(moderator, note="疑似广告，内部备查")
    page = client.get(path).content.decode()
    assert "<strong>未公开</strong>" in page and "内部备查" not in page


def test_an_address_confirmed_after_the_answer_went_out_still_hears_of_it(
    client, sent, moderator, reporter, mailbox
):
    item, path = sent
    client.post(path, {"email": "late@example.com"})
    assert run_queue() == 1
    (confirm_mail,) = mailbox.to("late@example.com")
    confirm = re.search(r"/follow/[A-Za-z0-9_-]+/confirm/", Mailbox.text(confirm_mail)).group(0)
    answered(item, moderator, reporter)
    assert run_queue() == 0  # nobody confirmed yet: nothing to send
    client.post(confirm)
    assert run_queue() == 1
    (news,) = mailbox.to("late@example.com")[1:]
    assert Mailbox.subject(news) == f"您的留言（受理编号 {item.code}）已有公开答复"
