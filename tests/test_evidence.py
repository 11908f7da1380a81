"""Evidence files: checked by content, resized, stored under unguessable names, and
public only once their report is approved."""

import io
import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from projects.exchange import stored
from projects.models import Evidence, ProgressReport
from projects.rules import clock, roles

from .conftest import make_official, report_form
from .factories import DepartmentFactory, TargetFactory
from .files import MINIMAL_PDF, image_bytes

ADD = reverse("admin:projects_progressreport_add")


@pytest.fixture
def target(plan):
    return TargetFactory(
        project__plan=plan,
        project__number=7,
        project__lead_department=DepartmentFactory(name="区住建局"),
        target_value=2000,
    )


@pytest.fixture
def reporter(client, target):
    user = make_official("clerk", roles.REPORTER, target.project.lead_department)
    client.force_login(user)
    return user


def upload(client, target, name, content, caption=""):
    data = report_form(target, value="1200", as_of="2021-08-31")
    data.update(
        {
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-file": SimpleUploadedFile(name, content),
            "evidence-0-caption": caption,
        }
    )
    return client.post(ADD, data)


def inline_errors(response):
    formset = response.context["inline_admin_formsets"][0].formset
    return [e for form in formset.forms for e in form.errors.get("file", [])]


def test_a_photo_is_resized_stripped_of_its_location_and_renamed(client, reporter, target):
    response = upload(client, target, "IMG_2041.jpg", image_bytes(size=(4000, 3000), exif_gps=True))
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.kind == "image" and evidence.content_type == "image/jpeg"
    assert evidence.original_name == "IMG_2041.jpg"
    assert evidence.uploaded_by == reporter
    assert re.fullmatch(r"evidence/[0-9a-f]{32}\.jpg", evidence.file.name)
    with evidence.file.open("rb") as file, Image.open(file) as image:
        assert max(image.size) == 1600
        assert image.getexif().get(0x8825) is None


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(client, reporter, target, image_format):
    assert upload(client, target, "site.img", image_bytes(image_format)).status_code == 302
    assert Evidence.objects.get().content_type == f"image/{image_format.lower()}"


def test_a_pdf_named_jpg_is_stored_as_a_pdf(client, reporter, target):
    upload(client, target, "photo.jpg", MINIMAL_PDF)
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.content_type) == ("pdf", "application/pdf")
    assert evidence.file.name.endswith(".pdf")
    assert evidence.file.read() == MINIMAL_PDF


def test_an_image_named_pdf_is_stored_as_an_image(client, reporter, target):
    upload(client, target, "scan.pdf", image_bytes("PNG"))
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/png"
    assert evidence.file.name.endswith(".png")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "photo.jpg",
            b"<html><script>alert(1)</script></html>",
            "只能上传 JPEG、PNG、WebP 图片或 PDF 文件",
        ),
        ("photo.gif", b"GIF89a" + b"\x00" * 40, "只能上传 JPEG、PNG、WebP 图片或 PDF 文件"),
        ("report.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "PDF 文件不完整或已损坏"),
        ("photo.png", image_bytes("PNG")[:60], "图片已损坏"),
    ],
)
def test_a_forged_or_broken_file_is_rejected_and_nothing_is_saved(
    client, reporter, target, name, content, message
):
    response = upload(client, target, name, content)
    assert response.status_code == 200
    assert any(message in error for error in inline_errors(response))
    assert ProgressReport.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert stored.names() == []


def test_an_oversized_file_is_rejected(client, reporter, target, settings):
    settings.EVIDENCE_MAX_BYTES = 50 * 1024
    response = upload(client, target, "big.png", b"\x89PNG" + b"\x00" * (60 * 1024))
    assert any("文件过大" in e and "50 KB" in e for e in inline_errors(response))
    assert ProgressReport.objects.count() == 0


def test_an_image_with_absurd_dimensions_is_rejected(client, reporter, target):
    image = Image.new("1", (9000, 9000))
    out = io.BytesIO()
    image.save(out, format="PNG")
    response = upload(client, target, "bomb.png", out.getvalue())
    assert any("图片尺寸过大" in e for e in inline_errors(response))
    assert Evidence.objects.count() == 0


def test_evidence_is_public_only_once_its_report_is_approved(client, reporter, target):
    upload(client, target, "site.jpg", image_bytes(), caption="停车场竣工")
    evidence = Evidence.objects.get()
    report = evidence.report
    report.submit(reporter)
    url = evidence.get_absolute_url()
    client.logout()
    assert client.get(url).status_code == 404
    page = client.get(target.project.get_absolute_url()).content.decode()
    assert str(evidence.key) not in page and "停车场竣工" not in page

    report.approve(make_official("checker", roles.REVIEWER))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    page = client.get(target.project.get_absolute_url()).content.decode()
    assert f'<img src="{url}" alt="停车场竣工"' in page


def test_a_pdf_is_served_as_a_download(client, reporter, target):
    upload(client, target, "验收报告.pdf", MINIMAL_PDF)
    evidence = Evidence.objects.get()
    evidence.report.submit(reporter)
    evidence.report.approve(make_official("checker", roles.REVIEWER))
    client.logout()
    response = client.get(evidence.get_absolute_url())
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == MINIMAL_PDF


def test_no_evidence_can_be_added_to_a_submitted_report(client, reporter, target):
    upload(client, target, "a.jpg", image_bytes())
    report = ProgressReport.objects.get()
    report.submit(reporter)
    page = client.get(reverse("admin:projects_progressreport_change", args=[report.pk]))
    assert "上传佐证材料" not in page.content.decode()


# Stored files


def stored_files():
    return sorted(name.rsplit("/", 1)[-1] for name in stored.names())


def test_a_refused_report_leaves_no_stored_file(client, reporter, target):
    data = report_form(target, value="-5", as_of="2021-08-31")
    data["evidence-TOTAL_FORMS"] = "3"
    for n in range(3):
        data[f"evidence-{n}-file"] = SimpleUploadedFile(f"p{n}.pdf", MINIMAL_PDF)
    response = client.post(ADD, data)
    assert response.status_code == 200
    assert ProgressReport.objects.count() == 0
    assert stored_files() == []


def test_files_written_before_a_failure_later_in_the_save_are_removed(
    client, reporter, target, monkeypatch
):
    def fail(*args):
        raise RuntimeError("after the files were written")

    from projects.admin.tracking import ProgressReportAdmin

    monkeypatch.setattr(ProgressReportAdmin, "log_addition", fail)
    data = report_form(target, value="1200", as_of="2021-08-31")
    data["evidence-TOTAL_FORMS"] = "2"
    for n in range(2):
        data[f"evidence-{n}-file"] = SimpleUploadedFile(f"p{n}.pdf", MINIMAL_PDF)
    with pytest.raises(RuntimeError):
        client.post(ADD, data)
    assert ProgressReport.objects.count() == 0
    assert stored_files() == []


def test_the_sweep_removes_old_files_no_row_refers_to(client, reporter, target):
    # The store dates each file (get_modified_time) by the clock it was written at.
    with time_machine.travel(clock.now() - timedelta(days=2), tick=False):
        assert upload(client, target, "kept.pdf", MINIMAL_PDF).status_code == 302
        default_storage.save("evidence/orphan.pdf", ContentFile(MINIMAL_PDF))
        default_storage.save("imports/unconfirmed", ContentFile(b"x"))
    default_storage.save("evidence/fresh-orphan.pdf", ContentFile(MINIMAL_PDF))
    kept = Evidence.objects.get().file.name
    out = StringIO()
    call_command("sweep_files", stdout=out)
    assert "已删除 2 个" in out.getvalue()
    assert stored_files() == sorted([kept.split("/")[-1], "fresh-orphan.pdf"])


class UndatedStorage(InMemoryStorage):
    """A store that cannot tell when a file was written."""

    def get_modified_time(self, name):
        raise NotImplementedError


def test_the_sweep_keeps_a_file_whose_age_the_store_cannot_tell(db, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.UndatedStorage"}}
    default_storage.save("evidence/orphan.pdf", ContentFile(MINIMAL_PDF))
    out = StringIO()
    call_command("sweep_files", stdout=out)
    assert "已删除 0 个" in out.getvalue() and "另有 1 个" in out.getvalue()
    assert stored.names() == ["evidence/orphan.pdf"]


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_comments_in_an_image_are_not_kept(client, reporter, target, image_format):
    comment = "拍摄人 张三 13812345678 位置 32.98,114.02"
    content = image_bytes(image_format, comment=comment)
    assert comment.encode() in content  # the upload carries it
    assert upload(client, target, "site.img", content).status_code == 302
    written = Evidence.objects.get().file.read()
    assert "张三".encode() not in written and b"13812345678" not in written
    with Image.open(io.BytesIO(written)) as image:
        assert not {"comment", "Comment", "exif", "xmp"} & set(image.info)


@pytest.mark.parametrize(
    ("width", "height", "color_type"),
    [(7745, 7745, 2), (5000, 4000, 6), (8000, 7000, 0)],
    ids=["60 MP RGB", "20 MP RGBA (80 MB decoded)", "56 MP grey"],
)
def test_an_image_too_costly_to_decode_is_refused_before_decoding(
    client, reporter, target, width, height, color_type, settings
):
    from .files import big_png

    content = big_png(width, height, color_type)
    assert len(content) < 1024 * 1024  # small on the wire, huge in memory
    response = upload(client, target, "plan.png", content)
    assert response.status_code == 200
    assert any("图片尺寸过大" in e for e in inline_errors(response))
    assert ProgressReport.objects.count() == 0
