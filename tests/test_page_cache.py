"""The page cache (projects/web/freshness.py) answers a public page the way the whole stack
did, to the same visitors only, within its memory, and never from a cache it cannot
read; a deployment whose cache is per-process is refused."""

from datetime import date

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from projects.web import freshness
from yicheng.settings import env_cache

from .factories import ReportFactory, TargetFactory, UserFactory

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture
def road(plan):
    target = TargetFactory(project__plan=plan, project__number=11, unit="公里", target_value=40)
    ReportFactory(target=target, value=10, as_of=date(2021, 3, 31))
    return target


def without(headers, *names):
    return {k: v for k, v in headers.items() if k not in names}


@pytest.mark.parametrize("url", ["/", "/plans/2021/projects/11/", "/api/v1/targets/"])
def test_a_page_from_memory_carries_every_header_the_stack_gave_it(
    client, road, url, django_assert_num_queries
):
    origin = {"HTTP_ORIGIN": "https://data.example.org"}
    first = client.get(url, **origin)
    # An API request is counted for its rate limit (projects/api/throttle.py), cached or not.
    with django_assert_num_queries(1 if url.startswith("/api/") else 0):
        again = client.get(url, **origin)
    assert again.content == first.content
    assert without(again.headers, "Date") == without(first.headers, "Date")
    assert "Content-Security-Policy" in again.headers
    assert again.headers["X-Frame-Options"] == "DENY"
    assert again.headers["Content-Language"] == "zh-hans"
    if url.startswith("/api/"):
        assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get(url).headers  # no Origin, none


def test_a_page_is_kept_per_language_and_care_mode(client, road):
    chinese = client.get("/").content
    client.cookies["django_language"] = "en"
    english = client.get("/").content
    client.cookies["care"] = "1"
    care = client.get("/").content
    assert b'lang="en"' in english and b'class="care"' in care
    assert len({chinese, english, care}) == 3
    del client.cookies["django_language"], client.cookies["care"]
    assert client.get("/").content == chinese


def test_a_page_that_set_a_cookie_or_read_the_session_is_not_kept(rf, road, settings):
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("x")
        response.public_page = True
        return response

    request = rf.get("/")
    request.session = SessionStore()
    assert freshness.keepable(request, view(request))
    with_cookie = view(request)
    with_cookie.set_cookie("seen", "1")
    assert not freshness.keepable(request, with_cookie)
    request.session.get("anything")
    assert not freshness.keepable(request, view(request))


def test_memory_keeps_at_most_its_limit_dropping_the_longest_kept():
    memory = freshness.Memory(limit=250)
    day = date(2026, 11, 26)
    for n in range(4):
        memory.put(f"page-{n}", freshness.Page("v", day, "t", (), b"x" * 50, b"y" * 50))
    assert list(memory.pages) == ["page-2", "page-3"] and memory.size == 200
    memory.put("page-2", freshness.Page("v", day, "t", (), b"", b""))
    assert memory.size == 100


def test_without_a_reachable_cache_pages_are_rendered_fresh(client, road, settings):
    client.get("/")  # kept in memory under the working cache's version
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:1/0"}}
    # what an approval writes, without the signal that would fail
    type(road).objects.filter(pk=road.pk).update(latest_value=30)
    response = client.get("/")
    assert response.status_code == 200
    assert "30 / 40 公里（75%）" in response.content.decode()


def test_no_approval_is_made_while_the_cache_cannot_be_told(road, settings):
    """An approval that could not move the version would leave pages stale once the
    cache is back: it is refused instead, and the reviewer tries again."""
    report = ReportFactory(target=road, value=20, as_of=date(2021, 6, 30), state="submitted")
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:1/0"}}
    with pytest.raises(Exception, match=r"[Cc]onnect"):
        report.approve(UserFactory(username="checker"))
    report.refresh_from_db()
    assert report.state == "submitted"
    road.refresh_from_db()
    assert road.latest_value == 10


def deploy_errors():
    """The deployment checks' errors (they read the database: no demo account may sign
    in, so a test calling them needs `db`)."""
    checks = run_checks(include_deployment_checks=True)
    return [e.id for e in checks if e.id.startswith("yicheng.E")]


def test_a_per_process_cache_fails_the_deployment_check(db, settings):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": LOCMEM, "LOCATION": "x"}}
    assert deploy_errors() == ["yicheng.E001"]
    settings.DEBUG = True  # runserver: one process
    assert deploy_errors() == []
    settings.DEBUG = False
    settings.CACHES = {"default": env_cache("NO_SUCH_VARIABLE", "unix:///run/redis.sock")}
    assert deploy_errors() == []


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("file:///srv/yicheng/cache", "filebased.FileBasedCache", "/srv/yicheng/cache"),
        ("redis://10.0.0.5:6379/1", "redis.RedisCache", "redis://10.0.0.5:6379/1"),
        ("unix:///run/redis/redis.sock", "redis.RedisCache", "unix:///run/redis/redis.sock"),
    ],
)
def test_cache_url_names_the_backend(monkeypatch, url, backend, location):
    monkeypatch.setenv("CACHE_URL", url)
    assert env_cache("CACHE_URL", "file:///x") == {
        "BACKEND": f"django.core.cache.backends.{backend}",
        "LOCATION": location,
    }


@pytest.mark.parametrize("url", ["file://var/cache", "memcached://127.0.0.1", "redis"])
def test_a_cache_url_that_cannot_be_used_stops_the_start(monkeypatch, url):
    monkeypatch.setenv("CACHE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must be one of"):
        env_cache("CACHE_URL", "file:///x")


# The content version beside the file cache


def test_a_version_one_process_writes_is_what_another_reads_next(tmp_path):
    mine, theirs = freshness.VersionFile(tmp_path), freshness.VersionFile(tmp_path)
    first = mine.read()
    assert theirs.read() == first
    theirs.write("0123456789abcdef")
    assert mine.read() == "0123456789abcdef"


def test_an_emptied_cache_folder_starts_a_version_every_process_then_reads(tmp_path):
    mine, theirs = freshness.VersionFile(tmp_path), freshness.VersionFile(tmp_path)
    old = mine.read()
    theirs.read()
    (tmp_path / "content-version").unlink()
    new = theirs.read()
    assert new != old
    assert mine.read() == new  # not the old file it still has mapped
    mine.write("fedcba9876543210")
    assert theirs.read() == "fedcba9876543210"


def test_the_day_a_page_is_kept_for_turns_at_midnight_in_shanghai(clock):
    from datetime import UTC, datetime

    clock.move_to(datetime(2026, 11, 26, 15, 59, 59, 900000, tzinfo=UTC), tick=False)
    assert freshness.today() == date(2026, 11, 26)
    clock.move_to(datetime(2026, 11, 26, 16, 0, 0, 100, tzinfo=UTC), tick=False)
    assert freshness.today() == date(2026, 11, 27)
    clock.move_to(datetime(2026, 11, 26, 15, 0, tzinfo=UTC), tick=False)  # back
    assert freshness.today() == date(2026, 11, 26)
