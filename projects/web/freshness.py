"""Public pages are cached, and never stale: an approved figure shows on the very next
request, whichever process or machine answers it.

The content version. Every change that can alter a public page (an approval, a
correction, a change to a plan, its rules, a project, target, schedule, department or
dated step) replaces the version with a new random token (`signals.py`: at once, and
again once its transaction commits). Every server process shares it: with the file
cache (the default, one machine) it is a file in the cache's folder that each process
maps into memory (`VersionFile`), so checking it costs less than serving a static
file; with Redis (several machines, CACHE_URL) it is a key there. `checks.py`
refuses a per-process cache in production.

A page is kept under its request (`page_key`: host, scheme, path and query, the
language and 关怀版 cookies, the Origin header) with the version and the day it was
rendered for (pace is judged against today in Asia/Shanghai, so a page can change at
midnight with no new data). It is served only while both are still current.

Two layers. `PageCacheMiddleware`, right after the security and static-file
middleware (before compression), answers from this process's memory: one read of the
shared version, no database, no view, no template, with the headers the rest of the
stack gave the page (CSP, language, CORS, Vary). On a miss the view's `cached_public`
looks in the shared cache (a page another process rendered for the same version and
day) before rendering; the middleware then keeps what it gets in memory and in the
shared cache.

Each page is kept plain and gzipped (compressed once; public pages hold no secret, so
BREACH has nothing to find, and Django's `compress_string` pads them anyway). The
ETag names the request, version, day and representation: browsers revalidate every
time (no-cache) and get a 304 when nothing changed. There is no Last-Modified: a date
to the second cannot tell two changes in one second apart, and the ETag is exact.
"""

import datetime
import functools
import gzip
import hashlib
import logging
import mmap
import os
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.text import compress_string

from projects.rules import clock
from projects.web.context_processors import CARE_COOKIE

logger = logging.getLogger(__name__)

VERSION_KEY = "public-content-version"
# How long the shared cache keeps a page; the version makes it stale long before that.
PAGE_SECONDS = 24 * 3600
# Memory a process gives its own copies of pages, the longest kept going first.
MEMORY_BYTES = 32 * 1024 * 1024
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Headers not kept with a page: set anew for each answer, or never on a public page.
NOT_KEPT = {"content-length", "content-encoding", "date", "set-cookie", "etag"}


def new_version():
    """A token never used before: not the time, which can stand still or go back."""
    return secrets.token_hex(8)


FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"


class VersionFile:
    """The content version in a file of the file cache's folder, mapped into the memory
    of every process that reads it (MAP_SHARED): a read is one `stat` (is it still the
    same file?) and a memory read, not a file opened and unpickled, and what any process
    writes is what every other process reads next. One machine, as the file cache."""

    SIZE = 16  # new_version()'s 16 hex digits

    def __init__(self, folder):
        self.path = os.path.join(folder, "content-version")
        self.inode = self.map = None
        self.lock = threading.Lock()

    def mapped(self):
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:  # the folder was emptied: start a new version
            inode = None
        # Our mapping keeps the old file's inode in use, so a new file never reuses it.
        if inode is None or inode != self.inode:
            with self.lock:
                self.open()
        return self.map

    def open(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < self.SIZE:  # new: any token not used before
                os.pwrite(fd, new_version().encode(), 0)
            self.map = mmap.mmap(fd, self.SIZE)
            self.inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)

    def read(self):
        # A read torn by a write in between is a token no page carries: a miss, never
        # a stale hit.
        return self.mapped()[: self.SIZE].decode("ascii", "replace")

    def write(self, version):
        self.mapped()[: self.SIZE] = version.encode()


version_files = {}


def version_file():
    """The VersionFile of the file cache in use, or None when the cache is another kind
    (Redis: the version is a key every machine reads)."""
    settings_dict = settings.CACHES["default"]
    if settings_dict["BACKEND"] != FILE_CACHE:
        return None
    folder = settings_dict["LOCATION"]
    if folder not in version_files:
        version_files[folder] = VersionFile(folder)
    return version_files[folder]


def content_version():
    """The token of the last change to public content. If the cache lost it, a new one
    is started now, which can only make pages fresher, never staler."""
    file = version_file()
    if file is not None:
        return file.read()
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, new_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version if version is not None else new_version()  # a cache that keeps nothing


def current_version():
    """`content_version()`, or None when the cache cannot be reached: then nothing is
    served from a cache or kept in one, and every page is rendered afresh."""
    try:
        return content_version()
    except Exception:  # any cache failure: fresh pages are always right, only slower
        logger.warning("page cache unreachable: rendering without it", exc_info=True)
        return None


def shared(operation, *args):
    """A page read from or kept in the shared cache; a cache that fails between the
    version and the page costs a render, never an error page."""
    try:
        return operation(*args)
    except Exception:
        logger.warning("page cache unreachable: page not shared", exc_info=True)
        return None


def bump():
    file = version_file()
    if file is not None:
        file.write(new_version())
    else:
        cache.set(VERSION_KEY, new_version(), timeout=None)


class Today:
    """Today in Asia/Shanghai, worked out again only when the clock leaves the day (a
    page is kept for the day it was rendered for). One tuple, replaced whole, so that
    a worker's threads never see half of a new day."""

    def __init__(self):
        self.known = (None, 0.0, 0.0)  # the day, its first and its next midnight

    def __call__(self):
        day, start, end = self.known
        now = clock.seconds()
        if not start <= now < end:
            day = clock.today()
            zone = timezone.get_current_timezone()
            midnight = datetime.datetime.combine(day, datetime.time(), zone)
            next_midnight = midnight + datetime.timedelta(days=1)
            self.known = (day, midnight.timestamp(), next_midnight.timestamp())
        return day


today = Today()


def page_key(request):
    """Everything a public page's bytes depend on, read from the request as it came."""
    meta, cookies = request.META, request.COOKIES
    return "|".join(
        (
            request.scheme,
            meta.get("HTTP_HOST", ""),  # feeds and the API hold absolute URLs
            request.path,
            meta.get("QUERY_STRING", ""),
            cookies.get(settings.LANGUAGE_COOKIE_NAME, ""),
            cookies.get(CARE_COOKIE, ""),
            meta.get("HTTP_ORIGIN", ""),  # CORS headers on the API
        )
    )


@dataclass(frozen=True)
class Page:
    """A rendered public page, as the stack below the middleware answered it."""

    version: str
    day: object
    tag: str
    headers: dict
    body: bytes
    gzipped: bytes

    @classmethod
    def from_response(cls, key, version, day, response):
        """The page of `response`, with the headers every answer of it carries (those of
        the stack, and Cache-Control and Vary for the cache), worked out once."""
        if response.get("Content-Encoding") == "gzip":  # GZipMiddleware, for this visitor
            gzipped = response.content
            body = gzip.decompress(gzipped)
        else:
            body = response.content
            gzipped = compress_string(body)
        tag = hashlib.sha256(f"{key}|{version}|{day}".encode()).hexdigest()[:32]
        kept = HttpResponse(
            headers={k: v for k, v in response.items() if k.lower() not in NOT_KEPT}
        )
        kept.headers["Cache-Control"] = "no-cache"  # always revalidate: a 304 is cheap
        patch_vary_headers(kept, ["Accept-Encoding", "Cookie"])
        return cls(version, day, tag, dict(kept.items()), body, gzipped)

    @property
    def size(self):
        return len(self.body) + len(self.gzipped)

    def respond(self, request):
        """This page for `request`: gzipped if it takes gzip, 304 if it has it already.
        With its length: without one, gunicorn writes a body chunked, then an empty last
        chunk in a write of its own, and a cached page answered at 0.4× a static file's
        rate (issue 39)."""
        gzipped = bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
        etag = f'"{self.tag}-gz"' if gzipped else f'"{self.tag}"'
        if etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
            response = HttpResponseNotModified()
            response.headers["Cache-Control"] = self.headers["Cache-Control"]
            response.headers["Vary"] = self.headers["Vary"]
        elif gzipped:
            response = HttpResponse(self.gzipped, headers=self.headers)
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Content-Length"] = str(len(self.gzipped))
        else:
            response = HttpResponse(self.body, headers=self.headers)
            response.headers["Content-Length"] = str(len(self.body))
        response.headers["ETag"] = etag
        return response


class Memory:
    """This process's copies of pages, by request key, at most MEMORY_BYTES (the
    longest kept go first)."""

    def __init__(self, limit=MEMORY_BYTES):
        self.limit, self.size = limit, 0
        self.pages = OrderedDict()
        self.lock = threading.Lock()  # a threaded server (runserver) shares it

    def get(self, key):
        return self.pages.get(key)

    def put(self, key, page):
        with self.lock:
            old = self.pages.pop(key, None)
            self.size += page.size - (old.size if old else 0)
            self.pages[key] = page
            while self.size > self.limit and self.pages:
                self.size -= self.pages.popitem(last=False)[1].size

    def clear(self):
        with self.lock:
            self.pages.clear()
            self.size = 0


memory = Memory()


def shared_key(key, version, day):
    digest = hashlib.sha256(f"{key}|{version}|{day}".encode()).hexdigest()
    return f"page:{digest}"


class PageCacheMiddleware:
    """Answers a cached public page before the rest of the stack runs; keeps the pages
    that `cached_public` views give. Placed right after SecurityMiddleware and
    whitenoise (settings.MIDDLEWARE), so a hit costs about what a static file costs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE:
            return self.get_response(request)
        key = page_key(request)
        page = memory.get(key)
        if page is not None:
            version = current_version()
            if page.version == version and page.day == today():
                return page.respond(request)
        request.page_cache = {"key": key}
        response = self.get_response(request)
        page = getattr(response, "cached_page", None)
        if page is None and keepable(request, response):
            stamp = request.page_cache["stamp"]
            page = Page.from_response(key, *stamp, response)
            shared(cache.set, shared_key(key, *stamp), page, PAGE_SECONDS)
        if page is None:
            return response
        memory.put(key, page)
        return page.respond(request)


def keepable(request, response):
    """A public view's complete answer that is the same for everyone who asks."""
    session = getattr(request, "session", None)
    return (
        getattr(response, "public_page", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies  # a cookie is for one visitor
        and not (session is not None and session.accessed)  # so is what it read there
    )


def cached_public(view):
    """Mark a public view's pages for the page cache, and serve one another process
    rendered for the same version and day from the shared cache instead of rendering."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        wanted = getattr(request, "page_cache", None)
        version = current_version() if wanted is not None else None
        if version is None:  # not through the middleware (a POST), or no cache to use
            return answer(view(request, *args, **kwargs))
        stamp = (version, today())  # taken before any data is read
        wanted["stamp"] = stamp
        page = shared(cache.get, shared_key(wanted["key"], *stamp))
        if page is not None:
            response = HttpResponse()
            response.cached_page = page
            return response
        response = answer(view(request, *args, **kwargs))
        response.public_page = True
        return response

    return wrapped


def answer(response):
    """Headers of every answer of a public view, kept or not (an error page too)."""
    response.headers["Cache-Control"] = "no-cache"
    patch_vary_headers(response, ["Cookie"])
    return response
