"""Every public page is valid HTML, by the Nu HTML checker (vnu-jar from npm, run with
the machine's Java; `make test` installs it; tests/htmlcheck.py)."""

import pytest
from django.test import override_settings

from .pages import PUBLIC_PAGES


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_public_page_is_valid_html(client, demo, nu_checker, language):
    client.get(f"/language/{language}/")
    bodies = {}
    with override_settings(DEBUG=False):
        for path in PUBLIC_PAGES:
            response = client.get(path)
            assert response.status_code == 200, path
            bodies[path] = response.content
    assert nu_checker.errors(bodies) == {}


def test_the_checker_finds_an_error_when_there_is_one(nu_checker):
    found = nu_checker.errors({"broken": b"<!DOCTYPE html><title>x</title><p><div></p>"})
    assert list(found) == ["broken"]
    assert any("div" in message for message in found["broken"])
