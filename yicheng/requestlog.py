"""Structured request logs: one JSON object per request on standard error, for the
process supervisor's journal or a log shipper. No query strings or bodies (they may
carry personal data), no cookies."""

import json
import logging
import re
import time

from .clientaddr import client_address

logger = logging.getLogger("yicheng.request")

# Paths whose next segment is a private token (a receipt's tracking page; a follow's
# confirm and unsubscribe links): whoever reads a log must not be able to open them.
PRIVATE_PATHS = re.compile(r"(?<![\w/.-])(/(?:receipt|follow)/)[^/\s\"']+")


def redacted(text):
    return PRIVATE_PATHS.sub(r"\1…", text)


class RedactPrivatePaths(logging.Filter):
    """On the handler every logger writes through (settings.LOGGING): a private token
    in any record is replaced: our request lines, and Django's own ("Not Found: …",
    "Internal Server Error: …", a CSRF refusal, runserver's request lines)."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redacted(a) if isinstance(a, str) else a for a in record.args)
        fields = getattr(record, "fields", None)
        if fields and "path" in fields:
            record.fields = {**fields, "path": redacted(fields["path"])}
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logger.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": user.pk if user is not None and user.is_authenticated else None,
                    "remote": client_address(request),
                }
            },
        )
        return response
