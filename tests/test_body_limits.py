"""Request bodies are refused by size before anything reads them (yicheng/bodylimit.py):
an anonymous upload is never parsed, nor its files written, just to be refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from projects.rules import roles

from .conftest import make_official

LOGIN = reverse("admin:login")
ADD = reverse("admin:projects_progressreport_add")


def test_an_anonymous_upload_is_refused_before_it_is_parsed(db, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    client = Client(enforce_csrf_checks=True)
    big = SimpleUploadedFile("x.bin", b"\0" * (3 * 1024 * 1024))
    response = client.post(LOGIN, {"username": "a", "file": big})
    assert response.status_code == 413  # not CSRF's 403, which comes after parsing
    assert "提交的内容过大" in response.content.decode()


def test_a_declared_length_is_enough_to_refuse(db):
    response = Client().post(LOGIN, {"username": "a"}, CONTENT_LENGTH=str(2 * 1024**3))
    assert response.status_code == 413


def test_a_malformed_length_is_a_bad_request(db):
    assert Client().post(LOGIN, {"username": "a"}, CONTENT_LENGTH="12x").status_code == 400


@pytest.mark.parametrize(("size", "status"), [(60 * 1024, 200), (70 * 1024, 413)])
def test_a_login_form_fits_the_anonymous_limit(db, size, status):
    response = Client().post(LOGIN, {"username": "a" * size, "password": "x"})
    assert response.status_code == status


def test_an_official_may_send_a_report_with_photos_but_not_without_bound(client, plan, settings):
    official = make_official("clerk", roles.REPORTER)
    client.force_login(official)
    photo = SimpleUploadedFile("a.jpg", b"\xff\xd8" + b"\0" * (1024 * 1024))
    assert client.post(ADD, {"file": photo}).status_code == 200  # the form, with its errors
    too_big = client.post(ADD, {"target": 1}, CONTENT_LENGTH=str(settings.BODY_MAX + 1))
    assert too_big.status_code == 413
