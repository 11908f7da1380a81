"""Guessing officials' passwords is limited beyond one user name from one address
(projects/web/logins.py): many user names from one address are stopped, one user name
from many addresses is slowed but never locked. The counters are shared by every
process, in the database or in Redis (projects/web/counters.py)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from projects.web import counters

from .conftest import redis_url
from .factories import UserFactory
from .waiting import wait_until

LOGIN = reverse("admin:login")
PASSWORD = "a-long-test-passphrase"
REDIS = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture
def officials(db):
    return [
        UserFactory(username=f"official{n}", is_staff=True, password=PASSWORD) for n in range(3)
    ]


def login(username, password, address, client=None):
    return (client or Client()).post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_one_address_guessing_many_user_names_is_stopped_for_the_hour(
    counted_in, officials, settings, clock
):
    settings.LOGIN_ADDRESS_FAILURES = 6
    names = [f"someone{n}" for n in range(6)]
    assert [login(name, "wrong", "203.0.113.66").status_code for name in names] == [200] * 6
    refused = login("official0", PASSWORD, "203.0.113.66")
    assert refused.status_code == 429
    assert "本小时内暂停登录" in refused.content.decode()
    assert login("official0", PASSWORD, "198.51.100.7").status_code == 302  # elsewhere
    if counted_in == "Redis":  # Redis keeps its own time: the window closes in an hour
        import redis

        key = ":1:counter:login-failures-address:203.0.113.66"
        assert 3590 < redis.Redis.from_url(redis_url()).ttl(key) <= 3600
        return
    clock.shift(timedelta(hours=1, seconds=1))
    assert login("official0", PASSWORD, "203.0.113.66").status_code == 302


def test_one_user_name_guessed_from_many_addresses_is_slowed_not_locked(
    counted_in, officials, settings, clock
):
    settings.LOGIN_USER_FAILURES = 4
    settings.LOGIN_USER_WAIT = 30
    for n in range(4):
        assert login("official1", "wrong", f"192.0.2.{n}").status_code == 200
    slowed = login("official1", "wrong", "192.0.2.200")
    assert slowed.status_code == 429
    assert "秒后再试" in slowed.content.decode()
    assert "驿城区民生实事进度管理" in slowed.content.decode()  # the admin's own header
    # The official, a moment later, from the office: waits, never locked out.
    assert login("official1", PASSWORD, "198.51.100.7").status_code == 429
    clock.shift(timedelta(seconds=31))
    assert login("official1", PASSWORD, "198.51.100.7").status_code == 302


def test_an_official_trying_again_and_again_while_slowed_is_let_in_after_the_wait(
    officials, settings, clock
):
    """django-axes locks a user name at one address for an hour after AXES_FAILURE_LIMIT
    failures: the tries the wait refuses must not count there, or an official pressing
    登录 a few times while slowed would be locked out for the hour."""
    from axes.models import AccessAttempt

    settings.LOGIN_USER_FAILURES = 4
    settings.LOGIN_USER_WAIT = 30
    for n in range(4):
        login("official1", "wrong", f"192.0.2.{n}")
    tries = settings.AXES_FAILURE_LIMIT + 1
    office = [login("official1", PASSWORD, "198.51.100.7").status_code for _ in range(tries)]
    assert office == [429] * tries
    assert not AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()
    clock.shift(timedelta(seconds=31))
    assert login("official1", PASSWORD, "198.51.100.7").status_code == 302


def test_a_refused_try_is_not_counted_as_a_guess(counted_in, officials, settings, clock):
    settings.LOGIN_USER_FAILURES = 2
    for n in range(2):
        login("official2", "wrong", f"192.0.2.{n}")
    for _ in range(5):
        assert login("official2", "wrong", "192.0.2.9").status_code == 429
    assert counters.peek("login-failures-user:official2").hits == 2
    assert counters.peek("login-failures-address:192.0.2.9").hits == 0


def test_a_counter_counts_within_its_window_and_starts_again_after(counted_in, db, clock):
    assert counters.peek("k").hits == 0
    assert [counters.hit("k", 1).hits for _ in range(3)] == [1, 2, 3]
    assert counters.peek("k").hits == 3
    clock.shift(timedelta(seconds=1))  # the database's window ends by the product's clock,
    if counted_in == "Redis":  # Redis's by its own: 1 s after the first hit, a little more
        wait_until(lambda: counters.peek("k").hits == 0, "Redis to end the 1 s window", 1.5)
    assert counters.peek("k").hits == 0
    assert counters.hit("k", 1).hits == 1


def test_a_hit_whose_clock_read_before_the_row_was_made_is_not_lost(db, clock):
    # Two processes count the same new key: one reads the clock, the other reads it a
    # moment later, makes the row and is overtaken before it counts.
    earlier = clock.now()
    counters.add_row("k", earlier + timedelta(seconds=1))
    clock.move_to(earlier)
    assert counters.hit("k", 3600).hits == 1
    clock.move_to(earlier + timedelta(seconds=1))
    assert counters.hit("k", 3600).hits == 2


def test_a_user_name_longer_than_any_account_is_refused_as_a_wrong_password(db):
    """Axes records the name it was given; 60 KB of it used to be a 500 on PostgreSQL."""
    response = login("a" * 60_000, "wrong", "203.0.113.5")
    assert response.status_code == 200
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get().username == "a" * 150
