"""A public form refused for any reason keeps the photo it carried, held for this browser
for half an hour, never shown to anyone, and sent with the form once it passes; or says
plainly that the photo must be attached again."""

import hashlib
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from projects.exchange import backup, held_photos
from projects.exchange.uploads import check_photo
from projects.models import PublicInput
from projects.rules import roles

from .conftest import make_official
from .factories import ProjectFactory
from .files import image_bytes

TEXT = "小游园什么时候开放？周边居民很关心。"
NAME = "王小明"
KEPT = "已保留您上传的照片"
LOST = "您选择的照片未能保留，请重新选择照片后再提交。"


@pytest.fixture(autouse=True)
def patient_limits(settings):
    """Room for a few refusals in a row before the question (tested on its own)."""
    settings.VOICE_BROWSER_SOFT = settings.VOICE_ADDRESS_SOFT = 10


@pytest.fixture
def project(plan):
    return ProjectFactory(plan=plan, number=8, title="小游园")


def ask_url(project):
    return reverse("projects:ask", args=[project.plan.year, project.number])


def problem_url(project):
    return f"/m/p{project.pk}/problem"


@pytest.fixture(params=["ask", "problem"])
def form_url(request, project):
    """A form of each family: views/voice.py's and the 民生码's (views/sites.py)."""
    return {"ask": ask_url, "problem": problem_url}[request.param](project)


def photo(name="park.png", width=80):
    return SimpleUploadedFile(name, image_bytes("PNG", size=(width, 60)), "image/png")


def send(client, url, **fields):
    """A post as a browser sends it: the form fetched first (its CSRF cookie)."""
    client.get(url)
    return client.post(url, {"text": TEXT, **fields})


def held_files():
    try:
        return default_storage.listdir(held_photos.FOLDER)[1]
    except FileNotFoundError:
        return []


def held_sha256():
    """The SHA-256 of the one photo held, as its file says."""
    (name,) = held_files()
    with default_storage.open(f"{held_photos.FOLDER}/{name}", "rb") as file:
        return json.loads(file.readline())["sha256"]


def test_a_refused_form_keeps_the_photo_and_sends_the_same_one_when_it_passes(client, form_url):
    refused = send(client, form_url, name=NAME, photo=photo())  # no consent tick
    assert refused.status_code == 400
    page = refused.content.decode()
    assert f"{KEPT}“park.png”" in page and "不必重新选择" in page
    assert not PublicInput.objects.exists()
    kept = held_sha256()
    assert client.post(form_url, {"text": TEXT, "name": NAME, "consent": "on"}).status_code == 302
    item = PublicInput.objects.get()
    assert item.photo_sha256 == kept == hashlib.sha256(item.photo.read()).hexdigest()
    assert held_files() == []  # sent: no longer held


@pytest.mark.parametrize(
    "fields",
    [{"text": "好"}, {"text": "请联系我 13912345678"}, {"phone": "12345", "consent": "on"}],
    ids=["short", "phone-in-text", "bad-phone"],
)
def test_every_refusal_keeps_the_photo(client, project, fields):
    response = send(client, ask_url(project), photo=photo(), **fields)
    assert response.status_code == 400
    assert KEPT in response.content.decode()
    assert len(held_files()) == 1


def test_a_wrong_answer_to_the_question_keeps_the_photo(client, project, settings):
    settings.VOICE_ADDRESS_SOFT = 0  # every post answers the question
    page = client.get(ask_url(project)).content.decode()
    assert "等于几" in page
    response = client.post(
        ask_url(project), {"text": TEXT, "challenge_answer": "99", "photo": photo()}
    )
    assert response.status_code == 400
    assert "答案不对" in response.content.decode() and KEPT in response.content.decode()


def test_another_browser_cannot_use_the_held_photo(client, project):
    send(client, ask_url(project), name=NAME, photo=photo())
    other = Client()
    assert KEPT not in other.get(ask_url(project)).content.decode()
    assert send(other, ask_url(project)).status_code == 302
    assert PublicInput.objects.get().photo == ""
    assert len(held_files()) == 1  # still the first browser's
    assert KEPT in client.get(ask_url(project)).content.decode()


def test_a_held_photo_is_for_its_own_form_only(client, project, plan):
    send(client, ask_url(project), name=NAME, photo=photo())
    neighbour = ProjectFactory(plan=plan, number=9)
    assert KEPT not in client.get(ask_url(neighbour)).content.decode()
    assert send(client, ask_url(neighbour)).status_code == 302
    assert PublicInput.objects.get().photo == ""


def test_a_new_photo_replaces_the_held_one_and_none_accumulate(client, project):
    for number, width in enumerate([40, 80, 120]):
        send(client, ask_url(project), text="好", photo=photo(f"p{number}.png", width))
    assert len(held_files()) == 1
    assert f"{KEPT}“p2.png”" in client.get(ask_url(project)).content.decode()
    last = held_sha256()
    assert client.post(ask_url(project), {"text": TEXT}).status_code == 302
    assert PublicInput.objects.get().photo_sha256 == last


def test_the_writer_may_let_the_held_photo_go(client, project):
    send(client, ask_url(project), text="好", photo=photo())
    response = client.post(ask_url(project), {"text": "好", "drop_photo": "on"})
    assert response.status_code == 400 and KEPT not in response.content.decode()
    assert held_files() == []
    send(client, ask_url(project), text="好", photo=photo())
    assert client.post(ask_url(project), {"text": TEXT, "drop_photo": "on"}).status_code == 302
    assert PublicInput.objects.get().photo == ""
    assert held_files() == []


def test_a_held_photo_is_gone_after_half_an_hour(client, project, clock):
    send(client, ask_url(project), text="好", photo=photo())
    clock.shift(timedelta(minutes=29))
    assert KEPT in client.get(ask_url(project)).content.decode()
    clock.shift(timedelta(minutes=2))
    assert KEPT not in client.get(ask_url(project)).content.decode()
    assert held_files() == []  # removed when found expired
    assert client.post(ask_url(project), {"text": TEXT}).status_code == 302
    assert PublicInput.objects.get().photo == ""


def test_a_form_sent_after_its_held_photo_expired_says_so(client, project, clock):
    send(client, ask_url(project), text="好", photo=photo())
    assert 'name="kept_photo"' in client.get(ask_url(project)).content.decode()
    clock.shift(timedelta(minutes=31))  # the form stayed open past the half hour
    late = client.post(ask_url(project), {"text": TEXT, "kept_photo": "on"})
    assert late.status_code == 400
    assert "保留的照片已过期删除" in late.content.decode()
    assert not PublicInput.objects.exists()
    assert client.post(ask_url(project), {"text": TEXT}).status_code == 302  # without it


def test_the_sweep_removes_expired_held_photos_only(project, clock):
    browsers = [Client(), Client()]
    send(browsers[0], ask_url(project), text="好", photo=photo())
    clock.shift(timedelta(minutes=20))
    send(browsers[1], ask_url(project), text="好", photo=photo())
    clock.shift(timedelta(minutes=15))
    out = StringIO()
    call_command("sweep_files", stdout=out)
    assert "已删除 1 张过期的暂存照片" in out.getvalue()
    assert len(held_files()) == 1
    assert KEPT not in browsers[0].get(ask_url(project)).content.decode()
    assert KEPT in browsers[1].get(ask_url(project)).content.decode()


def test_a_held_photo_is_served_by_no_address(client, project):
    send(client, ask_url(project), text="好", photo=photo())
    (name,) = held_files()
    page = client.get(ask_url(project)).content.decode()
    assert KEPT in page and name not in page and "<img" not in page
    moderator = Client()
    moderator.force_login(make_official("moderator", roles.MODERATOR))
    for path in (f"/media/{held_photos.FOLDER}/{name}", f"/media/{name}", f"/{name}"):
        assert client.get(path).status_code == 404
        assert moderator.get(path).status_code == 404


def test_a_held_photo_is_left_out_of_backups(client, project, settings):
    send(client, ask_url(project), text="好", photo=photo())
    assert len(held_files()) == 1
    assert [n for n in backup.media_files() if n.startswith(f"{held_photos.FOLDER}/")] == []


def test_a_photo_refused_by_its_checks_must_be_attached_again(client, project):
    fake = SimpleUploadedFile("park.jpg", b"<html>not a photo</html>", "image/jpeg")
    response = send(client, ask_url(project), photo=fake)
    page = response.content.decode()
    assert response.status_code == 400
    assert "只能上传 JPEG、PNG 或 WebP 照片" in page and LOST in page and KEPT not in page
    assert held_files() == []


def test_a_photo_without_the_browsers_cookie_must_be_attached_again(client, project):
    # No form fetched first: no cookie to hold the photo for (the post is still counted).
    response = client.post(ask_url(project), {"text": "好", "photo": photo()})
    assert response.status_code == 400
    assert LOST in response.content.decode()
    assert held_files() == []


def test_a_photo_over_the_forms_limit_is_not_held(settings):
    slot = held_photos.Slot("browser", "/form/")
    checked = check_photo(photo(), settings.VOICE_PHOTO_MAX_BYTES)
    assert not slot.hold(checked, "park.png", checked.size - 1)
    assert held_files() == []
    assert slot.hold(checked, "park.png", checked.size)
    assert slot.held().size == checked.size
