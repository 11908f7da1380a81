"""Public pages are cached, and never stale.

Every change that can alter a public page (an approval, a correction, a change to a
plan, project, target, schedule, department or dated step) moves the content version
forward once its transaction commits (`signals.py`). Cached pages are keyed by that
version, by the day (pace is judged against today, so a page can change at midnight
with no new data), the language, the 关怀版 switch and the full URL. So the request
after an approval renders afresh, and every request before it is a cache hit.

The same key gives the ETag. Browsers revalidate every time (no-cache) and get a 304
when nothing changed. There is no Last-Modified: a date to the second cannot tell two
changes in one second apart, and the ETag is exact. The version lives in the cache,
which all server processes must share (CACHE_URL: a file or Redis cache in
production; `make serve` uses a file cache).

A cached page is kept gzipped too, so a hit costs no compression (other responses go
through GZipMiddleware). Public pages hold no secret, so compressing them once is safe
from BREACH; Django's `compress_string` pads them anyway.
"""

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from datetime import time as clock

from django.core.cache import cache
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import get_language

from .middleware import CARE_COOKIE

VERSION_KEY = "public-content-version"
# How long a rendered page is kept; the version makes it stale long before that.
PAGE_SECONDS = 24 * 3600
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def new_version():
    """A token never used before: not the time, which can stand still or go back."""
    return secrets.token_hex(8)


def content_version():
    """The token of the last change to public content. If the cache lost it, a new one
    is started now, which can only make pages fresher, never staler."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, new_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version if version is not None else new_version()  # a cache that keeps nothing


def bump():
    cache.set(VERSION_KEY, new_version(), timeout=None)


def cached_public(view):
    """Cache a public view's page by content version; answer conditional requests."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        version = content_version()
        care = request.COOKIES.get(CARE_COOKIE) == "1"
        source = (
            f"{version}|{timezone.localdate()}|{get_language()}|{care}|"
            f"{request.get_host()}|{request.get_full_path()}"  # feeds and API hold full URLs
        )
        digest = hashlib.sha256(source.encode()).hexdigest()
        gzipped = bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
        etag = f'"{digest[:32]}{"-gz" if gzipped else ""}"'  # one per representation
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            response = not_modified
        else:
            response = cache.get(f"page:{digest}")
            if response is None:
                response = view(request, *args, **kwargs)
                if response.status_code == 200 and not isinstance(response, StreamingHttpResponse):
                    if hasattr(response, "render"):
                        response.render()
                    response.gzipped_content = compress_string(response.content)
                    cache.set(f"page:{digest}", response, PAGE_SECONDS)
            if gzipped and getattr(response, "gzipped_content", None) is not None:
                response.content = response.gzipped_content
                response["Content-Encoding"] = "gzip"
            patch_vary_headers(response, ["Accept-Encoding"])
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"  # always revalidate: a 304 is cheap
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapped


def seconds_to_midnight():
    now = timezone.localtime()
    tomorrow = datetime.combine(now.date() + timedelta(days=1), clock(), tzinfo=now.tzinfo)
    return int((tomorrow - now).total_seconds())
