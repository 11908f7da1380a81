"""The open data JSON API (/api/v1/): explicit fields, approved figures of published
plans only, pagination, as_of, a JSON 400 for every unusable parameter, read-only,
open to other sites (CORS), and a fixed number of queries per request."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from projects.models import Evidence, Plan

from .conftest import build_plan, completion_states
from .factories import PlanFactory, ProjectFactory, ReportFactory, TargetFactory

pytestmark = pytest.mark.any_hour  # pages judged against today: every suspect hour

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNAPPROVED = ["draft", "submitted", "returned", "withdrawn"]
ENDPOINTS = ["/api/v1/plans/", "/api/v1/projects/", "/api/v1/targets/", "/api/v1/reports/"]
EMPTY_PAGE = {"count": 0, "next": None, "previous": None, "results": []}

PLAN_KEYS = {
    "year",
    "title",
    "title_en",
    "announced_on",
    "period_start",
    "period_end",
    "source_name",
    "source_url",
    "demo_data",
    "url",
    "feed_url",
    "projects_url",
    "targets_url",
    "reports_url",
}
PROJECT_KEYS = {
    "plan",
    "number",
    "title",
    "title_en",
    "pledge_text",
    "lead_department",
    "supporting_departments",
    "due_date",
    "percent",
    "expected_percent",
    "status",
    "status_label",
    "is_complete",
    "is_closed",
    "last_reported_on",
    "targets",
    "url",
    "feed_url",
}
TARGET_KEYS = {
    "id",
    "plan",
    "project",
    "name",
    "name_en",
    "unit",
    "kind",
    "is_construction",
    "target_value",
    "current_value",
    "last_reported_on",
    "percent",
    "expected_percent",
    "status",
    "status_label",
    "url",
    "reports_url",
}
REPORT_KEYS = {
    "id",
    "plan",
    "project",
    "target",
    "target_name",
    "unit",
    "value",
    "as_of",
    "percent",
    "note",
    "delay_reason",
    "next_steps",
    "approved_at",
    "corrects",
    "evidence",
    "url",
}


def get_json(client, url, status=200, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status, (url, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.fixture
def approved(target):
    return ReportFactory(
        target=target,
        value=Decimal("12.50"),
        as_of=date(2021, 6, 30),
        note="已完成主体工程",
        reviewed_at=datetime(2021, 7, 2, 9, 30, tzinfo=SHANGHAI),
    )


# Schema


def test_plans_list_published_plans_with_their_fields(client, plan):
    PlanFactory(year=2022, is_published=False, title="未公开的计划")
    body = get_json(client, "/api/v1/plans/")
    assert body["count"] == 1
    (record,) = body["results"]
    assert set(record) == PLAN_KEYS
    assert record["year"] == 2021
    assert record["period_start"] == "2021-01-01"
    assert record["url"] == "http://testserver/plans/2021/"
    assert record["feed_url"] == "http://testserver/plans/2021/feed/"
    assert record["reports_url"] == "http://testserver/api/v1/reports/?plan=2021"
    assert record["demo_data"] is False


def test_projects_have_their_figures_status_and_departments(client, target, approved):
    body = get_json(client, "/api/v1/projects/?plan=2021&as_of=2021-06-30")
    (record,) = body["results"]
    assert set(record) == PROJECT_KEYS
    assert record["number"] == 8
    assert record["title"] == "小游园"
    assert record["lead_department"] == target.project.lead_department.name
    assert record["supporting_departments"] == []
    assert record["percent"] == 78.1  # 12.5 of 16
    assert record["status"] == "on_track"
    assert record["status_label"] == "正常推进"
    assert record["targets"] == [target.pk]
    assert record["last_reported_on"] == "2021-06-30"
    assert record["url"] == "http://testserver/plans/2021/projects/8/"
    assert record["feed_url"] == "http://testserver/plans/2021/projects/8/feed/"


def test_is_complete_reads_the_figures_and_is_closed_says_completed(client, plan):
    """公示中 and 整改中 a project's figures are complete, but it is not yet 已完成: the
    two fields part there; the plan's 已完成 count is what is_closed says."""
    completion_states(plan)
    records = get_json(client, "/api/v1/projects/?plan=2021")["results"]
    said = {r["number"]: (r["status"], r["is_complete"], r["is_closed"]) for r in records}
    assert said == {
        1: ("notice", True, False),
        2: ("rectifying", True, False),
        3: ("complete", True, True),
        4: ("not_reported", False, False),
    }
    assert plan.progress().completed_count == 1


def test_targets_have_figures_as_strings_without_trailing_zeros(client, target, approved):
    body = get_json(client, "/api/v1/targets/?plan=2021&as_of=2021-06-30")
    (record,) = body["results"]
    assert set(record) == TARGET_KEYS
    assert record["id"] == target.pk
    assert record["target_value"] == "16"
    assert record["current_value"] == "12.5"
    assert record["percent"] == 78.1
    assert isinstance(record["expected_percent"], float)
    assert record["last_reported_on"] == "2021-06-30"
    assert record["status"] == "on_track"
    assert record["status_label"] == "正常推进"
    assert record["url"] == f"http://testserver/plans/2021/projects/8/#target-{target.pk}"
    assert record["reports_url"] == f"http://testserver/api/v1/reports/?target={target.pk}"


def test_a_target_without_reports_has_null_figures_not_zero(client, target):
    (record,) = get_json(client, "/api/v1/targets/")["results"]
    assert record["current_value"] is None
    assert record["percent"] is None
    assert record["last_reported_on"] is None
    assert record["status"] == "not_reported"
    assert record["status_label"] == "未填报"


def test_reports_have_value_date_reasons_approval_and_evidence(client, target, approved):
    evidence = Evidence.objects.create(
        report=approved,
        file="evidence/x.jpg",
        kind=Evidence.Kind.IMAGE,
        content_type="image/jpeg",
        original_name="现场.jpg",
        size=1000,
        caption="施工现场",
    )
    correction = ReportFactory(
        target=target,
        value=Decimal("12"),
        as_of=date(2021, 6, 30),
        corrects=approved,
        reviewed_at=datetime(2021, 7, 9, 16, 0, tzinfo=SHANGHAI),
    )
    body = get_json(client, "/api/v1/reports/?plan=2021")
    # Newest approval first: the correction, then the figure it corrects.
    assert [r["id"] for r in body["results"]] == [correction.pk, approved.pk]
    record = body["results"][1]
    assert set(record) == REPORT_KEYS
    assert record["value"] == "12.5"
    assert record["as_of"] == "2021-06-30"
    assert record["percent"] == 78.1
    assert record["note"] == "已完成主体工程"
    assert record["approved_at"] == "2021-07-02T09:30:00+08:00"
    assert record["corrects"] is None
    assert record["evidence"] == [
        {
            "url": f"http://testserver/evidence/{evidence.key}/",
            "kind": "image",
            "caption": "施工现场",
        }
    ]
    assert record["target"] == target.pk and record["project"] == 8 and record["plan"] == 2021
    assert body["results"][0]["corrects"] == approved.pk
    assert body["results"][0]["approved_at"] == "2021-07-09T16:00:00+08:00"


def test_status_labels_stay_chinese_for_an_english_visitor(client, target, approved):
    client.get("/language/en/")
    (record,) = get_json(client, "/api/v1/targets/?as_of=2021-06-30")["results"]
    assert record["status_label"] == "正常推进"


def test_chinese_text_is_sent_as_utf8_not_escaped(client, target, approved):
    response = client.get("/api/v1/reports/")
    assert "已完成主体工程".encode() in response.content


# Pagination


def test_pages_have_count_next_and_previous(client, plan):
    build_plan(plan, projects=2, targets_per_project=2, reports_per_target=3)  # 12 reports
    first = get_json(client, "/api/v1/reports/?plan=2021&page_size=5")
    assert first["count"] == 12
    assert len(first["results"]) == 5
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/reports/?plan=2021&page_size=5&page=2"
    last = get_json(client, "/api/v1/reports/?plan=2021&page_size=5&page=3")
    assert len(last["results"]) == 2
    assert last["next"] is None
    assert last["previous"] == "http://testserver/api/v1/reports/?plan=2021&page_size=5&page=2"
    ids = [
        r["id"]
        for page in (1, 2, 3)
        for r in get_json(client, f"/api/v1/reports/?page_size=5&page={page}")["results"]
    ]
    assert len(set(ids)) == 12  # no report repeated or skipped across pages


def test_page_size_defaults_to_100_and_may_be_500(client, plan):
    build_plan(plan, projects=1, targets_per_project=1, reports_per_target=0)
    target = plan.projects.get().targets.get()
    ReportFactory.create_batch(120, target=target, as_of=date(2021, 3, 1))
    assert len(get_json(client, "/api/v1/reports/")["results"]) == 100
    assert len(get_json(client, "/api/v1/reports/?page_size=500")["results"]) == 120


def test_a_page_past_the_last_is_empty_with_the_count_and_the_last_page_before_it(client, plan):
    build_plan(plan, projects=2, targets_per_project=2, reports_per_target=3)  # 12 reports
    for page in (4, 999999999999999999):  # the next one; the largest the document allows
        body = get_json(client, f"/api/v1/reports/?plan=2021&page_size=5&page={page}")
        assert body == {
            "count": 12,
            "next": None,
            "previous": "http://testserver/api/v1/reports/?plan=2021&page_size=5&page=3",
            "results": [],
        }
    # Of a list without records, the first page is the last.
    assert get_json(client, "/api/v1/reports/?plan=2030&page=2") == {
        **EMPTY_PAGE,
        "previous": "http://testserver/api/v1/reports/?plan=2030&page=1",
    }


def test_an_empty_list_is_a_first_page_without_results(client, plan):
    assert get_json(client, "/api/v1/reports/?plan=2021") == EMPTY_PAGE


# Filters and as_of


def test_reports_filter_by_target_and_project(client, plan):
    build_plan(plan, projects=2, targets_per_project=2, reports_per_target=2)
    target = plan.projects.get(number=2).targets.first()
    by_target = get_json(client, f"/api/v1/reports/?target={target.pk}")["results"]
    assert {r["target"] for r in by_target} == {target.pk} and len(by_target) == 2
    by_project = get_json(client, "/api/v1/reports/?plan=2021&project=2")["results"]
    assert {r["project"] for r in by_project} == {2} and len(by_project) == 4
    assert get_json(client, "/api/v1/reports/?target=999999")["count"] == 0
    targets = get_json(client, "/api/v1/targets/?plan=2021&project=1")["results"]
    assert {t["project"] for t in targets} == {1} and len(targets) == 2


def test_as_of_gives_the_figures_of_that_day(client, target):
    ReportFactory(target=target, value=4, as_of=date(2021, 3, 31))
    ReportFactory(target=target, value=13, as_of=date(2021, 9, 30))
    (then,) = get_json(client, "/api/v1/targets/?as_of=2021-06-30")["results"]
    assert then["current_value"] == "4" and then["last_reported_on"] == "2021-03-31"
    (now,) = get_json(client, "/api/v1/targets/")["results"]
    assert now["current_value"] == "13"
    (project,) = get_json(client, "/api/v1/projects/?as_of=2021-06-30")["results"]
    assert project["percent"] == 25.0  # 4 of 16
    reports = get_json(client, "/api/v1/reports/?as_of=2021-06-30")["results"]
    assert [r["value"] for r in reports] == ["4"]


def test_a_day_after_today_is_answered_as_today(client, db, clock):
    # A plan under way, so that pace judged on a later day would differ from today's.
    plan = PlanFactory(year=2026, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    target = TargetFactory(project__plan=plan, target_value=100)
    ReportFactory(target=target, value=40, as_of=date(2026, 6, 30))
    later = clock.today() + timedelta(days=20)
    assert later.year == 2026  # still within the plan's period
    for path in ("/api/v1/projects/", "/api/v1/targets/", "/api/v1/reports/"):
        today = get_json(client, path)
        assert today["count"] == 1, path
        assert get_json(client, f"{path}?as_of={later}") == today, path


# Bad parameters


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/reports/?page=abc", "page"),
        ("/api/v1/reports/?page=0", "page"),
        ("/api/v1/reports/?page=-1", "page"),
        ("/api/v1/reports/?page=99999999999999999999999999", "page"),
        ("/api/v1/reports/?page_size=100000", "page_size"),
        ("/api/v1/reports/?page_size=501", "page_size"),
        ("/api/v1/reports/?page_size=0", "page_size"),
        ("/api/v1/reports/?page_size=ten", "page_size"),
        ("/api/v1/projects/?plan=abc", "plan"),
        ("/api/v1/projects/?plan=1", "plan"),  # no year a plan may have
        ("/api/v1/projects/?plan=1999", "plan"),
        ("/api/v1/targets/?plan=2101", "plan"),
        ("/api/v1/targets/?plan=%00", "plan"),
        ("/api/v1/reports/?as_of=nonsense", "as_of"),
        ("/api/v1/reports/?as_of=2021-02-30", "as_of"),
        ("/api/v1/reports/?as_of=1999-12-31", "as_of"),  # before 2000-01-01
        ("/api/v1/reports/?as_of=10000-01-01", "as_of"),
        ("/api/v1/reports/?as_of=2021-W26-3", "as_of"),  # ISO 8601, but no YYYY-MM-DD
        ("/api/v1/reports/?as_of=20210630", "as_of"),
        ("/api/v1/reports/?as_of=%202021-06-30", "as_of"),
        ("/api/v1/plans/?as_of=yesterday", "as_of"),
        ("/api/v1/reports/?target=abc", "target"),
        ("/api/v1/reports/?target=1.5", "target"),
        ("/api/v1/reports/?target=99999999999999999999999999", "target"),
        ("/api/v1/reports/?project=abc", "project"),
        ("/api/v1/targets/?project=-3", "project"),
    ],
)
def test_a_bad_parameter_is_a_400_in_chinese_and_english(client, target, url, parameter):
    error = get_json(client, url, status=400)["error"]
    assert error["parameter"] == parameter
    assert parameter in error["message"] and parameter in error["message_en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert error["message_en"].isascii()


def test_unknown_parameters_are_ignored(client, target, approved):
    assert get_json(client, "/api/v1/reports/?format=json&_=123")["count"] == 1


# What the public may see


@pytest.mark.parametrize("state", UNAPPROVED)
def test_an_unapproved_report_appears_in_no_endpoint(client, target, approved, state):
    ReportFactory(
        target=target,
        value=Decimal("777.77"),
        as_of=date(2021, 9, 30),
        state=state,
        note="未审核的备注XYZ",
        delay_reason="未审核的原因XYZ",
        next_steps="未审核的措施XYZ",
    )
    for endpoint in ENDPOINTS:
        for query in ("", "?plan=2021", "?as_of=2021-12-31", f"?target={target.pk}"):
            response = client.get(endpoint + query)
            text = response.content.decode()
            assert response.status_code == 200, endpoint + query
            assert "777.77" not in text and "XYZ" not in text, endpoint + query
            assert "2021-09-30" not in text, endpoint + query
    assert get_json(client, "/api/v1/reports/")["count"] == 1
    (record,) = get_json(client, "/api/v1/targets/")["results"]
    assert record["current_value"] == "12.5"


def test_an_unpublished_plan_appears_in_no_endpoint(client, approved):
    hidden = PlanFactory(year=2022, is_published=False, title="未公开的计划XYZ")
    hidden_target = TargetFactory(project__plan=hidden, name="未公开的指标XYZ")
    ReportFactory(target=hidden_target, value=Decimal("555.55"), note="未公开XYZ")
    for endpoint in ENDPOINTS:
        text = client.get(endpoint).content.decode()
        assert "XYZ" not in text and "555.55" not in text, endpoint
        assert "2022" not in text, endpoint
    assert get_json(client, f"/api/v1/reports/?target={hidden_target.pk}")["count"] == 0
    assert Plan.objects.count() == 2


def test_evidence_of_an_unapproved_report_is_never_listed(client, target, approved):
    draft = ReportFactory(target=target, value=3, state="draft")
    Evidence.objects.create(
        report=draft,
        file="evidence/y.jpg",
        kind=Evidence.Kind.IMAGE,
        content_type="image/jpeg",
        original_name="y.jpg",
        size=10,
        caption="草稿的照片XYZ",
    )
    assert "XYZ" not in client.get("/api/v1/reports/").content.decode()


# HTTP


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, plan, method):
    for endpoint in ENDPOINTS:
        response = getattr(client, method)(endpoint)
        assert response.status_code == 405, endpoint
        assert response["Allow"] == "GET, HEAD"
        assert response.json()["error"]["message_en"] == "The API is read-only: use GET."


def test_head_is_answered_like_get(client, plan):
    for endpoint in ENDPOINTS:
        response = client.head(endpoint)
        assert response.status_code == 200, endpoint
        assert response["Content-Type"] == "application/json"


def test_any_site_may_read_the_api(client, plan):
    for endpoint in ENDPOINTS:
        response = client.get(endpoint, headers={"origin": "https://example.org"})
        assert response["Access-Control-Allow-Origin"] == "*", endpoint
    error = client.get("/api/v1/reports/?page=x", headers={"origin": "https://example.org"})
    assert error["Access-Control-Allow-Origin"] == "*"  # a script can read what went wrong


# Queries


# Every request also costs the rate limit's count (projects/api/throttle.py): one upsert;
# on the first request of a window, also forgetting counters that ended a day ago. The
# first request below opens the window, so the ones measured cost the one.
LIMIT = 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # 1 the count of published plans, 2 the page of plans
        ("/api/v1/plans/", 2),
        # 1 the plan of ?plan=, 2 the count, 3 the page of projects with plan and lead
        # department, 4 their supporting departments, 5 their targets with figures, 6
        # their completion notices (公示)
        ("/api/v1/projects/?plan=2021", 6),
        # 1 the plan of ?plan=, 2 the count, 3 the page of targets with figures,
        # project and plan
        ("/api/v1/targets/?plan=2021", 3),
        # 1 the plan of ?plan=, 2 the count, 3 the page of reports with target, project,
        # plan and corrected report, 4 their evidence
        ("/api/v1/reports/?plan=2021", 4),
    ],
)
def test_a_request_costs_the_same_queries_however_much_data(
    client, plan, queries_of, django_assert_num_queries, url, expected
):
    build_plan(plan, projects=1, targets_per_project=1, reports_per_target=1)
    client.get(url)  # opens the rate limit's window
    small = queries_of(url)
    build_plan(
        PlanFactory(year=2020, period_start=date(2020, 1, 1), period_end=date(2020, 12, 31)),
        projects=6,
        targets_per_project=3,
        reports_per_target=4,
    )
    for number in range(2, 8):
        build_plan_project(plan, number)
    assert len(queries_of(url)) == len(small)
    # The queries listed above. Through queries_of, which empties the cache: the line
    # above has just kept this page, served for free.
    with django_assert_num_queries(LIMIT + expected):
        queries_of(url)
    # Without ?plan=, all published plans: the same less the plan's query.
    with django_assert_num_queries(LIMIT + (expected - 1 if "plan=" in url else expected)):
        queries_of(url.split("?")[0])


def build_plan_project(plan, number):
    """One more project of `plan` with three targets of four reports each."""
    project = ProjectFactory(plan=plan, number=number)
    for _ in range(3):
        target = TargetFactory(project=project)
        for month in range(1, 5):
            ReportFactory(target=target, value=month, as_of=date(plan.year, month, 1))
