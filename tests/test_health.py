"""/healthz tells a load balancer whether this server can serve: 200 when the database,
the cache and the file store all answer, 503 when one does not, and no detail either
way (the server's own log names the part). Two real servers, one stopped: test_two_servers.py."""

import pytest

from projects.exchange import stored

from .conftest import ON_DISK
from .logs import written_log

pytestmark = pytest.mark.django_db

UNAVAILABLE = {"status": "unavailable"}


def test_a_server_whose_parts_all_answer_is_healthy_and_leaves_nothing_behind(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert stored.names() == []  # the probe's file is deleted, in the store's own API


def test_an_unreachable_cache_makes_the_server_unavailable(client, settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"unix://{tmp_path}/no-redis.sock",  # nothing listens there
        }
    }
    with written_log() as log:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE
    assert response["Cache-Control"].startswith("max-age=0")
    assert "the cache is unreachable" in log.getvalue()


def test_a_file_store_that_cannot_be_written_makes_the_server_unavailable(client, settings):
    # MEDIA_ROOT is a plain file in the suite (conftest.files_in_memory): no folder
    # can be made under it, as on a lost or read-only mount.
    settings.STORAGES = {**settings.STORAGES, "default": ON_DISK}
    with written_log() as log:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE
    assert "the file store is unreachable" in log.getvalue()
