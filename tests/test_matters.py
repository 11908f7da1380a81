"""The register of practical matters (为群众办实事): entered by a department's reporters,
approved by a reviewer, public only then: totals by department, category and month, the
search, the list, the CSV and the API; the plan page's count beside the announced
figure; bad input refused in Chinese; who may do what, over HTTP."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from projects.models import Matter, MatterCount, Plan, index_text
from projects.rules import clock, roles

from .conftest import make_official
from .factories import DepartmentFactory, PlanFactory
from .refusals import DENIED, LOGIN, NOT_FOUND, assert_refused

TODAY = date(2026, 11, 26)
ADD = reverse("admin:projects_matter_add")
LIST = reverse("admin:projects_matter_changelist")


@pytest.fixture
def plan(db):
    return PlanFactory(year=2026)


@pytest.fixture
def housing(db):
    return DepartmentFactory(name="区住建局")


@pytest.fixture
def health(db):
    return DepartmentFactory(name="区卫健委")


@pytest.fixture
def reporter(housing):
    return make_official("zj-reporter", roles.REPORTER, housing)


@pytest.fixture
def reviewer(db):
    return make_official("checker", roles.REVIEWER)


def matter(plan, department, title, day, category="housing", people=None, approved=True):
    return Matter.objects.create(
        plan=plan,
        department=department,
        title=title,
        done_on=day,
        category=category,
        beneficiaries=people,
        place="西园街道",
        state="approved" if approved else "submitted",
        reviewed_at=clock.now() if approved else None,
    )


def entry(plan, department, **fields):
    data = {
        "plan": plan.pk,
        "department": department.pk,
        "done_on": "2026-10-12",
        "title": "为独居老人安装紧急呼叫器",
        "category": "elderly",
        "place": "西园街道",
        "beneficiaries": "120",
        "description": "120 户独居老人家中安装。",
    }
    data.update(fields)
    return data


def test_a_reporter_enters_a_matter_a_reviewer_approves_it_and_then_it_is_public(
    client, plan, housing, reporter, reviewer
):
    client.force_login(reporter)
    assert client.post(ADD, entry(plan, housing)).status_code == 302
    item = Matter.objects.get()
    assert (item.state, item.created_by) == ("submitted", reporter)
    page = client.get("/plans/2026/matters/").content.decode()
    assert "为独居老人安装紧急呼叫器" not in page  # not before review
    assert "还没有经审核公开的事项" in page
    client.post(LIST, {"action": "approve_selected", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.state == "submitted"  # a reporter approves nothing
    client.force_login(reviewer)
    client.post(LIST, {"action": "approve_selected", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert (item.state, item.reviewed_by) == ("approved", reviewer)
    page = client.get("/plans/2026/matters/").content.decode()
    assert "为独居老人安装紧急呼叫器" in page and "受益 120 人" in page
    assert item.history.count() == 2  # entered, approved


def test_nobody_approves_a_matter_they_entered_or_changed(client, plan, housing):
    both = make_official("both", roles.REPORTER, housing)
    both.groups.add(*make_official("x", roles.REVIEWER).groups.all())
    client.force_login(both)
    client.post(ADD, entry(plan, housing))
    item = Matter.objects.get()
    page = client.post(
        LIST, {"action": "approve_selected", "_selected_action": [item.pk]}, follow=True
    )
    assert "不能审核自己经手过的事项" in page.content.decode()
    item.refresh_from_db()
    assert item.state == "submitted"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"done_on": "2025-12-31"}, "办结日期须在本年度计划的周期内（2026-01-01 至 2026-12-31）"),
        ({"done_on": "2026-12-01"}, "办结日期不能晚于今天"),
        ({"done_on": "2026-02-30"}, "有效的日期"),
        ({"beneficiaries": "-3"}, "受益人数不能为负数"),
        ({"beneficiaries": "5000000"}, "受益人数不能超过 100 万"),
        ({"beneficiaries": "许多"}, "受益人数请填写整数"),
        ({"category": "toys"}, "选择一个有效的选项"),
        ({"title": ""}, "这个字段是必填项"),
    ],
)
def test_a_bad_matter_is_refused_in_chinese_and_nothing_is_kept(
    client, plan, housing, reporter, fields, message
):
    client.force_login(reporter)
    page = client.post(ADD, entry(plan, housing, **fields))
    assert message in page.content.decode()
    assert not Matter.objects.exists()


def test_a_matter_for_another_department_is_refused(client, plan, housing, health, reporter):
    client.force_login(reporter)
    page = client.post(ADD, entry(plan, health))
    assert "只能登记本单位的事项" in page.content.decode()
    assert not Matter.objects.exists()


def test_a_disguised_photo_is_refused(client, plan, housing, reporter):
    client.force_login(reporter)
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    page = client.post(ADD, {**entry(plan, housing), "photo": fake})
    assert "只能上传 JPEG、PNG 或 WebP 照片" in page.content.decode()
    assert not Matter.objects.exists()


def test_the_page_totals_by_department_category_and_month_and_searches(
    client, plan, housing, health
):
    matter(plan, housing, "修复小区破损路面", date(2026, 3, 2), "transport", 860)
    matter(plan, housing, "为困难家庭维修房屋", date(2026, 3, 20), "housing", 12)
    matter(plan, health, "开设周末义诊", date(2026, 5, 9), "health")
    matter(plan, health, "未审核的事项", date(2026, 5, 10), approved=False)
    html = client.get("/plans/2026/matters/").content.decode()
    assert "已登记并经审核公开 3 项。" in html
    assert "未审核的事项" not in html
    assert '<tr><th scope="row">区住建局</th><td>2</td><td>872</td></tr>' in html
    assert '<tr><th scope="row">区卫健委</th><td>1</td><td>—</td></tr>' in html
    assert '<tr><th scope="row">交通</th><td>1</td><td>860</td></tr>' in html
    assert '<tr><th scope="row">2026-03</th><td>2</td><td>872</td></tr>' in html
    assert '<tr><th scope="row">2026-05</th><td>1</td><td>—</td></tr>' in html
    found = client.get("/plans/2026/matters/?q=义诊").content.decode()
    assert "找到 1 项。" in found and "开设周末义诊" in found and "修复小区" not in found
    assert "已登记并经审核公开 3 项。" in found  # the register's count, not the search's
    only = client.get(f"/plans/2026/matters/?department={housing.pk}&category=housing")
    assert "为困难家庭维修房屋" in only.content.decode()
    assert "开设周末义诊" not in only.content.decode()
    for bad in ["?department=abc", "?category=toys", "?department=12345678901"]:
        assert client.get("/plans/2026/matters/" + bad).status_code == 404


def test_the_csv_has_the_filtered_list(client, plan, housing, health):
    matter(plan, housing, "修复小区破损路面", date(2026, 3, 2), "transport", 860)
    matter(plan, health, "开设周末义诊", date(2026, 5, 9), "health")
    response = client.get("/plans/2026/matters/?q=义诊&export=csv")
    assert response.streaming  # every row of a register that grows: written as read
    rows = list(csv.reader(io.StringIO(b"".join(response).decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "责任单位", "办结日期", "事项"]
    assert [r[3] for r in rows[1:]] == ["开设周末义诊"]
    assert rows[1][6] == ""  # no number of people: empty, not 0


def test_the_list_is_paginated(client, plan, housing):
    Matter.objects.bulk_create(
        Matter(
            plan=plan, department=housing, title=f"事项{n}", done_on=date(2026, 4, 1),
            category="other", state="approved",
        )
        for n in range(60)
    )  # fmt: skip
    MatterCount.rebuild(plan)  # bulk_create skips Matter.save, which counts
    first = client.get("/plans/2026/matters/").content.decode()
    assert "第 1 页，共 2 页" in first and 'rel="next"' in first
    second = client.get("/plans/2026/matters/?page=2").content.decode()
    assert second.count('<li id="m') == 10


@pytest.mark.parametrize("size", [10, 10_000])
def test_the_page_costs_the_same_with_10_or_10000_matters(
    plan, housing, health, size, queries_of, django_assert_num_queries
):
    Matter.objects.bulk_create(
        Matter(
            plan=plan, department=(housing, health)[n % 2], title=f"事项{n}",
            done_on=date(2026, 1, 1) + timedelta(days=n % 300), category="other",
            beneficiaries=n % 50, state="approved",
        )
        for n in range(size)
    )  # fmt: skip
    MatterCount.rebuild(plan)  # bulk_create skips Matter.save, which counts
    # 1 the plan, 2-5 the totals (overall, by department, category, month: kept in
    # MatterCount), 6 the departments for the filter, 7 the page's rows (counted by
    # the totals), 8 whether any plan carries demo data, 9 the published plans for
    # the navigation
    with django_assert_num_queries(9):
        queries_of("/plans/2026/matters/")


def many_matters(plan, departments, size):
    Matter.objects.bulk_create(
        Matter(
            plan=plan, department=departments[n % 2], title=f"事项{n}",
            done_on=date(2026, 1, 1) + timedelta(days=n % 300), category="other",
            beneficiaries=n % 50, state="approved",
        )
        for n in range(size)
    )  # fmt: skip
    MatterCount.rebuild(plan)  # bulk_create skips Matter.save, which counts


@pytest.mark.parametrize("size", [10, 10_000])
def test_the_csv_costs_the_same_queries_with_10_or_10000_matters(
    client, plan, housing, health, size, queries_of, django_assert_num_queries
):
    many_matters(plan, (housing, health), size)
    # 1 the plan, 2 the rows with their department's name
    with django_assert_num_queries(2):
        queries_of("/plans/2026/matters/?export=csv")
    lines = b"".join(client.get("/plans/2026/matters/?export=csv")).decode().splitlines()
    assert len(lines) == size + 1 and ",其他," in lines[1]  # the category's label


@pytest.mark.parametrize("size", [10, 10_000])
def test_the_admin_list_costs_the_same_queries_with_10_or_10000_matters(
    client, plan, housing, health, reviewer, size, queries_of, django_assert_num_queries
):
    many_matters(plan, (housing, health), size)
    client.force_login(reviewer)
    # 1 the session, 2 the user, 3-4 their permissions, 5 the plans for the year
    # picker, 6 the plan the list opens on and 7 the departments for the filters, 8 the
    # count (capped at 10,001), 9 the page's rows, 10 whether any plan carries demo
    # data, 11 the account's 任职 (the jurisdiction it works in)
    with django_assert_num_queries(11):
        queries_of(LIST)


def test_the_plan_page_shows_the_count_beside_the_announced_figure(client, db):
    call_command("load_plan", "2021", stdout=io.StringIO())
    html = client.get("/plans/2021/").content.decode()
    assert "已登记并经审核公开 0 项。" in html
    assert "公告称：“截至目前，全区各级各部门为群众办实事1000余项”。" in html
    register = client.get("/plans/2021/matters/").content.decode()
    assert "还没有经审核公开的事项" in register and "1000余项" in register


def test_the_api_lists_public_matters_with_search(client, plan, housing):
    matter(plan, housing, "修复小区破损路面", date(2026, 3, 2), "transport", 860)
    matter(plan, housing, "未审核", date(2026, 3, 3), approved=False)
    body = client.get("/api/v1/matters/?plan=2026").json()
    assert [r["title"] for r in body["results"]] == ["修复小区破损路面"]
    record = body["results"][0]
    assert (record["category"], record["category_label"], record["beneficiaries"]) == (
        "transport",
        "交通",
        860,
    )
    assert client.get("/api/v1/matters/?q=路面").json()["count"] == 1
    assert client.get("/api/v1/matters/?q=义诊").json()["count"] == 0
    assert client.get("/api/v1/matters/?q=" + "长" * 51).status_code == 400


# Who may do what


ACTORS = {
    "public": None,
    "reporter": ("r", roles.REPORTER),
    "other reporter": ("o", roles.REPORTER),
    "reviewer": ("s", roles.REVIEWER),
    "administrator": ("a", roles.ADMINISTRATOR),
    "moderator": ("m", roles.MODERATOR),
    "deputy": ("d", roles.DEPUTY),
}
SEES = {
    "list": {"reporter", "other reporter", "reviewer", "administrator"},
    "add": {"reporter", "other reporter"},
    "page": {"reporter", "reviewer", "administrator"},
}
NOT_THEIRS = {("page", "other reporter")}  # another department's matter


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("page", SEES)
def test_who_may_see_each_admin_page_of_the_register(client, plan, housing, who, page):
    item = matter(plan, housing, "修复小区破损路面", date(2026, 3, 2), approved=False)
    if ACTORS[who]:
        name, role = ACTORS[who]
        own = housing if who == "reporter" else DepartmentFactory(name="区教体局")
        client.force_login(make_official(name, role, own))
    url = {
        "list": LIST,
        "add": ADD,
        "page": reverse("admin:projects_matter_change", args=[item.pk]),
    }
    response = client.get(url[page])
    if who in SEES[page]:
        assert response.status_code == 200
    elif who == "public":
        assert_refused(response, LOGIN)
    else:
        assert_refused(response, NOT_FOUND if (page, who) in NOT_THEIRS else DENIED)


def test_correcting_an_approved_matter_sends_it_back_to_review_and_keeps_what_it_said(
    client, plan, housing, reporter, reviewer
):
    item = matter(plan, housing, "修复小区破损路面", date(2026, 3, 2), people=50)
    client.force_login(reporter)
    change = reverse("admin:projects_matter_change", args=[item.pk])
    assert "保存更正后将重新进入待审核" in client.get(change).content.decode()
    fixed = entry(
        plan, housing, title="修复小区破损路面", done_on="2026-03-02", beneficiaries="500"
    )
    assert client.post(change, fixed).status_code == 302
    item.refresh_from_db()
    assert (item.state, item.beneficiaries, item.reviewed_at) == ("submitted", 500, None)
    said = item.history.order_by("history_date", "history_id")
    assert [(h.state, h.beneficiaries) for h in said] == [("approved", 50), ("submitted", 500)]
    assert said.last().history_user == reporter
    client.logout()
    assert "修复小区破损路面" not in client.get("/plans/2026/matters/").content.decode()
    client.force_login(reporter)
    client.post(LIST, {"action": "approve_selected", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.state == "submitted"  # not by the hand that corrected it
    client.force_login(reviewer)
    client.post(LIST, {"action": "approve_selected", "_selected_action": [item.pk]})
    client.logout()
    page = client.get("/plans/2026/matters/").content.decode()
    assert "修复小区破损路面" in page and "受益 500 人" in page


def test_a_reviewer_returns_a_matter_with_a_reason_and_the_reporter_resubmits_it(
    client, plan, housing, reporter, reviewer
):
    item = matter(plan, housing, "修复小区破损路面", date(2026, 3, 2), approved=False)
    client.force_login(reviewer)
    back = {"action": "return_selected", "_selected_action": [item.pk], "note": ""}
    assert "退回时必须说明原因" in client.post(LIST, back, follow=True).content.decode()
    item.refresh_from_db()
    assert item.state == "submitted"
    client.post(LIST, {**back, "note": "请写明受益人数。"})
    item.refresh_from_db()
    assert (item.state, item.review_note, item.reviewed_by) == (
        "returned",
        "请写明受益人数。",
        reviewer,
    )
    client.force_login(reporter)
    change = reverse("admin:projects_matter_change", args=[item.pk])
    fixed = entry(plan, housing, title="修复小区破损路面", done_on="2026-03-02", beneficiaries="80")
    assert client.post(change, fixed).status_code == 302
    item.refresh_from_db()
    assert (item.state, item.beneficiaries) == ("submitted", 80)


def test_an_archived_plans_matter_is_not_corrected_and_reviewers_get_no_warning(
    client, plan, housing, reporter, reviewer
):
    item = matter(plan, housing, "修复小区破损路面", date(2026, 3, 2), people=50)
    change = reverse("admin:projects_matter_change", args=[item.pk])
    client.force_login(reviewer)  # reads, may not change: nothing to warn of
    page = client.get(change).content.decode()
    assert "修复小区破损路面" in page and "保存更正后将重新进入待审核" not in page
    Plan.objects.filter(pk=plan.pk).update(archived_at=clock.now())
    client.force_login(reporter)
    response = client.get(change)
    assert response.status_code == 200  # the reporter still reads it, with no form to save
    html = response.content.decode()
    assert "修复小区破损路面" in html and 'name="_save"' not in html
    assert "保存更正后将重新进入待审核" not in html
    correction = entry(plan, housing, title="修复小区破损路面", beneficiaries="500")
    assert_refused(client.post(change, correction), DENIED)
    item.refresh_from_db()
    assert (item.state, item.beneficiaries) == ("approved", 50)


def test_another_departments_reporter_cannot_correct_a_matter(client, plan, housing, health):
    item = matter(plan, housing, "修复小区破损路面", date(2026, 3, 2), people=50)
    client.force_login(make_official("wj-reporter", roles.REPORTER, health))
    change = reverse("admin:projects_matter_change", args=[item.pk])
    response = client.post(change, entry(plan, housing, beneficiaries="500"))
    assert_refused(response, NOT_FOUND)  # as for a matter that does not exist
    item.refresh_from_db()
    assert (item.state, item.beneficiaries, item.history.count()) == ("approved", 50, 1)


def png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile("现场.png", out.getvalue(), content_type="image/png")


def test_a_matters_photo_is_public_only_once_the_matter_is_approved(
    client, plan, housing, reporter, reviewer
):
    client.force_login(reporter)
    client.post(ADD, {**entry(plan, housing), "photo": png()})
    item = Matter.objects.get()
    url = reverse("projects:matter_photo", args=[item.key])
    assert client.get(url).status_code == 200  # the department sees its own
    client.logout()
    assert client.get(url).status_code == 404  # the public, not before approval
    item.approve(reviewer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]
    assert url in client.get("/plans/2026/matters/").content.decode()


def test_an_edit_saved_while_a_matter_waits_is_what_its_approval_keeps(plan, housing, reviewer):
    waiting = matter(plan, housing, "旧标题", date(2026, 10, 12), approved=False)
    read = Matter.objects.get(pk=waiting.pk)  # the reviewer's page, read before the edit
    Matter.objects.filter(pk=waiting.pk).update(title="填报员改过的标题")
    read.approve(reviewer)
    assert Matter.objects.get(pk=waiting.pk).title == "填报员改过的标题"
    assert read.history.first().title == "填报员改过的标题"  # the record of the approval


def counted_by_the_matters(plan):
    """The totals as the matters themselves add up: what MatterCount must keep."""
    from projects.models.matters import as_date

    approved = Matter.objects.filter(plan=plan, state="approved").order_by()
    rows = approved.values_list("department_id", "category", "done_on", "beneficiaries")
    cells = {}
    for department, category, day, people in rows:
        n, total = cells.get((department, category, as_date(day).replace(day=1)), (0, None))
        total = total if people is None else (total or 0) + people
        cells[(department, category, as_date(day).replace(day=1))] = (n + 1, total)
    return cells


def kept(plan):
    rows = MatterCount.objects.filter(plan=plan, count__gt=0)
    return {(r.department_id, r.category, r.month): (r.count, r.people) for r in rows}


def test_the_totals_are_kept_as_matters_are_approved_corrected_returned_and_deleted(
    plan, housing, health, reporter, reviewer
):
    road = matter(plan, housing, "修复小区破损路面", date(2026, 3, 2), "transport", 860)
    clinic = matter(plan, health, "开设周末义诊", date(2026, 3, 9), "health", approved=False)
    assert (
        kept(plan)
        == counted_by_the_matters(plan)
        == {(housing.pk, "transport", date(2026, 3, 1)): (1, 860)}
    )
    clinic.approve(reviewer)
    road.department, road.done_on, road.state = health, date(2026, 4, 1), "submitted"
    road.save()  # corrected: another department and month, back to review
    assert (
        kept(plan)
        == counted_by_the_matters(plan)
        == {(health.pk, "health", date(2026, 3, 1)): (1, None)}
    )
    Matter.objects.get(pk=road.pk).approve(reviewer)
    assert kept(plan) == counted_by_the_matters(plan)
    assert MatterCount.total(plan) == 2
    Matter.objects.get(pk=clinic.pk).delete()
    assert (
        kept(plan)
        == counted_by_the_matters(plan)
        == {(health.pk, "transport", date(2026, 4, 1)): (1, 860)}
    )
    MatterCount.rebuild(plan)  # what bulk loads call: the same counts
    assert kept(plan) == counted_by_the_matters(plan)


def test_the_search_finds_a_matter_through_the_text_index_as_it_is_edited(client, plan, housing):
    item = matter(plan, housing, "东风路口加装红绿灯", date(2026, 3, 2), "transport")
    matter(plan, housing, "为困难家庭维修房屋", date(2026, 3, 20))
    search = Matter.objects.public().filter(plan=plan).search
    if connection.vendor == "sqlite":  # the text index's few, not the plan's every matter
        many_matters(plan, (housing, housing), 1000)
        index_text(connection)  # as after a migrate: the statistics taken
        sql, params = search("东风路口").order_by("-done_on")[:50].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            steps = [row[-1] for row in cursor.fetchall()]
        assert steps[-2:] == [
            "SCAN projects_matter_text VIRTUAL TABLE INDEX 0:M3",
            "USE TEMP B-TREE FOR ORDER BY",
        ], steps
        assert "SEARCH projects_matter USING INTEGER PRIMARY KEY (rowid=?)" in steps
    assert [m.title for m in search("东风路口")] == ["东风路口加装红绿灯"]
    assert [m.title for m in search("风路")] == ["东风路口加装红绿灯"]  # too short: read
    assert [m.title for m in search("WIFI覆盖")] == []
    item.title = "人民路口加装红绿灯（wifi覆盖）"
    item.save()
    assert list(search("东风路口")) == []
    assert [m.pk for m in search("WIFI覆盖")] == [item.pk]  # any case, as icontains
    found = client.get("/plans/2026/matters/?q=人民路口").content.decode()
    assert "找到 1 项。" in found and "人民路口加装红绿灯" in found


def test_a_text_index_lost_is_made_again_at_the_next_migrate(plan, housing):
    with connection.cursor() as cursor:  # as a table Django rebuilds loses its triggers
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER projects_matter_text_insert")
        else:
            cursor.execute("DROP INDEX matter_title_trgm")
    matter(plan, housing, "东风路口加装红绿灯", date(2026, 3, 2))  # not indexed on SQLite
    if connection.vendor == "postgresql":  # no index is made with the FK checks pending
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    index_text(connection)  # as post_migrate runs it
    assert Matter.objects.search("东风路口").count() == 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'matter_%%_trgm'")
            assert cursor.fetchone()[0] == 3
