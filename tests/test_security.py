"""What an attacker meets: throttled logins, strict headers, files that never run."""

import pytest
from django.urls import reverse

from .factories import UserFactory

LOGIN = reverse("admin:login")


@pytest.fixture
def official(db):
    return UserFactory(username="wang", is_staff=True, password="a-long-test-passphrase")


def attempt(client, password):
    return client.post(LOGIN, {"username": "wang", "password": password, "next": "/admin/"})


def test_five_wrong_passwords_lock_the_account_on_that_address(client, official):
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200
    assert attempt(client, "wrong").status_code == 429  # the fifth failure locks
    locked = attempt(client, "a-long-test-passphrase")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_before_the_limit_resets_the_count(client, official):
    for _ in range(3):
        attempt(client, "wrong")
    assert attempt(client, "a-long-test-passphrase").status_code == 302
    client.logout()
    for _ in range(3):
        attempt(client, "wrong")
    assert attempt(client, "a-long-test-passphrase").status_code == 302


def test_public_pages_send_a_strict_content_security_policy(client, plan):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_public_pages_set_no_cookie(client, plan):
    assert not client.get("/").cookies
    assert not client.get("/plans/2021/").cookies


def test_forms_are_protected_against_cross_site_posts(db, official):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN, {"username": "wang", "password": "a-long-test-passphrase"})
    assert response.status_code == 403


def test_the_health_check_answers_without_detail(client, db):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")
