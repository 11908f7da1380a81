"""The product's WSGI application for tests that run it under gunicorn: each answer
says which worker process gave it (X-Worker), and takes at least PACE seconds, so that
a few requests at once reach every worker instead of the one that is always first."""

import os
import time

from yicheng.wsgi import application as product

PACE = 0.05


def application(environ, start_response):
    started = time.monotonic()

    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker", str(os.getpid()))], exc_info)

    body = product(environ, start)
    time.sleep(max(0.0, PACE - (time.monotonic() - started)))
    return body
