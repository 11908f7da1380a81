"""Cached pages are never stale: the request after an approval shows it. Browsers
revalidate and get a 304 when nothing changed."""

import gzip
from datetime import date
from decimal import Decimal

import pytest

from projects.models import ProgressReport
from projects.rules import roles

from .conftest import make_official
from .factories import DepartmentFactory, ReportFactory, TargetFactory

# Real commits, so that the after-commit bump runs as in production.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.any_hour,
]

CACHED_PAGES = [
    "/",
    "/plans/2021/",
    "/plans/2021/projects/11/",
    "/plans/2021/departments/",
    "/plans/2021/?as_of=2021-12-31",
    "/plans/2021/bulletins/2021-12/",
]


@pytest.fixture
def road(plan):
    department = DepartmentFactory(name="区交通运输局")
    target = TargetFactory(
        project__plan=plan,
        project__number=11,
        project__lead_department=department,
        unit="公里",
        target_value=40,
    )
    ReportFactory(target=target, value=10, as_of=date(2021, 3, 31))
    return target


def submitted(road, value):
    reporter = make_official(f"clerk{value}", roles.REPORTER, road.project.lead_department)
    report = ReportFactory(
        target=road,
        value=value,
        as_of=date(2021, 11, 30),
        state="submitted",
        created_by=reporter,
        submitted_by=reporter,
        delay_reason="测试",
        next_steps="测试",
    )
    return report


@pytest.mark.parametrize("url", CACHED_PAGES)
def test_an_approval_shows_on_the_very_next_request(client, road, url):
    assert "25%" in client.get(url).content.decode()  # 10 of 40, now cached
    report = submitted(road, 36)
    assert "25%" in client.get(url).content.decode()  # still waiting for review
    report.approve(make_official("checker", roles.REVIEWER))
    html = client.get(url).content.decode()
    assert "90%" in html and "25%" not in html


# Cached too, and they show figures rather than percents.
CACHED_FIGURES = [
    "/plans/2021/updates/",
    "/plans/2021/feed/",
    "/plans/2021/projects/11/feed/",
    "/api/v1/targets/?plan=2021",
    "/api/v1/reports/",
]


@pytest.mark.parametrize("url", CACHED_FIGURES)
def test_feeds_and_api_show_an_approval_on_the_very_next_request(
    client, road, url, django_assert_num_queries
):
    client.get(url)
    # An API request is counted for its rate limit (projects/api/throttle.py), cached or not.
    with django_assert_num_queries(1 if url.startswith("/api/") else 0):
        assert "37.25" not in client.get(url).content.decode()  # from the cache
    report = submitted(road, Decimal("37.25"))
    assert "37.25" not in client.get(url).content.decode()  # still waiting for review
    report.approve(make_official("checker", roles.REVIEWER))
    assert "37.25" in client.get(url).content.decode()


def test_a_cached_page_costs_no_query(client, road, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(0):
        assert "25%" in client.get("/").content.decode()


def test_drafts_do_not_empty_the_cache(client, road, django_assert_num_queries):
    client.get("/")
    ReportFactory(target=road, value=39, as_of=date(2021, 12, 1), state="draft")
    with django_assert_num_queries(0):
        client.get("/")


def test_a_correction_shows_on_the_next_request(client, road):
    client.get("/plans/2021/projects/11/")
    report = submitted(road, 8)
    report.note = "重复计算"
    report.save()
    report.approve(make_official("checker", roles.REVIEWER))
    html = client.get("/plans/2021/projects/11/").content.decode()
    assert "<strong>8</strong>" in html and "修订记录" in html and "重复计算" in html


def test_a_changed_target_shows_on_the_next_request(client, road):
    client.get("/")
    road.target_value = 20
    road.save()
    assert "10 / 20 公里（50%）" in client.get("/").content.decode()


def test_unchanged_pages_answer_conditional_requests_with_304(client, road):
    first = client.get("/plans/2021/")
    assert first["Cache-Control"] == "no-cache"
    etag = first["ETag"]
    again = client.get("/plans/2021/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""

    submitted(road, 30).approve(make_official("checker", roles.REVIEWER))
    changed = client.get("/plans/2021/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_each_language_and_care_mode_has_its_own_page(client, road):
    assert '<html lang="zh-Hans">' in client.get("/").content.decode()
    client.get("/language/en/")
    assert '<html lang="en">' in client.get("/").content.decode()
    client.get("/care/on/")
    assert '<body class="care">' in client.get("/").content.decode()


def test_pending_reports_are_never_cached_as_public(client, road):
    submitted(road, 36)
    assert "90%" not in client.get("/").content.decode()
    assert ProgressReport.objects.approved().count() == 1


def test_a_cached_page_is_sent_gzipped_to_those_who_accept_it(client, road):
    plain = client.get("/")
    first = client.get("/", HTTP_ACCEPT_ENCODING="gzip, br")
    again = client.get("/", HTTP_ACCEPT_ENCODING="gzip")  # from the cache
    for response in (first, again):
        assert response["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.content) == plain.content
        assert "Accept-Encoding" in response["Vary"]
    assert first["ETag"] != plain["ETag"]  # two representations, two tags
    assert "Content-Encoding" not in plain
    revalidated = client.get("/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304
