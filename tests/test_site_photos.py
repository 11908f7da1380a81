"""Site stages' photos (issue 36): the reviewer sees each photo's checks beside it on
the stage's change page; the public sees the latest approved 施工前 and 完工后 photos
side by side on the site's page (码上查), and nothing of the checks."""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import PhotoPrint, Site, SiteReport, SiteStage
from projects.rules import roles

from .conftest import make_official
from .factories import DepartmentFactory, TargetFactory
from .files import photo_bytes

# 西园口袋公园, WGS-84; 0.018° of latitude north of it is some 2 km away.
PARK = (32.9731, 114.0437)
TWO_KM_NORTH = (PARK[0] + 0.018, PARK[1])
BEFORE, DURING, AFTER = SiteReport.Phase.BEFORE, SiteReport.Phase.DURING, SiteReport.Phase.AFTER
# What the checks say, none of which the public may read.
CHECK_WORDS = ("公里", "米以内", "拍摄于", "拍摄位置", "拍摄信息", "指纹", "核查", "重复使用")


@pytest.fixture
def lead(db):
    return DepartmentFactory(name="区城管局")


@pytest.fixture
def reporter(lead):
    return make_official("reporter", roles.REPORTER, lead)


@pytest.fixture
def reviewer(db):
    return make_official("reviewer", roles.REVIEWER)


@pytest.fixture
def park(plan, lead):
    target = TargetFactory(
        project__plan=plan, project__lead_department=lead, name="新建口袋公园", unit="个"
    )
    return Site.objects.create(
        target=target,
        name="西园口袋公园",
        street="西园街道",
        latitude=Decimal(str(PARK[0])),
        longitude=Decimal(str(PARK[1])),
    )


def stage(site, day, by, reviewer=None, phase="", seed=None, stage=SiteStage.STARTED):
    """A stage change entered by `by` with a photo marked `phase` and, with `reviewer`,
    approved."""
    report = SiteReport(site=site, stage=stage, as_of=day, created_by=by, phase=phase)
    if seed is not None:
        report.photo_type = "image/jpeg"
        report.photo.save("photo.jpg", ContentFile(photo_bytes(seed, (64, 48))), save=False)
    report.save()
    if reviewer is not None:
        report.approve(reviewer)
    return report


def pair_on(page):
    """[(photo address, phase label, date)] of the page's before-and-after view."""
    block = page.split('<div class="before-after"', 1)[1].split("</div>", 1)[0]
    return re.findall(
        r'<img src="([^"]+)".*?<span class="tag">([^<]+)</span> <time[^>]*>([^<]+)</time>',
        block,
        re.S,
    )


def photo_url(report):
    return reverse("projects:site_photo", args=[report.key])


# The public's before and after.


def test_the_latest_approved_before_during_and_after_photos_show_side_by_side(
    client, park, reporter, reviewer
):
    stage(park, date(2021, 3, 1), reporter, reviewer, BEFORE, seed=1)
    before = stage(park, date(2021, 3, 20), reporter, reviewer, BEFORE, seed=2)
    during = stage(park, date(2021, 5, 1), reporter, reviewer, DURING, seed=3)
    stage(park, date(2021, 6, 1), reporter, reviewer, "", seed=4)  # a photo of no phase
    after = stage(park, date(2021, 6, 30), reporter, reviewer, AFTER, seed=5, stage=3)
    page = client.get(f"/m/s{park.pk}").content.decode()
    assert pair_on(page) == [
        (photo_url(before), "施工前", "2021-03-20"),
        (photo_url(during), "施工中", "2021-05-01"),
        (photo_url(after), "完工后", "2021-06-30"),
    ]
    assert '<p class="meta">照片经审核后公开。</p>' in page
    assert client.get(photo_url(after))["Content-Type"] == "image/jpeg"


def test_an_unapproved_after_photo_is_not_shown(client, park, reporter, reviewer):
    before = stage(park, date(2021, 3, 1), reporter, reviewer, BEFORE, seed=1)
    waiting = stage(park, date(2021, 6, 30), reporter, None, AFTER, seed=2)
    page = client.get(f"/m/s{park.pk}").content.decode()
    assert 'class="before-after"' not in page  # no 完工后 photo approved yet: no pair
    assert photo_url(waiting) not in page
    after = stage(park, date(2021, 6, 1), reporter, reviewer, AFTER, seed=3)
    page = client.get(f"/m/s{park.pk}").content.decode()
    assert [url for url, _label, _day in pair_on(page)] == [photo_url(before), photo_url(after)]
    assert photo_url(waiting) not in page


def test_the_pair_follows_the_page_day(client, park, reporter, reviewer):
    stage(park, date(2021, 3, 1), reporter, reviewer, BEFORE, seed=1)
    stage(park, date(2021, 6, 30), reporter, reviewer, AFTER, seed=2)
    assert 'class="before-after"' in client.get(f"/m/s{park.pk}").content.decode()
    earlier = client.get(f"/m/s{park.pk}?as_of=2021-05-01").content.decode()
    assert 'class="before-after"' not in earlier


def test_the_pair_costs_no_query(queries_of, park, reporter, reviewer):
    stage(park, date(2021, 3, 1), reporter, reviewer, "", seed=1)
    without = len(queries_of(f"/m/s{park.pk}"))
    stage(park, date(2021, 3, 2), reporter, reviewer, BEFORE, seed=2)
    stage(park, date(2021, 6, 30), reporter, reviewer, AFTER, seed=3)
    # The pair is read from the site's approved stages, which the page reads anyway
    # (tests/test_sites.py lists the site page's 19 queries).
    assert len(queries_of(f"/m/s{park.pk}")) == without == 19


# The reviewer's checks, through the admin.


def upload(client, site, day, data, phase=""):
    return client.post(
        reverse("admin:projects_sitereport_add"),
        {
            "site": site.pk,
            "stage": "1",
            "as_of": day,
            "note": "",
            "phase": phase,
            "photo": SimpleUploadedFile("photo.jpg", data, "image/jpeg"),
        },
    )


def far_photo():
    return photo_bytes(7, (400, 300), taken=datetime(2021, 6, 28, 10, 0), position=TWO_KM_NORTH)


def test_a_photo_2_km_from_the_site_is_flagged_beside_it_on_the_change_page(
    client, park, reporter, reviewer
):
    client.force_login(reporter)
    response = upload(client, park, "2021-06-30", far_photo(), AFTER)
    assert response.status_code == 302, response.content.decode()[:2000]
    change = SiteReport.objects.get()
    assert change.phase == AFTER
    client.force_login(reviewer)
    page = client.get(reverse("admin:projects_sitereport_change", args=[change.pk]))
    checks = page.content.decode().split("照片核查", 1)[1].split("</ul>", 1)[0]
    assert "⚠</span> 拍摄位置距最近点位超过 1 公里" in checks
    assert "✓</span> 拍摄于 2021-06-28 10:00，在本期内" in checks


def test_a_new_date_without_a_new_photo_moves_the_period_its_photo_is_judged_by(
    client, park, reporter
):
    client.force_login(reporter)
    upload(client, park, "2021-06-30", far_photo())
    change = SiteReport.objects.get()
    form = {"site": park.pk, "stage": "1", "as_of": "2021-06-20", "note": "", "phase": ""}
    response = client.post(reverse("admin:projects_sitereport_change", args=[change.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PhotoPrint.objects.get(site_report=change).period_to == date(2021, 6, 20)


def test_no_check_result_reaches_the_public_site_page(client, park, reporter, reviewer):
    stage(park, date(2021, 3, 1), reporter, reviewer, BEFORE, seed=1)
    client.force_login(reporter)
    upload(client, park, "2021-06-30", far_photo(), AFTER)
    after = SiteReport.objects.get(phase=AFTER)
    assert PhotoPrint.objects.get(site_report=after).band == PhotoPrint.Band.FAR
    after.approve(reviewer)
    client.logout()
    page = client.get(f"/m/s{park.pk}").content.decode()
    assert photo_url(after) in page
    assert [word for word in CHECK_WORDS if word in page] == []


def test_a_phase_not_among_the_choices_is_refused_in_chinese(client, park, reporter):
    client.force_login(reporter)
    response = upload(client, park, "2021-06-30", far_photo(), "finished")
    assert response.status_code == 200
    assert "照片类别只能是施工前、施工中或完工后，也可以不选。" in response.content.decode()
    assert not SiteReport.objects.exists()
