"""The photo checks (issue 36) keep no position and show the public nothing: a photo's
coordinates go into a distance band and are dropped, the stored file carries no EXIF,
and no public page, API list, CSV or data package says a word of the checks."""

import io
import re
import struct
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from projects.models import Evidence, PhotoPrint, ProgressReport, Site, SiteReport
from projects.rules import photos, roles

from .conftest import make_official, report_form
from .factories import DepartmentFactory, PlanFactory, TargetFactory
from .files import photo_bytes

POSITION = (32.98, 114.02)  # where the phone says it was: in 驿城区
# The site, about 150 m away (the band is 近); its digits share no prefix with the photo's.
SITE = (Decimal("32.979000"), Decimal("114.019000"))
TAKEN = datetime(2026, 11, 20, 9, 37)  # Beijing; 01:37 UTC
CAPTION = "西园口袋公园施工现场"
# The position as text in any form a leak would take: decimal, a float's tail,
# degrees-minutes-seconds (32°58′48″ N, 114°01′12″ E) as EXIF rationals or written out.
COORDINATE_TEXTS = [
    "32.98", "32.9799", "114.02", "114.0199", "32°58", "114°1", "114°01",
    "58.0, 48.0", "(114.0, 1.0, 12.0)", "58'48", "1'12",
]  # fmt: skip
TIME_TEXTS = ["2026-11-20", "2026:11:20", "11月20日", "09:37", "01:37"]
# Bare 核查 is the public's word for 督查's checks of a supervision: the photos' are named.
CHECK_WORDS = [
    "拍摄于", "拍摄时间", "拍摄位置", "公里", "指纹",
    "照片核查", "核查时间", "距点位", "未发现重复",
]  # fmt: skip
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:?\d\d|Z)?")


@pytest.fixture
def target(db):
    plan = PlanFactory(year=2026)
    target = TargetFactory(
        project__plan=plan,
        project__number=1,
        project__title="小游园",
        project__lead_department=DepartmentFactory(name="区住建局"),
        name="新建小游园",
        unit="座",
        target_value=16,
    )
    Site.objects.create(
        target=target,
        name="西园口袋公园",
        street="西园街道",
        latitude=SITE[0],
        longitude=SITE[1],
    )
    return target


@pytest.fixture
def approved(client, target):
    """A reporter's figure with a phone photo (time and GPS in its EXIF), sent through
    the admin, its photo checked, then approved: (report, evidence, print)."""
    reporter = make_official("clerk", roles.REPORTER, target.project.lead_department)
    client.force_login(reporter)
    original = photo_bytes(36, (800, 600), taken=TAKEN, position=POSITION)
    data = report_form(target, value="15", as_of="2026-11-24")
    data.update(
        {
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-file": SimpleUploadedFile("IMG_0036.jpg", original),
            "evidence-0-caption": CAPTION,
        }
    )
    response = client.post(reverse("admin:projects_progressreport_add"), data)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    print_ = PhotoPrint.objects.get(evidence=evidence)  # the upload's checks made it
    report = evidence.report
    reviewer = make_official("checker", roles.REVIEWER)
    report.submit(reporter)
    report.approve(reviewer)
    stage = SiteReport.objects.create(
        site=target.sites.get(), stage=Site.Stage.STARTED, as_of=report.as_of, created_by=reporter
    )
    stage.approve(reviewer)  # the site is public too
    client.logout()
    report.refresh_from_db()
    assert report.state == ProgressReport.State.APPROVED
    return report, evidence, print_


def every_value():
    """(table, value) for every column of every row of every table, history included."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    yield table, value


def coordinate_in(value):
    """Why `value` holds the photo's position, or None."""
    if isinstance(value, float | Decimal):
        near = [c for c in POSITION if abs(float(value) - c) < 0.0005]
        return f"the number {value}" if near else None
    if isinstance(value, memoryview | bytes):
        raw = bytes(value)
        for c in POSITION:
            for packed in (struct.pack("<d", c), struct.pack(">d", c)):
                if packed in raw:
                    return f"{c} as a binary double"
        value = raw.decode("latin-1")
    if not isinstance(value, str) or ISO_TIME.fullmatch(value):
        return None  # an instant's seconds may read 32.98…: not a coordinate
    return next((text for text in COORDINATE_TEXTS if text in value), None)


def test_no_table_holds_a_coordinate_of_the_photo(approved):
    _report, _evidence, print_ = approved
    assert print_.band == PhotoPrint.Band.NEAR and print_.had_position  # it was read
    leaks = [(table, why) for table, value in every_value() if (why := coordinate_in(value))]
    assert leaks == []


def test_the_scan_finds_a_coordinate_where_one_is_stored(approved):
    """The scan above can fail: a position in a caption, or a site's, is found."""
    _report, evidence, _print = approved
    Evidence.objects.filter(pk=evidence.pk).update(caption="位置 32.98, 114.02")
    Site.objects.update(latitude=Decimal("32.980000"))
    found = sorted(why for _table, value in every_value() if (why := coordinate_in(value)))
    assert found[0] == "32.98" and found[1].startswith("the number 32.98")


def test_the_stored_photo_carries_no_position_and_no_capture_time(approved):
    _report, evidence, _print = approved
    with evidence.file.open("rb") as file:
        stored = file.read()
    with Image.open(io.BytesIO(stored)) as image:
        exif = image.getexif()
        assert exif.get_ifd(photos.GPS_IFD) == {}
        assert photos.DATETIME_ORIGINAL not in exif.get_ifd(photos.EXIF_IFD)
        assert photos.read_capture(image) == photos.Capture()
    assert b"2026:11:20" not in stored and b"PhoneModel" not in stored


def public_texts(client, target):
    """{where: text} of everything the public receives about the plan: the pages, the
    API lists and document, the CSVs, the data package, the feed."""
    project, site = target.project, target.sites.get()
    urls = [
        "/",
        "/plans/2026/",
        project.get_absolute_url(),
        reverse("projects:sign", args=[2026, project.number]),
        f"/m/p{project.pk}",
        f"/m/s{site.pk}",
        "/plans/2026/sites/",
        "/plans/2026/targets/",
        "/plans/2026/targets/?export=csv",
        "/plans/2026/updates/",
        "/plans/2026/feed/",
        "/plans/2026/bulletins/2026-11/",
        "/data/",
        "/data/reports.csv",
        *(f"/api/v1/{name}/?plan=2026" for name in ("reports", "targets", "projects", "sites")),
        "/api/v1/sites.geojson?plan=2026",
        "/api/v1/openapi.json",
    ]
    texts = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = b"".join(response).decode() if response.streaming else response.text
    response = client.get("/data/2026/yicheng-minsheng-shishi-2026.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        for name in package.namelist():
            texts[f"package: {name}"] = package.read(name).decode("utf-8-sig")
    return texts


def test_nothing_of_the_checks_reaches_the_public(client, target, approved):
    _report, evidence, print_ = approved
    fingerprint = print_.fingerprint
    forbidden = [
        str(fingerprint),
        f"{fingerprint & (1 << 64) - 1:016x}",
        "fingerprint",
        "taken_at",
        "had_position",
        PhotoPrint.Band.NEAR.label + "（",
        *CHECK_WORDS,
        *TIME_TEXTS,
        *COORDINATE_TEXTS,
    ]
    texts = public_texts(client, target)
    leaks = [(where, word) for where, text in texts.items() for word in forbidden if word in text]
    assert leaks == []
    # The look reaches what the approval made public: the photo, its caption, its file.
    assert CAPTION in texts[target.project.get_absolute_url()]
    assert CAPTION in texts["/api/v1/reports/?plan=2026"]
    assert str(evidence.key) in texts["package: evidence.csv"]


def test_the_api_has_no_list_of_photo_checks(client, db):
    document = client.get("/api/v1/openapi.json").json()
    assert [path for path in document["paths"] if re.search("print|photo|check", path)] == []
    schemas = document["components"]["schemas"]
    assert [name for name in schemas if re.search("Print|Photo|Match", name)] == []
    for guess in ("photo_prints", "prints", "photo_checks", "photomatches"):
        assert client.get(f"/api/v1/{guess}/").status_code == 404
