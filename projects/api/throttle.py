"""The API's rate limit: generous enough that a person or a polite script never meets
it, tight enough that a scraper looping without pause is told to wait.

Counted per client address (`yicheng.clientaddr`) in the shared atomic counters
(`projects.web.counters.hit_on_the_clock`: one statement per request), so every worker and
machine counts into one number. The window is fixed on the clock (a new one starts
each API_RATE_WINDOW seconds), which makes the wait exact: Retry-After is the time to
the next window. Placed before the page cache,
which would otherwise answer repeats of one URL without anything counting them.
"""

import math

from django.conf import settings

from projects.web import counters
from yicheng.clientaddr import limited_address


class ApiRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            key = f"api:{limited_address(request)}"
            hits, left = counters.hit_on_the_clock(key, settings.API_RATE_WINDOW)
            if hits > settings.API_RATE_LIMIT:
                return too_many(max(1, math.ceil(left)))
        return self.get_response(request)


def too_many(seconds):
    from projects.api.parameters import error_response  # the API's own error body, bilingual

    response = error_response(
        429,
        None,
        f"请求过于频繁，请在 {seconds} 秒后再试。",
        f"Too many requests: try again in {seconds} seconds.",
    )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    # Answered before the CORS middleware runs: a script on another site may still read it.
    response["Access-Control-Allow-Origin"] = "*"
    return response
