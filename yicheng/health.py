"""/healthz: for the load balancer and the process supervisor. 200 when this server can
serve: the database, the cache and the file store all answer; 503 when one does not,
with no detail that would help an attacker (the server's log names what failed)."""

import logging
import uuid

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

PROBE = b"ok"


def database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def shared_cache():
    """A value kept and read back: Redis reachable, or the cache's folder writable. Its
    own key per probe, so two probes at once never read each other's."""
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, PROBE, timeout=30)
    kept = cache.get(key)
    cache.delete(key)
    if kept != PROBE:
        raise RuntimeError("the cache did not keep a value")


def file_store():
    """A tiny file written, read back and deleted under health/ (a name of its own per
    probe): an object store or a mounted folder that can still be read but no longer
    written would refuse every upload, so reading alone is not enough."""
    name = default_storage.save(f"health/{uuid.uuid4().hex}", ContentFile(PROBE))
    try:
        with default_storage.open(name, "rb") as file:
            kept = file.read()
    finally:
        default_storage.delete(name)
    if kept != PROBE:
        raise RuntimeError("the file store did not keep a file")


CHECKS = {"database": database, "cache": shared_cache, "file store": file_store}


@never_cache
def healthz(request):
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # any failure of a part means "not healthy"
            logger.warning("health check: the %s is unreachable", name, exc_info=True)
            return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name none (the admin's)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
