"""The client's address comes only from what the deployment's own proxies wrote
(yicheng/clientaddr.py), so the login lockout can neither be aimed at an official
from elsewhere nor dodged by sending a header."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from yicheng.clientaddr import client_address, limited_address

from .factories import UserFactory

LOGIN = reverse("admin:login")
GATEWAY = "10.0.0.2"  # the district's gateway, as gunicorn sees it
PASSWORD = "a-long-test-passphrase"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "127.0.0.1"),
        (0, "203.0.113.9", "127.0.0.1"),  # no proxy: the header is the client's own
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # left of it: written by the client
        (1, "1.2.3.4,203.0.113.9 ", "203.0.113.9"),
        (2, "1.2.3.4, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (1, "", "127.0.0.1"),  # did not come through the proxy
        (2, "203.0.113.9", "127.0.0.1"),
        (1, "not-an-address", "127.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_entry_the_nearest_trusted_proxy_wrote(
    settings, proxies, forwarded, expected
):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@pytest.fixture
def official(db):
    return UserFactory(username="wang", is_staff=True, password=PASSWORD)


def through_gateway(client, address, password, forged=""):
    """A login as the gateway passes it on: what the client sent in X-Forwarded-For,
    then the address the gateway saw."""
    forwarded = f"{forged}, {address}" if forged else address
    return client.post(
        LOGIN,
        {"username": "wang", "password": password, "next": "/admin/"},
        REMOTE_ADDR=GATEWAY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_a_stranger_cannot_lock_an_official_out_from_elsewhere(settings, official):
    settings.PROXY_COUNT = 1
    stranger = Client()
    answers = [through_gateway(stranger, "203.0.113.66", "wrong").status_code for _ in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]
    assert through_gateway(Client(), "198.51.100.7", PASSWORD).status_code == 302


def test_a_forged_header_does_not_buy_more_guesses(settings, official):
    settings.PROXY_COUNT = 1
    guesser = Client()
    answers = [
        through_gateway(guesser, "203.0.113.66", "wrong", forged=f"192.0.2.{n}").status_code
        for n in range(6)
    ]
    assert answers[4:] == [429, 429]
    right = through_gateway(guesser, "203.0.113.66", PASSWORD, forged="192.0.2.99")
    assert right.status_code == 429


def test_without_a_proxy_a_locked_client_cannot_get_in_by_sending_the_header(settings, official):
    settings.PROXY_COUNT = 0
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "wang", "password": "wrong"}, REMOTE_ADDR="203.0.113.66")
    answer = client.post(
        LOGIN,
        {"username": "wang", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.66",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert answer.status_code == 429


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),  # IPv4: the address itself
        ("2001:db8:1:2::1", "2001:db8:1:2::"),  # IPv6: its /64
        ("2001:db8:1:2:ffff:ffff:ffff:30", "2001:db8:1:2::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::"),  # the next /64 is another network
        ("::ffff:203.0.113.9", "203.0.113.9"),  # IPv4 written as IPv6
        ("", ""),
    ],
)
def test_the_limits_count_an_ipv6_client_by_its_64(settings, address, expected):
    settings.PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    assert limited_address(request) == expected


def test_guesses_from_one_64_are_stopped_as_from_one_address(settings, official):
    settings.PROXY_COUNT = 1
    settings.LOGIN_ADDRESS_FAILURES = 3
    for n in range(1, 4):  # three addresses of one home connection
        guess = Client().post(
            LOGIN,
            {"username": f"someone{n}", "password": "wrong"},
            REMOTE_ADDR=GATEWAY,
            HTTP_X_FORWARDED_FOR=f"2001:db8:1:2::{n}",
        )
        assert guess.status_code == 200
    assert through_gateway(Client(), "2001:db8:1:2::99", PASSWORD).status_code == 429
    assert through_gateway(Client(), "2001:db8:1:3::1", PASSWORD).status_code == 302
