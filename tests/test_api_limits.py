"""The API's rate limit (projects/api/throttle.py): a client within it never notices; one
past it gets a 429 in Chinese and English with Retry-After, to the second, until the
next window; cached answers count too; each client address counts apart."""

from datetime import UTC, datetime

import pytest
from django.test import Client

LIMIT = 5
WINDOW = 60


@pytest.fixture
def limited(settings, counted_in, plan):
    settings.API_RATE_LIMIT = LIMIT
    settings.API_RATE_WINDOW = WINDOW


def get(url="/api/v1/plans/", address="203.0.113.7", **headers):
    return Client().get(url, REMOTE_ADDR=address, headers=headers)


def test_a_client_within_the_limit_never_notices(limited, clock):
    clock.move_to(datetime(2026, 11, 25, 20, 0, 0, tzinfo=UTC), tick=False)
    urls = ["/api/v1/plans/", "/api/v1/projects/", "/api/v1/openapi.json", "/api/v1/reports/"]
    for number in range(LIMIT):
        assert get(urls[number % len(urls)]).status_code == 200
    clock.move_to(datetime(2026, 11, 25, 20, 1, 0, tzinfo=UTC), tick=False)  # the next window
    for _ in range(LIMIT):
        assert get().status_code == 200


def test_a_client_past_the_limit_is_told_when_to_come_back(limited, clock):
    clock.move_to(datetime(2026, 11, 25, 20, 0, 15, tzinfo=UTC), tick=False)
    for _ in range(LIMIT):
        assert get().status_code == 200  # the same URL: the page cache's answers count too
    refused = get(origin="https://example.org")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"  # the window ends at 20:01:00
    assert refused["Content-Type"] == "application/json"
    assert refused["Access-Control-Allow-Origin"] == "*"  # a script elsewhere can read it
    error = refused.json()["error"]
    assert error["parameter"] is None
    assert error["message"] == "请求过于频繁，请在 45 秒后再试。"
    assert error["message_en"] == "Too many requests: try again in 45 seconds."
    assert get("/api/v1/reports/?plan=2021").status_code == 429  # any API URL
    assert get("/data/").status_code == 200  # the pages are not the API
    clock.move_to(datetime(2026, 11, 25, 20, 1, 0, tzinfo=UTC), tick=False)
    assert get().status_code == 200


def test_each_client_address_counts_apart(limited, clock, settings):
    clock.move_to(datetime(2026, 11, 25, 20, 0, 0, tzinfo=UTC), tick=False)
    for _ in range(LIMIT + 1):
        get(address="203.0.113.7")
    assert get(address="203.0.113.7").status_code == 429
    assert get(address="203.0.113.8").status_code == 200
    # Behind the one proxy of a deployment, the address it saw, not the one a client wrote.
    settings.PROXY_COUNT = 1
    forged = {"x_forwarded_for": "198.51.100.1, 203.0.113.7"}
    assert get(address="127.0.0.1", **forged).status_code == 429
    assert get(address="127.0.0.1", x_forwarded_for="203.0.113.9").status_code == 200


def test_the_addresses_of_one_ipv6_64_share_one_limit(limited, clock):
    clock.move_to(datetime(2026, 11, 25, 20, 0, 15, tzinfo=UTC), tick=False)
    for n in range(1, LIMIT + 1):
        assert get(address=f"2001:db8:1:2::{n}").status_code == 200
    assert get(address="2001:db8:1:2::99").status_code == 429
    assert get(address="2001:db8:1:3::1").status_code == 200  # the next /64: another client
