"""Atom feeds of approved figures: valid RFC 4287, one per plan and one per project,
newest approval first, nothing unapproved or unpublished."""

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from projects.models import Evidence

from .conftest import build_plan
from .factories import PlanFactory, ProjectFactory, ReportFactory, TargetFactory

ATOM = "{http://www.w3.org/2005/Atom}"
SHANGHAI = ZoneInfo("Asia/Shanghai")
UNAPPROVED = ["draft", "submitted", "returned", "withdrawn"]

pytestmark = pytest.mark.any_hour


def parse_rfc3339(text):
    """An RFC 3339 date-time with a time zone, as atom:updated must be (§3.3)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert "T" in text and moment.tzinfo is not None, text
    return moment


def check_atom(content):
    """The feed's root, after checking what RFC 4287 requires of a feed and its entries
    (§4.1.1, §4.1.2): one id, title and updated each; an author on the feed or on every
    entry; a self link (a SHOULD, which we keep); on each entry an alternate link or
    content; ids that are absolute IRIs and unique."""
    root = ET.fromstring(content)  # noqa: S314 - our own feed, built in the test
    assert root.tag == f"{ATOM}feed"

    def one(element, name):
        found = element.findall(f"{ATOM}{name}")
        assert len(found) == 1, f"{element.tag} needs exactly one {name}, has {len(found)}"
        assert (found[0].text or "").strip(), f"{element.tag}/{name} is empty"
        return found[0].text

    for name in ("id", "title", "updated"):
        one(root, name)
    parse_rfc3339(root.find(f"{ATOM}updated").text)
    assert ":" in root.find(f"{ATOM}id").text  # an IRI with a scheme
    links = root.findall(f"{ATOM}link")
    assert [link for link in links if link.get("rel") == "self" and link.get("href")]
    assert all(link.get("href").startswith("http") for link in links)
    feed_author = root.find(f"{ATOM}author")
    entries = root.findall(f"{ATOM}entry")
    ids = [one(entry, "id") for entry in entries]
    assert len(set(ids)) == len(ids), "entry ids must be unique"
    for entry in entries:
        one(entry, "title")
        parse_rfc3339(one(entry, "updated"))
        assert ":" in entry.find(f"{ATOM}id").text
        author = entry.find(f"{ATOM}author")
        author = author if author is not None else feed_author
        assert author is not None and author.find(f"{ATOM}name").text
        alternate = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert alternate or entry.find(f"{ATOM}content") is not None
        summary = entry.find(f"{ATOM}summary")
        assert summary is not None and summary.text and summary.get("type") == "text"
    return root


def entries_of(root):
    return root.findall(f"{ATOM}entry")


def text_of(element, name):
    return element.find(f"{ATOM}{name}").text


def get_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return check_atom(response.content)


def approved_at(day, hour=10):
    return datetime(2021, 1, 1, hour, tzinfo=SHANGHAI) + timedelta(days=day)


def test_the_plan_feed_is_valid_atom_in_chinese(client, target):
    report = ReportFactory(
        target=target,
        value=Decimal("12.50"),
        as_of=date(2021, 6, 30),
        note="主体完工",
        delay_reason="雨季停工",
        next_steps="七月补齐",
        reviewed_at=approved_at(182),
    )
    root = get_feed(client, "/plans/2021/feed/")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hans"
    assert text_of(root, "title") == "2021年民生实事：最新进展"
    assert text_of(root, "id").startswith("tag:testserver,")
    assert text_of(root, "updated") == "2021-07-02T02:00:00+00:00"  # its newest entry
    self_link = next(lk for lk in root.findall(f"{ATOM}link") if lk.get("rel") == "self")
    assert self_link.get("href") == "http://testserver/plans/2021/feed/"
    (entry,) = entries_of(root)
    assert text_of(entry, "title") == "八、小游园·新建小游园：截至2021-06-30累计12.5座"
    # dated by the day the report was entered, in Shanghai
    entered = report.created_at.astimezone(SHANGHAI).date()
    assert text_of(entry, "id") == f"tag:testserver,{entered:%Y-%m-%d}:report-{report.pk}"
    link = entry.find(f"{ATOM}link").get("href")
    assert link == f"http://testserver/plans/2021/projects/8/#target-{target.pk}"
    summary = text_of(entry, "summary")
    assert "截至2021-06-30累计完成 12.5 座，目标 16 座，完成 78.1%。" in summary
    assert "备注：主体完工" in summary
    assert "滞后原因：雨季停工" in summary and "下一步措施：七月补齐" in summary


def test_an_empty_feed_is_still_valid(client, plan):
    root = get_feed(client, "/plans/2021/feed/")
    assert entries_of(root) == []


def test_entries_are_newest_approval_first_and_at_most_fifty(client, target):
    for day in range(60):
        ReportFactory(
            target=target, value=day, as_of=date(2021, 1, 1), reviewed_at=approved_at(day)
        )
    entries = entries_of(get_feed(client, "/plans/2021/feed/"))
    assert len(entries) == 50
    updated = [text_of(entry, "updated") for entry in entries]
    assert updated == sorted(updated, reverse=True)
    assert "累计59座" in text_of(entries[0], "title")


def test_a_project_feed_holds_only_that_project(client, plan, target):
    other = TargetFactory(project__plan=plan, project__number=9, name="其他实事的指标")
    ReportFactory(target=target, value=3, reviewed_at=approved_at(5))
    ReportFactory(target=other, value=4, reviewed_at=approved_at(6))
    root = get_feed(client, "/plans/2021/projects/8/feed/")
    assert text_of(root, "title") == "八、小游园：最新进展"
    titles = [text_of(entry, "title") for entry in entries_of(root)]
    assert titles == ["八、小游园·新建小游园：截至2021-01-01累计3座"]
    plan_titles = [text_of(e, "title") for e in entries_of(get_feed(client, "/plans/2021/feed/"))]
    assert len(plan_titles) == 2


def test_a_report_has_the_same_entry_id_in_both_feeds(client, target):
    ReportFactory(target=target, value=3)
    (in_plan,) = entries_of(get_feed(client, "/plans/2021/feed/"))
    (in_project,) = entries_of(get_feed(client, "/plans/2021/projects/8/feed/"))
    assert text_of(in_plan, "id") == text_of(in_project, "id")


@pytest.mark.parametrize("state", UNAPPROVED)
def test_an_unapproved_report_is_in_no_feed(client, target, state):
    ReportFactory(target=target, value=4, as_of=date(2021, 3, 31))
    ReportFactory(
        target=target,
        value=Decimal("777.77"),
        as_of=date(2021, 6, 30),
        state=state,
        note="未审核的备注XYZ",
    )
    for url in ("/plans/2021/feed/", "/plans/2021/projects/8/feed/"):
        text = client.get(url).content.decode()
        assert "777.77" not in text and "XYZ" not in text and "2021-06-30" not in text, url
        assert len(entries_of(check_atom(text.encode()))) == 1


def test_an_unpublished_plan_has_no_feeds(client, db):
    hidden = PlanFactory(year=2022, is_published=False)
    ReportFactory(target__project=ProjectFactory(plan=hidden, number=1))
    assert client.get("/plans/2022/feed/").status_code == 404
    assert client.get("/plans/2022/projects/1/feed/").status_code == 404


def test_an_unknown_project_has_no_feed(client, target):
    assert client.get("/plans/2021/projects/99/feed/").status_code == 404
    assert client.get("/plans/2030/feed/").status_code == 404


def test_corrections_say_what_they_replace(client, target):
    old = ReportFactory(target=target, value=6, as_of=date(2021, 6, 30), reviewed_at=approved_at(1))
    ReportFactory(
        target=target,
        value=5,
        as_of=date(2021, 6, 30),
        note="一座重复统计",
        corrects=old,
        reviewed_at=approved_at(2),
    )
    newest = entries_of(get_feed(client, "/plans/2021/feed/"))[0]
    assert text_of(newest, "title").endswith("（更正）")
    assert "更正此前公开的数值：截至2021-06-30的 6 座。" in text_of(newest, "summary")


def test_official_text_is_plain_text_never_markup(client, target):
    ReportFactory(target=target, note='<script>alert(1)</script> & "引号"\x0b换行')
    response = client.get("/plans/2021/feed/")
    (entry,) = entries_of(check_atom(response.content))
    assert '备注：<script>alert(1)</script> & "引号"换行' in text_of(entry, "summary")
    assert b"<script>" not in response.content  # escaped in the XML


def test_public_evidence_is_enclosed(client, target):
    report = ReportFactory(target=target)
    evidence = Evidence.objects.create(
        report=report,
        file="evidence/x.pdf",
        kind=Evidence.Kind.PDF,
        content_type="application/pdf",
        original_name="验收.pdf",
        size=2048,
    )
    (entry,) = entries_of(get_feed(client, "/plans/2021/feed/"))
    (enclosure,) = [lk for lk in entry.findall(f"{ATOM}link") if lk.get("rel") == "enclosure"]
    assert enclosure.get("href") == f"http://testserver/evidence/{evidence.key}/"
    assert enclosure.get("type") == "application/pdf" and enclosure.get("length") == "2048"


def test_demo_figures_say_so_in_the_feed(client, plan, target):
    plan.demo_data = True
    plan.save()
    ReportFactory(target=target)
    root = get_feed(client, "/plans/2021/feed/")
    assert text_of(root, "title").endswith("（演示数据）")
    assert text_of(entries_of(root)[0], "summary").startswith("演示数据，不是真实填报。")


@pytest.mark.parametrize("url", ["/plans/2021/feed/", "/plans/2021/projects/1/feed/"])
def test_a_feed_costs_the_same_queries_however_many_reports(
    plan, queries_of, django_assert_num_queries, url
):
    build_plan(plan, projects=1, targets_per_project=1, reports_per_target=1)
    small = queries_of(url)
    target = plan.projects.get(number=1).targets.get()
    for month in range(2, 12):
        ReportFactory(target=target, value=month, as_of=date(2021, month, 1))
    assert len(queries_of(url)) == len(small)
    # 1 the plan (or the project with its plan), 2 the latest approved reports with
    # target, project, plan and corrected report, 3 their evidence, 4 the 公示 any of
    # them opened. Through queries_of, which empties the cache: the line above has just
    # kept this page, served for free.
    with django_assert_num_queries(4):
        queries_of(url)
