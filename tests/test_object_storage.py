"""FILE_STORE=s3: django-storages speaks the S3 protocol over HTTP to moto's S3 server on
loopback, as it would to Aliyun OSS or MinIO. Files go in only after every check, come
out only through our views, and survive a backup's round trip."""

import os
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from io import StringIO
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from projects import checks
from projects.models import Evidence, Matter, ProgressReport
from projects.rules import roles

from .conftest import make_official, report_form
from .factories import DepartmentFactory, PlanFactory, TargetFactory
from .files import MINIMAL_PDF, image_bytes
from .test_matters import entry, png

ADD = reverse("admin:projects_progressreport_add")
SETTINGS_FILE = Path(__file__).resolve().parents[1] / "yicheng" / "settings.py"

# About files, not the database: run once, in the SQLite pass, all on one xdist worker
# (one moto server for the module).
pytestmark = [
    pytest.mark.skipif(
        "postgresql" in django_settings.DATABASES["default"]["ENGINE"],
        reason="the object store is tested once, in the SQLite pass",
    ),
    pytest.mark.xdist_group("object_storage"),
]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server on a free loopback port, in its own process group; its address."""
    moto = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if moto is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI is set but moto_server is missing: `make test` installs the dev extras."
            )
        pytest.skip("!!! no moto_server: pip install -e '.[dev]' !!!")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    address = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - a test server of our own
            [moto, "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(address, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(log_path.read_text()[-3000:])
                time.sleep(0.1)
        yield address
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def store_settings(**environment):
    """STORAGES as yicheng/settings.py makes them from this environment (and the one
    the suite runs in): the real mapping of FILE_STORE=s3, read afresh."""
    saved = dict(os.environ)
    os.environ.update(environment)
    try:
        return runpy.run_path(str(SETTINGS_FILE))["STORAGES"]
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def bucket(s3_server, settings):
    """A new, empty bucket, which the site's files go to; a boto3 client reads it."""
    name = f"yicheng-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = store_settings(
        FILE_STORE="s3",
        S3_BUCKET=name,
        S3_ENDPOINT_URL=s3_server,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID="test",
        S3_SECRET_ACCESS_KEY="test",
    )
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=name)
    return Bucket(client, name)


class Bucket:
    def __init__(self, client, name):
        self.client, self.name = client, name

    def keys(self):
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def read(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def unsigned_get(self, key):
        """The status of a plain GET of the object's address, as anyone could send it."""
        address = f"{self.client.meta.endpoint_url}/{self.name}/{key}"
        try:
            with urllib.request.urlopen(address, timeout=5) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def empty(self):
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)


@pytest.fixture
def target(plan):
    return TargetFactory(
        project__plan=plan,
        project__lead_department=DepartmentFactory(name="区住建局"),
        target_value=2000,
    )


@pytest.fixture
def reporter(client, target):
    user = make_official("clerk", roles.REPORTER, target.project.lead_department)
    client.force_login(user)
    return user


def upload(client, target, *files):
    """The officials' real upload: a report with its evidence, posted to the admin."""
    data = report_form(target, value="1200", as_of="2021-08-31")
    data["evidence-TOTAL_FORMS"] = str(len(files))
    for n, (name, content) in enumerate(files):
        data[f"evidence-{n}-file"] = SimpleUploadedFile(name, content)
    return client.post(ADD, data)


def test_evidence_goes_to_the_bucket_and_out_only_through_our_view(
    client, bucket, reporter, target
):
    assert upload(client, target, ("IMG_2041.jpg", image_bytes(exif_gps=True))).status_code == 302
    evidence = Evidence.objects.get()
    assert bucket.keys() == [evidence.file.name]
    stored = bucket.read(evidence.file.name)
    assert stored.startswith(b"\xff\xd8") and b"PhoneMaker" not in stored  # re-encoded
    assert bucket.unsigned_get(evidence.file.name) == 403  # nobody reads the bucket itself

    url = evidence.get_absolute_url()
    own = client.get(url)
    assert own.status_code == 200 and own["Cache-Control"] == "private, no-store"
    assert b"".join(own.streaming_content) == stored
    client.logout()
    assert client.get(url).status_code == 404  # not yet approved

    evidence.report.submit(reporter)
    evidence.report.approve(make_official("checker", roles.REVIEWER))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == stored
    page = client.get(target.project.get_absolute_url()).content.decode()
    assert f'src="{url}"' in page
    assert bucket.name not in page and "127.0.0.1:" not in page  # no link to the bucket


def test_a_refused_file_never_reaches_the_bucket(client, bucket, reporter, target):
    response = upload(client, target, ("photo.jpg", b"MZ\x90\x00 not an image"))
    assert response.status_code == 200
    assert Evidence.objects.count() == 0
    assert bucket.keys() == []


def test_files_stored_before_a_failure_are_deleted_from_the_bucket(
    client, bucket, reporter, target, monkeypatch
):
    from projects.admin.tracking import ProgressReportAdmin

    def fail(*args):
        raise RuntimeError("after the files were stored")

    monkeypatch.setattr(ProgressReportAdmin, "log_addition", fail)
    with pytest.raises(RuntimeError):
        upload(client, target, ("a.pdf", MINIMAL_PDF), ("b.pdf", MINIMAL_PDF))
    assert ProgressReport.objects.count() == 0
    assert bucket.keys() == []


@pytest.mark.django_db(transaction=True)
def test_a_backup_brings_the_bucket_back(client, bucket, reporter, target, tmp_path):
    files = [("a.jpg", image_bytes()), ("验收报告.pdf", MINIMAL_PDF)]
    assert upload(client, target, *files).status_code == 302
    before = {key: bucket.read(key) for key in bucket.keys()}
    names = sorted(Evidence.objects.values_list("file", flat=True))
    assert sorted(before) == names and len(names) == 2

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=StringIO())
    call_command("flush", interactive=False, stdout=StringIO())
    bucket.empty()
    call_command("restore", str(archive), stdout=StringIO())

    assert {key: bucket.read(key) for key in bucket.keys()} == before
    assert sorted(Evidence.objects.values_list("file", flat=True)) == names


def test_an_incomplete_s3_store_is_refused_at_start(settings):
    settings.STORAGES = store_settings(FILE_STORE="s3", S3_BUCKET="yicheng")
    errors = checks.file_store_is_complete(None)
    assert [e.id for e in errors] == ["yicheng.E008"]
    assert "S3_ENDPOINT_URL、S3_ACCESS_KEY_ID、S3_SECRET_ACCESS_KEY" in errors[0].msg


def test_a_complete_s3_store_and_the_local_folder_pass_the_check(settings):
    complete = {
        "S3_BUCKET": "yicheng",
        "S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com",
        "S3_ACCESS_KEY_ID": "id",
        "S3_SECRET_ACCESS_KEY": "secret",
    }
    settings.STORAGES = store_settings(FILE_STORE="s3", **complete)
    assert checks.file_store_is_complete(None) == []
    settings.STORAGES = store_settings(FILE_STORE="local")
    assert checks.file_store_is_complete(None) == []


def test_a_name_stored_twice_keeps_both_files(bucket):
    first = default_storage.save("evidence/a.pdf", ContentFile(b"first"))
    second = default_storage.save("evidence/a.pdf", ContentFile(b"second"))
    assert first != second
    assert (bucket.read(first), bucket.read(second)) == (b"first", b"second")


def test_the_admin_links_a_stored_photo_through_our_view_never_the_bucket(client, db, bucket):
    housing = DepartmentFactory(name="区住建局")
    plan = PlanFactory(year=2026)
    client.force_login(make_official("zj-reporter", roles.REPORTER, housing))
    client.post(reverse("admin:projects_matter_add"), {**entry(plan, housing), "photo": png()})
    item = Matter.objects.get()
    assert bucket.keys() == [item.photo.name]
    change = reverse("admin:projects_matter_change", args=[item.pk])
    ours = reverse("projects:matter_photo", args=[item.key])
    editable = client.get(change).content.decode()
    client.force_login(make_official("checker", roles.REVIEWER))  # who may only view it
    viewed = client.get(change).content.decode()
    for page in (editable, viewed):
        assert f'href="{ours}"' in page
        assert bucket.name not in page and "Signature" not in page
    assert 'name="photo"' in editable and 'name="photo"' not in viewed
