"""Limits on guessing officials' passwords, on top of django-axes' lock of one user name
from one address (settings AXES_*):

- one address may fail LOGIN_ADDRESS_FAILURES times an hour across every user name,
  then it may not try again within that hour (guessing many accounts from one place);
- a user name that failed LOGIN_USER_FAILURES times an hour from anywhere is slowed,
  not locked: each further try must wait LOGIN_USER_WAIT seconds after the last
  failure (guessing one account from many places), so a stranger cannot lock the
  official out, and the official waits at most that long.

Counted in projects/web/counters.py, shared by every process.
"""

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from projects.rules import clock
from projects.web import counters
from yicheng.clientaddr import limited_address

HOUR = 3600


def username(request, credentials=None):
    """The user name a login tried, as an account can have it (at most 150 characters):
    what django-axes records (AXES_USERNAME_CALLABLE) and what the limits count. A
    longer one, which no account has, would not fit axes' column on PostgreSQL."""
    given = (credentials or {}).get("username")
    if given is None:
        given = request.POST.get("username", "") if request is not None else ""
    return str(given).strip()[:150]


def address_key(request):
    return f"login-failures-address:{limited_address(request)}"


def user_key(name):
    return f"login-failures-user:{(name or '').strip().lower()[:150]}"


def seconds_to_wait(request, name):
    """0 if this login may be tried now, else how many seconds until it may (None for
    the rest of the hour)."""
    if counters.peek(address_key(request)).hits >= settings.LOGIN_ADDRESS_FAILURES:
        return None
    failures = counters.peek(user_key(name))
    if failures.hits >= settings.LOGIN_USER_FAILURES and failures.last_at:
        waited = (clock.now() - failures.last_at).total_seconds()
        if waited < settings.LOGIN_USER_WAIT:
            return max(1, round(settings.LOGIN_USER_WAIT - waited))
    return 0


class LoginLimitsBackend:
    """Before ModelBackend in AUTHENTICATION_BACKENDS: refuses a try the limits above
    forbid before any password is checked; otherwise lets the next backends decide.
    It logs nobody in, so it has no get_user."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        wait = seconds_to_wait(request, username)
        if wait == 0:
            return None
        request.login_wait = wait
        # django-axes then answers with its lockout page (`refused` below) and records
        # no failure: a refused try is not a guess.
        request.axes_locked_out = True
        raise PermissionDenied


def count_failure(sender, credentials, request=None, **kwargs):
    if request is None or getattr(request, "axes_locked_out", False):
        return  # refused (by axes or the limits) before any password was checked
    counters.hit(address_key(request), HOUR)
    counters.hit(user_key(credentials.get("username")), HOUR)


def connect():
    user_login_failed.connect(count_failure, dispatch_uid="count-login-failures")


def refused(request, original_response=None, credentials=None):
    """The answer to a login refused by axes' lock or by the limits above (429)."""
    from django.contrib import admin

    context = {**admin.site.each_context(request), "wait": getattr(request, "login_wait", 0)}
    return render(request, "admin/locked_out.html", context, status=429)
