"""What stands between an anonymous stranger and the database, for every public form.

- **Limits**, per client address (`yicheng.clientaddr`) and per browser, counted in the
  shared atomic counters (`counters.hit_on_the_clock`, one statement each) for an hour
  on the clock. Every post counts, valid or not, before its body is read. Past the soft
  limit the post must answer a question (below); past the hard limit it gets a 429
  that costs the two counts and nothing else: no body read, nothing written.
- **The browser** is told apart by the CSRF cookie every post must carry anyway
  (hashed: the key never holds the secret). A client that throws its cookies away meets
  the address limit instead.
- **A honeypot**: a field hidden from people (and from screen readers), which form-
  filling robots fill.
- **The question** (our own design): a sum or a difference of two numbers under ten,
  asked in words, answered in digits or Chinese numerals. Not an image, so a screen
  reader reads it and a large-type or 关怀版 page shows it like any text; arithmetic
  a primary pupil does, so an elderly resident passes it; no third-party service on a
  closed network. A robot can solve it too: it only slows a flood that has already
  passed the soft limit, the hard limit stops it. Signed (Django's signing) with a
  nonce and a time, so it cannot be forged, and used once.
"""

import hashlib
import math
import secrets
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from projects.web import counters
from yicheng.clientaddr import limited_address

CHALLENGE_SALT = "projects.guard.challenge"
CHALLENGE_SECONDS = 3600
HONEYPOT = "website"

NUMERALS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class Verdict:
    over_hard: bool  # refuse: 429
    over_soft: bool  # ask the question first
    retry_after: int  # seconds to the next window


def browser_key(request):
    token = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not token:
        return None
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def count_post(request):
    """Count one post from this address and this browser; the verdict on it."""
    window = settings.VOICE_WINDOW
    hits, left = counters.hit_on_the_clock(f"voice:a:{limited_address(request)}", window)
    over_hard = hits > settings.VOICE_ADDRESS_HARD
    over_soft = hits > settings.VOICE_ADDRESS_SOFT
    browser = browser_key(request)
    if browser is None:
        over_soft = True  # no browser to count: always the question
    elif not over_hard:
        browser_hits, left = counters.hit_on_the_clock(f"voice:b:{browser}", window)
        over_hard = browser_hits > settings.VOICE_BROWSER_HARD
        over_soft = over_soft or browser_hits > settings.VOICE_BROWSER_SOFT
    return Verdict(over_hard, over_soft, max(1, math.ceil(left)))


def count_lookup(request):
    """Count one look-up of a private link (a tracking page) from this address, found or
    not; the verdict on it: past TRACKING_LOOKUPS an hour, a 429. A wrong token costs
    what a right one does, so trying tokens is as slow as reading one's own."""
    window = settings.VOICE_WINDOW
    hits, left = counters.hit_on_the_clock(f"track:a:{limited_address(request)}", window)
    return Verdict(hits > settings.TRACKING_LOOKUPS, False, max(1, math.ceil(left)))


def count_code(request):
    """Count one look-up of a survey code (views/surveys.py) from this address and this
    browser, found or not; the verdict on it: past SURVEY_ADDRESS_LOOKUPS or
    SURVEY_BROWSER_LOOKUPS an hour, a 429. Apart from the public forms' limits: each
    code answers once, so a code is its own limit on what is stored, and a resident
    helping neighbours answer must not meet the forms' question after three."""
    window = settings.VOICE_WINDOW
    hits, left = counters.hit_on_the_clock(f"survey:a:{limited_address(request)}", window)
    over = hits > settings.SURVEY_ADDRESS_LOOKUPS
    browser = browser_key(request)
    if browser is not None and not over:
        browser_hits, left = counters.hit_on_the_clock(f"survey:b:{browser}", window)
        over = browser_hits > settings.SURVEY_BROWSER_LOOKUPS
    return Verdict(over, False, max(1, math.ceil(left)))


def asks_question(request):
    """Whether a form shown now carries the question: past the soft limit, and never to
    someone signed in (an official or a deputy; the public has no accounts)."""
    return not request.user.is_authenticated and past_soft_limit(request)


def past_soft_limit(request):
    """Whether the next post from here must answer the question (a GET shows it at once,
    so the writer answers it before writing, not after)."""
    window = settings.VOICE_WINDOW
    if counters.count_on_the_clock(f"voice:a:{limited_address(request)}", window) >= (
        settings.VOICE_ADDRESS_SOFT
    ):
        return True
    browser = browser_key(request)  # none on a first visit: nothing counted yet
    return browser is not None and (
        counters.count_on_the_clock(f"voice:b:{browser}", window) >= settings.VOICE_BROWSER_SOFT
    )


@dataclass(frozen=True)
class Challenge:
    first: int
    second: int
    plus: bool
    token: str

    @property
    def question(self):
        if self.plus:
            return _("%(a)s加%(b)s等于几？") % {"a": words(self.first), "b": words(self.second)}
        return _("%(a)s减%(b)s等于几？") % {"a": words(self.first), "b": words(self.second)}

    @property
    def answer(self):
        return self.first + self.second if self.plus else self.first - self.second


def words(n):
    from django.utils.translation import get_language

    if (get_language() or "").startswith("en"):
        return ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"][n]
    return NUMERALS[n]


def new_challenge():
    first, second = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    plus = secrets.randbelow(2) == 0
    if not plus and second > first:
        first, second = second, first
    nonce = secrets.token_hex(8)
    token = signing.dumps([first, second, plus, nonce], salt=CHALLENGE_SALT, compress=False)
    return Challenge(first, second, plus, token)


def read_number(text):
    """'9', '９', '九', ' 十二 ' → the number; anything else → None."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if text.isdigit() and len(text) <= 3:
        return int(text)
    if len(text) == 1 and text in NUMERALS:
        return NUMERALS.index(text)
    if len(text) == 2 and text[0] == "十" and text[1] in NUMERALS[1:10]:
        return 10 + NUMERALS.index(text[1])
    return None


def passes(token, reply):
    """Whether `reply` answers the signed question `token`, which counts as used."""
    try:
        first, second, plus, nonce = signing.loads(
            token or "", salt=CHALLENGE_SALT, max_age=CHALLENGE_SECONDS
        )
    except (signing.BadSignature, ValueError, TypeError):
        return False
    expected = first + second if plus else first - second
    if read_number(reply) != expected:
        return False
    # Its window starts at the first use and outlasts the token's own age limit.
    return counters.hit(f"voice:q:{nonce}", CHALLENGE_SECONDS).hits == 1


class PublicFormLimitMiddleware:
    """Counts each post to a public form (a view marked `public_form`) before anything
    reads its body, and answers one past the hard limit with a 429 at once. The
    verdict waits on the request for the view (`request.voice_verdict`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and getattr(marked_view(request), "public_form", False):
            request.voice_verdict = verdict = count_post(request)
            if verdict.over_hard:
                return too_many(request, verdict.retry_after)
        return self.get_response(request)


def marked_view(request):
    from django.urls import Resolver404, resolve

    try:
        return resolve(request.path_info).func
    except Resolver404:
        return None


def too_many(request, seconds, template="projects/voice_limited.html"):
    from django.shortcuts import render

    minutes = max(1, math.ceil(seconds / 60))
    response = render(request, template, {"minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
