"""The public's voice: a question sent, moderated, answered in the open, within limits,
and the writer's name and phone number never public."""

import io
from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from projects.models import Answer, PublicInput
from projects.rules import clock, roles, workdays

from .conftest import make_official
from .factories import DepartmentFactory, ProjectFactory
from .refusals import BAD_REQUEST, assert_refused

NAME = "王小明"
PHONE = "13912345678"


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


def ask_url(project):
    return reverse("projects:ask", args=[project.plan.year, project.number])


def question(client, project, **fields):
    client.get(ask_url(project))  # the CSRF cookie, as a browser has it
    data = {"text": "小游园什么时候开放？周边居民很关心。", "place": "西园街道", **fields}
    return client.post(ask_url(project), data)


def test_a_question_is_stored_pending_and_is_not_public(client, project):
    response = question(client, project, name=NAME, phone=PHONE, consent="on")
    assert response.status_code == 302
    item = PublicInput.objects.get()
    assert (item.state, item.name, item.phone) == ("pending", NAME, PHONE)
    page = client.get(project.get_absolute_url()).content.decode()
    assert "小游园什么时候开放" not in page


def refused(response, message):
    """A post refused with `message` in Chinese, and nothing stored."""
    assert_refused(response, BAD_REQUEST, message)
    assert not PublicInput.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": ""}, "请填写问题或建议。"),
        ({"text": "好"}, "内容太短"),
        ({"text": "很" * 501}, "内容过长：最多 500 个字"),
        ({"text": "请联系我 139 1234 5678 谢谢"}, "内容中似乎有电话号码或身份证号"),
        ({"text": "我的身份证 41170219800101123X 有问题"}, "内容中似乎有电话号码或身份证号"),
        ({"name": NAME}, "留下姓名或电话时，请勾选同意"),
        ({"phone": "12345", "consent": "on"}, "请填写 11 位手机号"),
        (
            {"text": f"我是{NAME}，公园何时开放？", "name": NAME, "consent": "on"},
            "内容中出现了您填写的姓名",
        ),
        ({"website": "http://spam.example"}, "表单中有一项不应填写的内容"),
    ],
    ids=[
        "empty",
        "short",
        "long",
        "phone-in-text",
        "id-in-text",
        "no-consent",
        "bad-phone",
        "name-in-text",
        "honeypot",
    ],
)
def test_bad_posts_are_refused_in_chinese_and_store_nothing(client, project, fields, message):
    refused(question(client, project, **fields), message)


def image_bytes(kind="JPEG"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, kind)
    return out.getvalue()


def test_a_photo_is_checked_by_its_content(client, project):
    fake = SimpleUploadedFile("park.jpg", b"<html>not a photo</html>", "image/jpeg")
    refused(question(client, project, photo=fake), "只能上传 JPEG、PNG 或 WebP 照片")
    pdf = SimpleUploadedFile("park.jpg", b"%PDF-1.4\n%%EOF", "image/jpeg")
    refused(question(client, project, photo=pdf), "只能上传 JPEG、PNG 或 WebP 照片")


def test_a_photo_is_stored_reencoded_and_hidden_until_published(client, project, moderator):
    photo = SimpleUploadedFile("park.png", image_bytes("PNG"), "image/png")
    assert question(client, project, photo=photo).status_code == 302
    item = PublicInput.objects.get()
    assert item.photo_type == "image/png" and len(item.photo_sha256) == 64
    url = reverse("projects:voice_photo", args=[item.key])
    assert client.get(url).status_code == 404
    item.publish(moderator)
    assert client.get(url)["Content-Type"] == "image/png"


def test_an_oversized_photo_is_refused_before_it_is_read(client, project, settings):
    settings.VOICE_PHOTO_MAX_BYTES = 1024
    settings.ANONYMOUS_PHOTO_BODY_MAX = 1024 + 64 * 1024
    big = SimpleUploadedFile("big.jpg", b"x" * (70 * 1024), "image/jpeg")
    client.get(ask_url(project))
    response = client.post(ask_url(project), {"text": "小游园何时开放？", "photo": big})
    assert response.status_code == 413
    assert not PublicInput.objects.exists()


def test_a_project_of_an_unpublished_plan_or_a_forged_number_takes_no_question(client, project):
    assert (
        client.post(reverse("projects:ask", args=[2021, 99]), {"text": "x" * 10}).status_code == 404
    )
    project.plan.is_published = False
    project.plan.save()
    assert client.get(ask_url(project)).status_code == 404
    assert client.post(ask_url(project), {"text": "小游园何时开放？"}).status_code == 404
    assert not PublicInput.objects.exists()


def test_an_archived_plan_takes_no_question(client, project):
    project.plan.archived_at = clock.now()
    project.plan.save()
    assert question(client, project).status_code == 404
    assert not PublicInput.objects.exists()


@pytest.fixture
def published(client, project, moderator):
    question(client, project, name=NAME, phone=PHONE, consent="on")
    item = PublicInput.objects.get()
    item.publish(moderator)
    return item


def test_a_published_question_shows_on_the_project_page_without_name_or_phone(client, published):
    page = client.get(published.project.get_absolute_url()).content.decode()
    assert "小游园什么时候开放？周边居民很关心。" in page
    assert "西园街道" in page
    assert f"留言 #{published.pk}" in page
    assert "等待答复，答复时限 2026-12-17。" in page  # 15 working days after 2026-11-26
    assert NAME not in page and PHONE not in page


def test_a_submission_leaves_cached_pages_alone_and_a_decision_refreshes_them(
    client, project, moderator
):
    from projects.web import freshness

    url = project.get_absolute_url()
    client.get(url)
    version = freshness.current_version()
    question(client, project)
    assert freshness.current_version() == version
    PublicInput.objects.get().publish(moderator)
    assert freshness.current_version() != version
    assert "小游园什么时候开放" in client.get(url).content.decode()


def answer(item, reporter, text="已于 11 月开工，预计明年 5 月开放。"):
    return Answer.objects.create(
        question=item, department=item.project.lead_department, text=text, written_by=reporter
    )


def test_an_approved_answer_shows_with_its_date_and_working_days(
    client, published, reporter, moderator
):
    given = answer(published, reporter)
    page = client.get(published.project.get_absolute_url()).content.decode()
    assert "已于 11 月开工" not in page  # not before the moderator approves it
    with time_machine.travel(datetime(2026, 12, 3, 2, 0, tzinfo=UTC)):
        given.approve(moderator)
        page = client.get(published.project.get_absolute_url()).content.decode()
    assert "已于 11 月开工，预计明年 5 月开放。" in page
    assert "区园林局 2026-12-03 答复 · 用时 5 个工作日" in page


def test_nobody_approves_an_answer_they_wrote(published, reporter, moderator):
    given = answer(published, moderator)
    with pytest.raises(Exception, match="不能审核自己经手"):
        given.approve(moderator)
    given.refresh_from_db()
    assert given.state == Answer.State.SUBMITTED


def test_a_returned_answer_needs_a_reason_and_stays_private(client, published, reporter, moderator):
    given = answer(published, reporter)
    with pytest.raises(Exception, match="退回时必须说明原因"):
        given.return_to_writer(moderator, " ")
    given.return_to_writer(moderator, "请写明开放日期。")
    assert given.state == Answer.State.RETURNED
    assert "已于 11 月开工" not in client.get(published.project.get_absolute_url()).content.decode()


def test_only_the_lead_department_answers(published):
    other = make_official("other", roles.REPORTER, DepartmentFactory(name="区公路局"))
    given = Answer(question=published, department=published.project.lead_department, text="x")
    with pytest.raises(Exception, match="只有该实事的牵头单位可以答复"):
        given.check_writer(other)


def test_two_moderators_cannot_both_decide_one_item(client, project, moderator):
    question(client, project)
    first, second = PublicInput.objects.get(), PublicInput.objects.get()
    first.publish(moderator)
    with pytest.raises(Exception, match="当前为“已公开”"):
        second.decline(moderator, PublicInput.Reason.OFF_TOPIC)
    assert PublicInput.objects.get().state == "published"


def test_decisions_are_recorded_in_the_history_without_contact_details(published, moderator):
    published.block(moderator, "辱骂")
    states = list(published.history.order_by("history_id").values_list("state", flat=True))
    assert states == ["pending", "published", "blocked"]
    fields = {f.name for f in published.history.model._meta.get_fields()}
    assert "name" not in fields and "phone" not in fields


def test_a_merged_item_points_to_where_it_is_answered(client, project, published, moderator):
    question(client, project, text="同问：小游园几时能进去？")
    twin = PublicInput.objects.get(state="pending")
    twin.merge(moderator, published)
    page = client.get(project.get_absolute_url()).content.decode()
    assert f"已与留言 #{published.pk} 合并" in page


def test_declining_for_another_reason_needs_a_note(client, project, moderator):
    question(client, project)
    item = PublicInput.objects.get()
    with pytest.raises(Exception, match="请写明处理说明"):
        item.decline(moderator, PublicInput.Reason.OTHER)
    item.decline(moderator, PublicInput.Reason.OFF_TOPIC)
    assert item.state == "declined"
    assert "小游园什么时候开放" not in client.get(project.get_absolute_url()).content.decode()


def test_working_days_follow_the_state_councils_calendar():
    # 2026-09-30 (Wed) → National Day holiday 10-01..10-07, worked Sunday 2026-10-11? The
    # package knows; what matters is that holidays do not count and the fallback is Mon–Fri.
    assert workdays.between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert workdays.add(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert workdays.between(date(2026, 11, 26), date(2026, 11, 26)) == 0
    assert not workdays.known(date(2031, 1, 6))
    assert workdays.between(date(2031, 1, 3), date(2031, 1, 10)) == 5  # Fri → next Fri


def test_overdue_questions_reach_the_ledger_and_the_departments_page(
    client, published, reporter, moderator
):
    from projects.exchange.ledger import build_ledger

    day = workdays.add(published.received_on, 16)
    assert [q.pk for q in build_ledger(published.plan, day).overdue_questions] == [published.pk]
    assert (
        build_ledger(published.plan, workdays.add(published.received_on, 15)).overdue_questions
        == []
    )
    with time_machine.travel(
        datetime.combine(day, datetime.min.time()).replace(hour=4, tzinfo=UTC)
    ):
        page = client.get(reverse("projects:departments", args=[2021])).content.decode()
    assert "群众留言 1 条：已公开答复 0 条，超过答复时限未答复 1 条。" in page


def test_the_answer_limit_is_the_plans_own_rule(published, settings):
    settings.ANSWER_WORKING_DAYS = 3  # today's setting: not the plan's rule
    assert published.answer_due() == workdays.add(published.received_on, 15)


def test_the_api_lists_published_questions_and_answers_without_contact_details(
    client, project, published, reporter, moderator
):
    question(client, project, text="另一条还在待审的留言内容")
    answer(published, reporter).approve(moderator)
    body = client.get(reverse("projects:api_questions"), {"plan": 2021}).json()
    assert body["count"] == 1
    record = body["results"][0]
    assert record["id"] == published.pk and record["answer_department"] == "区园林局"
    assert record["working_days"] == 0
    text = str(body)
    assert NAME not in text and PHONE not in text


def test_purge_contacts_empties_them_after_the_retention_period(published, settings):
    plan = published.plan
    plan.archived_at = clock.now() - timezone.timedelta(days=settings.CONTACT_RETENTION_DAYS - 1)
    plan.save()
    call_command("purge_contacts", stdout=StringIO())
    published.refresh_from_db()
    assert (published.name, published.phone) == (NAME, PHONE)
    plan.archived_at = clock.now() - timezone.timedelta(days=settings.CONTACT_RETENTION_DAYS + 1)
    plan.save()
    out = StringIO()
    call_command("purge_contacts", stdout=out)
    published.refresh_from_db()
    assert (published.name, published.phone) == ("", "")
    assert published.contact_purged_at is not None
    assert "已删除 1 条" in out.getvalue()


def solved(response):
    """The answer to the question a form page asks, read from its signed token."""
    import re

    from django.core import signing

    from projects.web import guard

    token = re.search(r'name="challenge_token" value="([^"]+)"', response.content.decode())[1]
    first, second, plus, _nonce = signing.loads(token, salt=guard.CHALLENGE_SALT)
    return {
        "challenge_token": token,
        "challenge_answer": str(first + second if plus else first - second),
    }


@pytest.fixture
def limits(settings):
    settings.VOICE_BROWSER_SOFT, settings.VOICE_BROWSER_HARD = 2, 4
    settings.VOICE_ADDRESS_SOFT, settings.VOICE_ADDRESS_HARD = 3, 6


def test_past_the_soft_limit_a_post_answers_a_question(
    client, project, limits, counted_in, settings
):
    settings.VOICE_BROWSER_HARD = settings.VOICE_ADDRESS_HARD = 10
    for _ in range(2):
        assert question(client, project).status_code == 302
    held = question(client, project, text="第三条留言，需要先答题。")
    assert held.status_code == 400
    assert "请回答这道题" in held.content.decode() and "等于几？" in held.content.decode()
    assert PublicInput.objects.count() == 2
    answer_ = solved(held)
    wrong = question(
        client, project, challenge_token=answer_["challenge_token"], challenge_answer="99"
    )
    assert "答案不对" in wrong.content.decode()
    answer_ = solved(wrong)
    assert question(client, project, **answer_).status_code == 302
    replayed = question(client, project, **answer_)  # an answer is spent once
    assert "答案不对，或这道题已过期" in replayed.content.decode()
    assert PublicInput.objects.count() == 3


def test_a_signed_in_deputy_is_never_asked_the_publics_question(client, project, limits):
    client.force_login(make_official("li_daibiao", roles.DEPUTY))
    url = reverse("projects:deputy_opinion", args=[2021, project.number])
    sent = [
        client.post(url, {"text": f"第{n}条代表意见：建议游园增设无障碍通道。"}).status_code
        for n in range(4)
    ]
    assert sent == [302] * 4  # past the soft limits (2 a browser, 3 an address)
    assert "等于几？" not in client.get(url).content.decode()
    assert PublicInput.objects.filter(kind="deputy").count() == 4


def test_the_question_accepts_chinese_numerals_and_full_width_digits():
    from projects.web.guard import read_number

    assert [read_number(t) for t in ["9", "９", "九", " 十二 ", "十", "零", "abc", ""]] == [
        9,
        9,
        9,
        12,
        10,
        0,
        None,
        None,
    ]


def test_past_the_hard_limit_a_429_stores_nothing(client, project, limits, counted_in):
    statuses = [question(client, project).status_code for _ in range(6)]
    assert statuses == [302, 302, 400, 400, 429, 429]  # the browser's limits: 2 soft, 4 hard
    response = question(client, project)
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert int(response["Retry-After"]) >= 1
    assert PublicInput.objects.count() == 2


def test_a_flood_from_one_address_stores_no_more_than_its_limit(project, limits, counted_in):
    from django.test import Client

    statuses = []
    for _ in range(100):
        browser = Client()  # a new browser each time: only the address counts them all
        browser.get(ask_url(project))
        data = {"text": "刷屏留言内容，每条都一样。"}
        response = browser.post(ask_url(project), data)
        if response.status_code == 400:
            response = browser.post(ask_url(project), {**data, **solved(response)})
        statuses.append(response.status_code)
    assert PublicInput.objects.count() == statuses.count(302) <= 6
    assert statuses.count(429) >= 100 - 6 - 3


def test_the_project_and_departments_pages_cost_the_same_with_1_or_40_questions(
    client, project, moderator, reporter, queries_of
):
    def add(count):
        for n in range(count):
            item = PublicInput.objects.create(
                plan=project.plan, project=project, text=f"第{n}条留言内容", state="published"
            )
            answer(item, reporter).approve(moderator)

    add(1)
    small = [queries_of(project.get_absolute_url()), queries_of("/plans/2021/departments/")]
    add(39)
    large = [queries_of(project.get_absolute_url()), queries_of("/plans/2021/departments/")]
    assert [len(q) for q in large] == [len(q) for q in small]
    page = client.get(project.get_absolute_url()).content.decode()
    assert page.count('class="question"') == 30
    assert "这里列出最新 30 条，全部留言：" in page


def test_a_429_reads_no_body_and_costs_two_queries(
    client, project, settings, django_assert_num_queries
):
    settings.VOICE_ADDRESS_HARD = 0  # every post from this address is past the limit
    client.get(ask_url(project))
    client.post(ask_url(project))  # the window's first hit also clears old windows away
    # A body no parser could read: answered 429, not 400, so nothing read it.
    garbage = b"--x\r\nContent-Disposition: form-data; name=\r\n\r\n\xff\xfe" * 100
    # 1 the address's count (one upsert), 2 whether any plan carries demo data (the page).
    with django_assert_num_queries(2):
        response = client.post(
            ask_url(project), garbage, content_type="multipart/form-data; boundary=y"
        )
    assert response.status_code == 429
    assert not PublicInput.objects.exists()


def test_a_deputy_sends_an_opinion_answered_like_a_question(client, project, moderator, reporter):
    deputy = make_official("zhang_daibiao", roles.DEPUTY)
    url = reverse("projects:deputy_opinion", args=[2021, project.number])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(reporter)
    assert client.get(url).status_code == 403  # only deputies
    client.force_login(deputy)
    form = client.get(url).content.decode()
    assert 'name="phone"' not in form  # the account says who sent it
    response = client.post(url, {"text": "建议游园增设无障碍通道和休息座椅。"})
    assert response.status_code == 302
    item = PublicInput.objects.get()
    assert (item.kind, item.deputy, item.state) == ("deputy", deputy, "pending")
    item.publish(moderator)
    answer(item, reporter).approve(moderator)
    client.logout()
    page = client.get(project.get_absolute_url()).content.decode()
    assert '<span class="tag">人大代表意见</span>' in page
    assert "zhang_daibiao" not in page  # signed 人大代表 only
    record = client.get(reverse("projects:api_questions")).json()["results"][0]
    assert record["kind"] == "deputy" and record["answer_department"] == "区园林局"
