"""Each jurisdiction's public addresses (issue 38): its code, then the addresses one
district has always had. /411721/plans/2021/ is 411721's plan of 2021, /411721/ its
front page, /411721/m/p12 a 民生码 of its; /plans/2021/ stays the home jurisdiction's
(settings.HOME_JURISDICTION), so one district alone keeps every address it had, and
/411702/… (the home one's code) redirects there for good: one address a page.

`JurisdictionAddressMiddleware` takes the code off the path the URLs are matched
against and puts it in the script prefix, so every `reverse()` and `{% url %}` of the
page names the same jurisdiction without a template knowing; and it serves that
jurisdiction (`models.jurisdictions.serving`) for the request, so every public
queryset answers for it alone. The page cache keys on the whole path (`request.path`),
code included. The admin and the API have one address each: the API takes
`jurisdiction=` instead: a link a page writes to either under its code (the footer's
工作人员入口, a JSON beside a table) is redirected there, the API's with the code as
its `jurisdiction=`.
"""

import functools
import re
from contextlib import contextmanager
from urllib.parse import urlencode

from asgiref.local import Local
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils.translation import gettext as _

from projects.models import Jurisdiction, Plan, served_code, serving, working, working_code

ADDRESSED = re.compile(r"^/(?P<code>[0-9]{6}(?:[0-9]{3})?)(?P<rest>/.*)$")
# The site's own prefix (SCRIPT_NAME, usually "/"), before any jurisdiction's code.
_site = Local()


def site_prefix():
    return getattr(_site, "prefix", None) or get_script_prefix()


def api_path(name):
    """The path of the API's `name`: the API has one address, whichever jurisdiction."""
    return site_prefix() + reverse(name)[len(get_script_prefix()) :]


def api_reverse(name, **query):
    """The address of the API's `name` with `query`, for the served jurisdiction, which
    the API takes as ?jurisdiction=."""
    path = api_path(name)
    if served_code() != settings.HOME_JURISDICTION:
        query.setdefault("jurisdiction", served_code())
    return f"{path}?{urlencode(query)}" if query else path


@contextmanager
def addressed_to(jurisdiction):
    """`reverse()` inside the block names `jurisdiction`'s addresses (a city's page of
    its levels links down to each, as does the API's list of them)."""
    before = get_script_prefix()
    set_script_prefix(site_prefix() + jurisdiction.address_prefix())
    try:
        yield
    finally:
        set_script_prefix(before)


class JurisdictionAddressMiddleware:
    """Placed before the page cache, which then keeps each jurisdiction's page apart
    (and, rendering only what it has not kept, needs `KnownJurisdictionMiddleware`)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin = "/" + settings.ADMIN_PATH

    def __call__(self, request):
        match = ADDRESSED.match(request.path_info)
        if match is None:
            return self.get_response(request)
        code, rest = match["code"], match["rest"]
        home = code == settings.HOME_JURISDICTION
        query = request.GET.copy()
        if rest.startswith("/api/") and not home:
            query.setdefault("jurisdiction", code)
        if home or rest.startswith(("/api/", self.admin)):
            query = query.urlencode(safe="/")
            return HttpResponsePermanentRedirect(
                site_prefix() + rest[1:] + (f"?{query}" if query else "")
            )
        request.path_info = rest
        with answering_for(code):
            response = self.get_response(request)
        return kept_streaming(response, lambda: answering_for(code))


class KnownJurisdictionMiddleware:
    """After the page cache, so that a kept page costs no query: a page is rendered for
    a code only when a jurisdiction has it (fetched once, as `served` keeps it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if served_code() != settings.HOME_JURISDICTION and served(request) is None:
            raise Http404("没有这个行政区划的页面。")
        return self.get_response(request)


@contextmanager
def answering_for(code):
    """Serve the jurisdiction of `code`, its addresses prefixed by the code (but the home
    one's, which have none); within another such block, the outer one is back after."""
    outer_site, outer_prefix = getattr(_site, "prefix", None), get_script_prefix()
    _site.prefix = site = site_prefix()
    set_script_prefix(site if code == settings.HOME_JURISDICTION else f"{site}{code}/")
    try:
        with serving(code):
            yield
    finally:
        set_script_prefix(outer_prefix)
        _site.prefix = outer_site


def kept_streaming(response, answering):
    """A streamed answer (a CSV of every row) reads the database as it is sent, after
    the middleware returned: it goes on `answering()` for the same jurisdiction."""
    if response.streaming and not response.is_async:
        response.streaming_content = served_stream(answering, response.streaming_content)
    return response


def served_stream(answering, chunks):
    chunks, end = iter(chunks), object()
    while True:
        with answering():
            chunk = next(chunks, end)
        if chunk is end:
            return
        yield chunk


# The session's key for the level below an official works in (or only sees) now.
WORKING = "working_jurisdiction"


class StaffJurisdictionMiddleware:
    """In the admin the jurisdiction served is the one the official works in
    (`models.working_code`: their own, or a level below delegated to them that they
    chose, `WORKING`), so every staff list, picker and page holds its rows alone
    (admin/base.py `OfTheJurisdictionWorkedIn`, each `visible_to`). Looked up when a
    page first asks. After the authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin = "/" + settings.ADMIN_PATH

    def __call__(self, request):
        if not request.path_info.startswith(self.admin) or not request.user.is_authenticated:
            return self.get_response(request)
        chosen = request.session.get(WORKING)
        code = functools.partial(working_code, request.user)  # found when first asked
        if chosen is not None:
            code, acting = working(request.user, chosen)
            if not acting:
                seeing_only(request)
        with serving(code):
            response = self.get_response(request)
            if not response.streaming:
                return response
            code = served_code()  # a streamed export goes on in the same jurisdiction
        return kept_streaming(response, lambda: serving(code))


def seeing_only(request):
    """A level below that was not delegated: the official sees it as their roles let
    them, and changes nothing there. Every admin page and action asks `has_perm`, so the
    account's own answers only the view_* permissions for this request."""
    user, has_perm = request.user, request.user.has_perm
    user.has_perm = lambda perm, obj=None: (
        perm.partition(".")[2].startswith("view_") and (has_perm(perm, obj))
    )
    user.has_perms = lambda perms, obj=None: all(user.has_perm(p, obj) for p in perms)
    request.seeing_only = True


def served(request):
    """The jurisdiction `request` is answered for, with its parent, `has_levels`
    (whether any level sits below it: its pages link to them) and `any_demo_data`
    (whether any plan here is make demo's, which every page then says): one query,
    kept on the request however many templates and views ask. None for a code no
    jurisdiction has (`KnownJurisdictionMiddleware` answers 404)."""
    if not hasattr(request, "served_jurisdiction"):
        code = served_code()
        found = with_page_facts(Jurisdiction.objects.filter(code=code)).first()
        if found is None and code == settings.HOME_JURISDICTION:
            found = home_with_page_facts()
        request.served_jurisdiction = found
    return request.served_jurisdiction


def home_with_page_facts():
    """The home jurisdiction (made on a fresh database's first page) with `served`'s
    facts: what a page names when its address names no jurisdiction here (its 404)."""
    return with_page_facts(Jurisdiction.objects.filter(pk=Jurisdiction.objects.home().pk)).get()


def with_page_facts(jurisdictions):
    return jurisdictions.select_related("parent").annotate(
        has_levels=Exists(Jurisdiction.objects.filter(parent=OuterRef("pk"))),
        any_demo_data=Exists(Plan.objects.filter(demo_data=True)),
    )


def front_page(jurisdiction):
    """The address of `jurisdiction`'s front page, from any page."""
    return site_prefix() + jurisdiction.address_prefix()


def site_name(jurisdiction):
    """The site's name on every page, feed and download: the served jurisdiction's."""
    return _("%(place)s民生实事进度看板") % {"place": jurisdiction.shown_name}
