"""Absolute URLs name the configured site address (SITE_URL), whatever Host or port a
request came with (yicheng/siteurl.py); without it, the request's own address."""

import pytest
from django.core.checks import run_checks

from .conftest import NOW
from .factories import ReportFactory, TargetFactory

SITE = "https://jd.example.gov.cn"


@pytest.fixture
def road(plan):
    target = TargetFactory(project__plan=plan, project__number=11, target_value=40)
    ReportFactory(target=target, value=10)
    return target


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["jd.example.gov.cn", "127.0.0.1"]


@pytest.mark.parametrize(
    "url", ["/", "/plans/2021/feed/", "/api/v1/targets/?page_size=1", "/plans/2021/projects/11/"]
)
def test_a_request_to_another_host_or_port_writes_the_site_address(client, road, site, url):
    body = client.get(url, HTTP_HOST="127.0.0.1:8443").content.decode()
    assert SITE.removeprefix("https://") in body
    assert "127.0.0.1" not in body
    assert "http://jd" not in body


def test_a_host_outside_the_allowed_ones_is_still_refused(client, road, site):
    assert client.get("/", HTTP_HOST="evil.example.com").status_code == 400


def test_without_a_site_address_the_request_address_is_used(client, road, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    body = client.get("/plans/2021/feed/", HTTP_HOST="127.0.0.1:8443").content.decode()
    assert "http://127.0.0.1:8443/" in body


def test_production_without_a_site_address_is_warned(db, settings):
    settings.DEBUG = False
    ids = [c.id for c in run_checks(include_deployment_checks=True)]
    assert "yicheng.W002" in ids
    settings.SITE_URL = SITE
    assert "yicheng.W002" not in [c.id for c in run_checks(include_deployment_checks=True)]


@pytest.mark.parametrize(
    "url",
    [
        "/plans/2021/feed/",
        "/plans/2021/projects/11/feed/",
        "/api/v1/targets/",
        "/api/v1/reports/",
        "/data/2021/datapackage.json",
        "/data/2021/targets.csv",
    ],
)
def test_a_record_has_the_same_id_whichever_host_name_reached_it(
    client, road, site, settings, clock, url
):
    from django.core.cache import cache

    from projects.web import freshness

    settings.ALLOWED_HOSTS = ["jd.example.gov.cn", "tracker.zmd.internal", "127.0.0.1"]
    clock.move_to(NOW, tick=False)  # a live package says when it was built
    answers = []
    for host in ("tracker.zmd.internal", "127.0.0.1:8443"):
        cache.clear()  # each rendered afresh, not one served from the other's cache
        freshness.memory.clear()
        answers.append(client.get(url, HTTP_HOST=host).content)
    assert answers[0] == answers[1]
    assert b"jd.example.gov.cn" in answers[0]
