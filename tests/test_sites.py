"""Sites (点位) and the 民生码: a stage change reviewed like a figure and counted into its
target; the poster's QR code decoded by a real decoder (zbarimg) and followed; 码上评
counted at once within its limits; 码上提 moderated and answered in the open."""

import io
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from projects.models import (
    Answer,
    OnlineRating,
    PlanRule,
    ProgressReport,
    PublicInput,
    Site,
    SiteReport,
    SiteStage,
)
from projects.rules import geo, roles

from .conftest import make_official
from .factories import DepartmentFactory, ProjectFactory, ReportFactory, TargetFactory
from .refusals import BAD_REQUEST, assert_refused

SITE_URL = "https://jd.example.gov.cn"
# 驿城区: 西园街道, GCJ-02 as Gaode shows it, and its WGS-84 by the same formula.
YICHENG = (Decimal("114.043700"), Decimal("32.973100"))


@pytest.fixture
def lead(db):
    return DepartmentFactory(name="区城管局")


@pytest.fixture
def project(plan, lead):
    return ProjectFactory(
        plan=plan,
        number=8,
        title="口袋公园",
        pledge_text="新建口袋公园16个。",
        lead_department=lead,
    )


@pytest.fixture
def parks(project):
    """新建口袋公园 16 个, counted by its sites that are 已完工."""
    return TargetFactory(
        project=project,
        name="新建口袋公园",
        unit="个",
        target_value=Decimal("16"),
        counted_stage=SiteStage.COMPLETED,
    )


@pytest.fixture
def reporter(lead):
    return make_official("reporter", roles.REPORTER, lead)


@pytest.fixture
def reviewer(db):
    return make_official("reviewer", roles.REVIEWER)


@pytest.fixture
def moderator(db):
    return make_official("moderator", roles.MODERATOR)


def new_site(target, name="西园口袋公园", **fields):
    return Site.objects.create(
        target=target,
        name=name,
        street=fields.pop("street", "西园街道"),
        community=fields.pop("community", "文化社区"),
        **fields,
    )


def stage(site, stage, day, by, reviewer=None, note=""):
    """A stage change entered by `by` and, with `reviewer`, approved."""
    report = SiteReport.objects.create(site=site, stage=stage, as_of=day, created_by=by, note=note)
    if reviewer is not None:
        report.approve(reviewer)
    return report


@pytest.fixture
def park(parks, reporter, reviewer):
    site = new_site(parks, longitude=YICHENG[0], latitude=YICHENG[1])
    stage(site, SiteStage.STARTED, date(2021, 4, 1), reporter, reviewer)
    return site


# Stages: reviewed like a figure, counted into the target.


def test_a_site_is_public_only_once_a_reviewer_approves_a_stage(client, parks, reporter, reviewer):
    site = new_site(parks)
    change = stage(site, SiteStage.STARTED, date(2021, 4, 1), reporter)
    assert client.get(f"/m/s{site.pk}").status_code == 404
    assert "西园口袋公园" not in client.get(parks.project.get_absolute_url()).content.decode()
    change.approve(reviewer)
    page = client.get(f"/m/s{site.pk}").content.decode()
    assert "<h1>西园口袋公园</h1>" in page
    now = '<p class="stage-now">本点位 <span class="tag stage-1">已开工</span> '
    assert now + '<span class="meta">2021-04-01 起</span></p>' in page
    assert "西园口袋公园" in client.get(parks.project.get_absolute_url()).content.decode()


def test_an_approved_stage_change_moves_the_targets_figure(client, park, reporter, reviewer):
    parks = park.target
    # The first public site makes the count a reported fact: 0 parks 已完工 on 04-01.
    assert list(parks.reports.values_list("as_of", "value")) == [(date(2021, 4, 1), 0)]
    stage(park, SiteStage.COMPLETED, date(2021, 6, 30), reporter, reviewer)
    report = ProgressReport.objects.get(target=parks, as_of=date(2021, 6, 30))
    assert (report.value, report.as_of, report.state, report.from_sites) == (
        Decimal("1"),
        date(2021, 6, 30),
        "approved",
        True,
    )
    assert (report.created_by, report.reviewed_by) == (reporter, reviewer)
    parks.refresh_from_db()
    assert parks.latest_value == 1
    page = client.get(parks.project.get_absolute_url()).content.decode()
    assert "<strong>1</strong> / 目标 16 个" in page
    # ?as_of= the day before reads the reports as of then: nothing reported yet.
    before = client.get(parks.project.get_absolute_url() + "?as_of=2021-06-29").content.decode()
    assert "<strong>0</strong> / 目标 16 个" in before


def test_a_stage_change_reported_late_corrects_the_later_count_in_the_open(
    parks, reporter, reviewer
):
    first, second = new_site(parks, "甲园"), new_site(parks, "乙园")
    stage(first, SiteStage.COMPLETED, date(2021, 8, 1), reporter, reviewer)
    stage(second, SiteStage.COMPLETED, date(2021, 7, 1), reporter, reviewer)  # reported late
    figures = list(
        ProgressReport.objects.approved()
        .filter(target=parks)
        .order_by("as_of", "pk")
        .values_list("as_of", "value", "corrects__value")
    )
    assert figures == [
        (date(2021, 7, 1), 1, None),
        (date(2021, 8, 1), 1, None),
        (date(2021, 8, 1), 2, 1),  # the 1 of 8-01 corrected to 2, with its reason
    ]
    assert "补报点位“乙园”" in ProgressReport.objects.order_by("pk").last().note


def test_a_stage_that_does_not_reach_the_counted_stage_writes_no_figure(park, reporter, reviewer):
    stage(park, SiteStage.STRUCTURE_DONE, date(2021, 5, 1), reporter, reviewer)
    assert park.target.reports.count() == 1  # the 0 of the first stage, nothing more


def test_a_target_that_counts_sites_takes_no_typed_figure(client, parks, reporter):
    client.force_login(reporter)
    response = client.post(
        reverse("admin:projects_progressreport_add"),
        {
            "target": parks.pk,
            "value": "5",
            "as_of": "2021-06-30",
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
        },
    )
    assert "按点位计数" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_nobody_approves_a_stage_they_entered_and_a_reporter_approves_none(
    client, park, reporter, reviewer
):
    change = stage(park, SiteStage.COMPLETED, date(2021, 6, 30), reviewer)
    with pytest.raises(Exception, match="不能审核自己"):
        change.approve(reviewer)
    client.force_login(reporter)
    changelist = reverse("admin:projects_sitereport_changelist")
    assert "approve_selected" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "approve_selected", "_selected_action": [change.pk]})
    change.refresh_from_db()
    assert change.state == "submitted"


def test_a_stage_going_back_needs_a_reason(park, reporter):
    with pytest.raises(Exception, match="阶段倒退属于更正"):
        SiteReport(
            site=park, stage=SiteStage.NOT_STARTED, as_of=date(2021, 5, 1), created_by=reporter
        ).full_clean()


def test_a_stage_change_in_the_admin_with_its_photo_goes_to_review(
    client, park, reporter, reviewer
):
    client.force_login(reporter)
    response = client.post(
        reverse("admin:projects_sitereport_add"),
        {"site": park.pk, "stage": "3", "as_of": "2021-06-30", "note": "", "photo": jpeg()},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = SiteReport.objects.get(stage=SiteStage.COMPLETED)
    assert (change.state, change.created_by, change.photo_type) == (
        "submitted",
        reporter,
        "image/jpeg",
    )
    client.force_login(reviewer)
    client.post(
        reverse("admin:projects_sitereport_changelist"),
        {"action": "approve_selected", "_selected_action": [change.pk]},
    )
    change.refresh_from_db()
    assert change.state == "approved"
    page = client.get(f"/m/s{park.pk}").content.decode()
    assert reverse("projects:site_photo", args=[change.key]) in page
    assert client.get(reverse("projects:site_photo", args=[change.key])).status_code == 200


def test_a_disguised_photo_is_refused_and_nothing_is_stored(client, park, reporter):
    client.force_login(reporter)
    fake = SimpleUploadedFile("park.jpg", b"<html>not a photo</html>", "image/jpeg")
    response = client.post(
        reverse("admin:projects_sitereport_add"),
        {"site": park.pk, "stage": "3", "as_of": "2021-06-30", "photo": fake},
    )
    assert "只能上传 JPEG、PNG 或 WebP 照片" in response.content.decode()
    assert SiteReport.objects.count() == 1


def test_a_stage_dated_after_today_is_refused(park, reporter):
    with pytest.raises(Exception, match="日期不能晚于今天"):
        SiteReport(
            site=park, stage=SiteStage.COMPLETED, as_of=date(2027, 1, 1), created_by=reporter
        ).full_clean()


def test_a_reporter_sees_and_enters_only_their_departments_sites(client, park):
    other = make_official("other", roles.REPORTER, DepartmentFactory(name="区卫健委"))
    client.force_login(other)
    assert client.get(reverse("admin:projects_site_change", args=[park.pk])).status_code == 302
    response = client.post(
        reverse("admin:projects_sitereport_add"),
        {"site": park.pk, "stage": "3", "as_of": "2021-06-30"},
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert SiteReport.objects.count() == 1


# Coordinates


def test_the_gcj02_formula_matches_its_published_reference_point():
    # eviltransform's test vector: Tiananmen, WGS-84 → GCJ-02.
    assert geo.wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12
    )
    assert geo.gcj02_to_wgs84(116.41024449916938, 39.91640428150164) == pytest.approx(
        (116.404, 39.915), abs=1e-7
    )


def site_form(target, **fields):
    return {
        "target": target.pk,
        "name": "文化口袋公园",
        "street": "西园街道",
        "community": "",
        "address": "",
        "coordinate_system": "gcj02",
        **fields,
    }


def test_gcj02_coordinates_are_stored_as_wgs84(client, parks, reporter):
    client.force_login(reporter)
    response = client.post(
        reverse("admin:projects_site_add"),
        site_form(parks, longitude="114.043700", latitude="32.973100"),
    )
    assert response.status_code == 302
    site = Site.objects.get()
    # The GCJ-02 offset near Zhumadian is some 600 m: about −0.0059° and +0.0018°.
    assert (site.longitude, site.latitude) == (Decimal("114.037783"), Decimal("32.974896"))
    back = geo.wgs84_to_gcj02(float(site.longitude), float(site.latitude))
    assert abs(back[0] - 114.0437) < 1e-6 and abs(back[1] - 32.9731) < 1e-6
    assert site.created_by == reporter


def test_wgs84_coordinates_are_kept_as_typed(client, parks, reporter):
    client.force_login(reporter)
    client.post(
        reverse("admin:projects_site_add"),
        site_form(parks, longitude="114.0437", latitude="32.9731", coordinate_system="wgs84"),
    )
    site = Site.objects.get()
    assert (site.longitude, site.latitude) == YICHENG


@pytest.mark.parametrize(
    ("longitude", "latitude", "message"),
    [
        ("32.9731", "114.0437", "经度和纬度似乎填反了"),
        ("-122.4", "37.8", "不在中国境内"),
        ("114.0437", "", "经度和纬度须同时填写"),
        ("abc", "32.9", "输入一个数字"),
    ],
)
def test_coordinates_that_cannot_be_a_site_in_china_are_refused(
    client, parks, reporter, longitude, latitude, message
):
    client.force_login(reporter)
    response = client.post(
        reverse("admin:projects_site_add"),
        site_form(parks, longitude=longitude, latitude=latitude),
    )
    assert message in response.content.decode()
    assert not Site.objects.exists()


# The 民生码: poster, QR code, short address


def zbar(png):
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None and not os.environ.get("CI"):
        pytest.skip("zbarimg (Debian zbar-tools) is not installed; .ci/run installs it")
    assert zbarimg, "CI must have zbarimg: .ci/run installs zbar-tools"
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own image
        [zbarimg, "--quiet", "--raw", "-"], input=png, capture_output=True, check=True
    )
    return result.stdout.decode().strip()


def test_a_sites_qr_code_decodes_to_its_short_address_on_the_site_url(client, park, settings):
    settings.SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = ["jd.example.gov.cn", "testserver"]
    response = client.get(f"/m/s{park.pk}/qr.png")
    assert response["Content-Type"] == "image/png"
    url = zbar(response.content)
    assert url == f"{SITE_URL}/m/s{park.pk}"
    path = url.removeprefix(SITE_URL)
    page = client.get(path)
    assert page.status_code == 200
    assert "西园口袋公园" in page.content.decode()


def test_the_poster_says_the_promise_the_department_the_due_date_and_the_three_actions(
    client, park
):
    page = client.get(f"/m/s{park.pk}/poster").content.decode()
    for text in (
        "民生码",
        "西园口袋公园",
        "新建口袋公园16个。",
        "区城管局",
        "2021年12月31日",
        "码上查",
        "码上评",
        "码上提",
        f"http://testserver/m/s{park.pk}",
        "<svg",
    ):
        assert text in page, text


def test_every_project_page_links_to_its_poster_as_min_sheng_ma(client, project):
    page = client.get(project.get_absolute_url()).content.decode()
    assert f'href="/m/p{project.pk}/poster">民生码</a>' in page
    assert client.get(f"/m/p{project.pk}/poster").status_code == 200


@pytest.mark.parametrize(
    "path", ["/m/s999999999", "/m/p999999999", "/m/x1", "/m/s1234567890", "/m/s-1", "/m/s1/qr.png"]
)
def test_forged_or_unknown_codes_are_a_404(client, db, path):
    assert client.get(path).status_code == 404


def test_a_site_of_an_unpublished_plan_is_a_404(client, park):
    park.target.project.plan.is_published = False
    park.target.project.plan.save()
    assert client.get(f"/m/s{park.pk}").status_code == 404
    assert client.get(f"/m/p{park.target.project.pk}").status_code == 404


# 码上评


def rate(client, path, verdict="satisfied", **fields):
    client.get(f"{path}/rate")  # the CSRF cookie, as a browser has it
    return client.post(f"{path}/rate", {"verdict": verdict, **fields})


def test_a_rating_counts_at_once_and_its_comment_waits_for_a_moderator(client, park, moderator):
    response = rate(client, f"/m/s{park.pk}", "dissatisfied", text="晚上路灯不亮，散步不安全。")
    assert response.status_code == 302
    rating = OnlineRating.objects.get()
    assert (rating.site, rating.month, rating.verdict) == (park, date(2026, 11, 1), "dissatisfied")
    page = client.get(f"/m/s{park.pk}").content.decode()
    assert "<td>2026-11</td><td>0</td><td>0</td><td>1</td><td>1</td><td>100%</td>" in page
    assert "未经核实的网上评价" in page
    assert "路灯不亮" not in page
    rating.comment.publish(moderator)
    assert "路灯不亮" in client.get(f"/m/s{park.pk}").content.decode()
    project_page = client.get(f"/m/p{park.target.project.pk}").content.decode()
    assert "<td>2026-11</td><td>0</td><td>0</td><td>1</td><td>1</td>" in project_page


def test_one_rating_per_browser_per_project_a_month(client, park):
    assert rate(client, f"/m/s{park.pk}").status_code == 302
    again = rate(client, f"/m/p{park.target.project.pk}", "fair")  # another code, same project
    assert_refused(again, BAD_REQUEST, "本月（2026年11月）您已评价过这件实事")
    assert OnlineRating.objects.count() == 1
    with time_machine.travel(datetime(2026, 12, 2, 2, tzinfo=UTC)):
        assert rate(client, f"/m/s{park.pk}").status_code == 302
    assert OnlineRating.objects.count() == 2


def test_a_browser_that_rated_this_month_is_told_before_it_fills_the_form_in(client, park):
    assert 'name="verdict"' in client.get(f"/m/s{park.pk}/rate").content.decode()
    assert rate(client, f"/m/s{park.pk}").status_code == 302
    page = client.get(f"/m/p{park.target.project.pk}/rate").content.decode()  # same project
    assert "本月（2026年11月）您已评价过这件实事" in page and "12月1日起可以再评" in page
    assert 'name="verdict"' not in page
    assert 'name="verdict"' in Client().get(f"/m/s{park.pk}/rate").content.decode()


def test_a_rating_for_a_project_of_a_closed_plan_is_refused(client, park):
    plan = park.target.project.plan
    plan.stage = plan.Stage.ARCHIVED
    plan.save()
    page = client.get(f"/m/s{park.pk}/rate").content.decode()
    assert "不再接受码上评" in page
    assert_refused(rate(client, f"/m/s{park.pk}"), BAD_REQUEST, "不再接受码上评")
    assert not OnlineRating.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"verdict": "great"}, "请从满意、基本满意、不满意中选择一项。"),
        ({"verdict": ""}, "请选择满意、基本满意或不满意。"),
        ({"text": "联系我 13912345678"}, "内容中似乎有电话号码或身份证号"),
    ],
)
def test_a_bad_rating_is_refused_in_chinese_and_changes_nothing(client, park, fields, message):
    assert_refused(rate(client, f"/m/s{park.pk}", **fields), BAD_REQUEST, message)
    assert not OnlineRating.objects.exists() and not PublicInput.objects.exists()


def test_a_flood_of_ratings_from_one_client_meets_the_429(client, park, settings):
    settings.VOICE_BROWSER_HARD = 3
    for _ in range(3):
        rate(client, f"/m/s{park.pk}")
    response = client.post(f"/m/s{park.pk}/rate", {"verdict": "satisfied"})
    assert response.status_code == 429
    assert OnlineRating.objects.count() == 1


def test_a_project_mostly_dissatisfied_this_month_is_in_the_ledger(client, park, reviewer):
    plan = park.target.project.plan
    rules = plan.rules_on(date(2026, 11, 30)).values
    assert [rules[name] for name in LEDGER_RULES] == [10, 5, 30]
    project = park.target.project
    other = ProjectFactory(plan=plan, number=9, title="停车位")

    def ratings(project, verdicts):
        for n, verdict in enumerate(verdicts):  # each from a network of its own
            OnlineRating.objects.create(
                project=project, verdict=verdict, month=date(2026, 11, 1), new_network=n < 5
            )

    ratings(project, ["dissatisfied"] * 4 + ["satisfied"] * 5)  # 44%, but only 9 ratings
    ratings(other, ["dissatisfied"] * 3 + ["fair"] * 7)  # 10 ratings, but 30% is not more
    client.force_login(reviewer)
    ledger = reverse("admin:projects_ledger") + f"?plan={plan.year}"
    assert "码上评“不满意”占比超过界限的实事（0）" in client.get(ledger).content.decode()
    ratings(project, ["satisfied"])  # the tenth: 4 of 10, from 6 networks
    page = client.get(ledger).content.decode()
    assert "码上评“不满意”占比超过界限的实事（1）" in page
    assert "40%</td><td>6</td>" in page and "口袋公园" in page


def test_a_months_dissatisfied_share_is_rounded_half_up(client, park):
    for verdict in ["dissatisfied"] + ["satisfied"] * 15:  # 1 of 16: 6.25%
        OnlineRating.objects.create(
            project=park.target.project, verdict=verdict, month=date(2026, 11, 1)
        )
    page = client.get(f"/m/p{park.target.project.pk}").content.decode()
    assert "<td>16</td><td>6.3%</td>" in page


LEDGER_RULES = [
    PlanRule.Name.ONLINE_RATING_MINIMUM,
    PlanRule.Name.ONLINE_RATING_NETWORKS,
    PlanRule.Name.ONLINE_DISSATISFIED_SHARE,
]


def listed_in_the_ledger(client, reviewer, plan):
    client.force_login(reviewer)
    page = client.get(reverse("admin:projects_ledger") + f"?plan={plan.year}")
    client.logout()
    return "码上评“不满意”占比超过界限的实事（1）" in page.content.decode()


def test_25_ratings_from_one_address_do_not_list_a_project(client, park, reviewer, settings):
    """The probe's finding: 25 不满意 from one IPv4 address, a new browser each time
    (the hourly limit on posts raised to let them all through). The address's cap (5)
    is below the ledger's minimum (10)."""
    settings.VOICE_ADDRESS_SOFT = settings.VOICE_ADDRESS_HARD = 100
    project = park.target.project
    answers = [
        rate(from_address("203.0.113.7"), f"/m/p{project.pk}", "dissatisfied") for _ in range(25)
    ]
    assert [a.status_code for a in answers] == [302] * 5 + [400] * 20
    assert "本月从您所在网络提交的评价已达上限" in answers[-1].content.decode()
    assert OnlineRating.objects.count() == 5
    assert not listed_in_the_ledger(client, reviewer, project.plan)


def test_25_ratings_from_one_network_do_not_list_a_project_until_five_networks_rate(
    client, park, reviewer
):
    """25 addresses of one /24 are 25 addresses, but one network: 25 ratings, all
    不满意, and the project is not listed until its month's ratings come from five."""
    project = park.target.project
    for n in range(1, 26):
        assert (
            rate(from_address(f"203.0.113.{n}"), f"/m/p{project.pk}", "dissatisfied").status_code
            == 302
        )
    for n in range(1, 4):  # three more networks, each a /48 of IPv6
        assert (
            rate(
                from_address(f"2001:db8:{n}:1::1"), f"/m/p{project.pk}", "dissatisfied"
            ).status_code
            == 302
        )
    # A second /64 of a /48 already counted is no new network.
    assert (
        rate(from_address("2001:db8:1:2::1"), f"/m/p{project.pk}", "dissatisfied").status_code
        == 302
    )
    page = client.get(f"/m/p{project.pk}").content.decode()
    assert "<td>29</td><td>100%</td><td>4</td>" in page
    assert not listed_in_the_ledger(client, reviewer, project.plan)
    assert (
        rate(from_address("198.51.100.1"), f"/m/p{project.pk}", "dissatisfied").status_code == 302
    )
    assert listed_in_the_ledger(client, reviewer, project.plan)
    assert "<td>30</td><td>100%</td><td>5</td>" in client.get(f"/m/p{project.pk}").content.decode()


def test_the_network_count_outlives_the_purged_hashes_and_older_months_read_unrecorded(
    client, park
):
    from django.core.management import call_command

    project = park.target.project
    for n in range(1, 4):
        rate(from_address(f"198.51.{n}.1"), f"/m/p{project.pk}", "fair")
    before = OnlineRating.objects.create(project=project, verdict="fair", month=date(2026, 10, 1))
    assert before.new_network is None  # given before networks were counted
    OnlineRating.objects.create(project=project, verdict="fair", month=date(2026, 11, 1))
    with time_machine.travel(datetime(2026, 12, 1, 1, tzinfo=UTC)):
        call_command("purge_contacts", stdout=io.StringIO())
        assert not OnlineRating.objects.exclude(network=None).exists()
        page = client.get(f"/m/p{project.pk}").content.decode()
    assert (
        "<td>2026-11</td><td>0</td><td>4</td><td>0</td><td>4</td><td>0%</td>"
        "<td>3（另有 1 条评价在计数前，未记录）</td>" in page
    )
    assert (
        "<td>2026-10</td><td>0</td><td>1</td><td>0</td><td>1</td><td>0%</td><td>未记录</td>" in page
    )
    assert (
        "来源网络" not in client.get(f"/m/s{park.pk}").content.decode()
    )  # a site's are not counted


def test_a_cap_at_or_above_the_ledgers_minimum_is_refused(plan):
    from django.core.exceptions import ValidationError

    rule = PlanRule(
        plan=plan,
        name=PlanRule.Name.ONLINE_RATINGS_PER_ADDRESS,
        value=10,
        valid_from=date(2026, 12, 1),
        reason="放宽",
    )
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert refused.value.messages == [
        "码上评每个网络地址的上限（10）须小于计入督查所需的评价数（10），2026-12-01起不满足。"
    ]


def test_settings_that_would_let_one_address_fill_the_minimum_fail_the_check(settings):
    from django.core.checks import run_checks

    settings.ONLINE_RATINGS_PER_ADDRESS = 10
    assert [e.id for e in run_checks() if e.id.startswith("yicheng.")] == ["yicheng.E006"]
    settings.ONLINE_RATINGS_PER_ADDRESS = 9
    assert [e.id for e in run_checks() if e.id.startswith("yicheng.")] == []


def test_rating_fingerprints_are_emptied_once_their_month_is_over(client, park):
    from django.core.management import call_command

    rate(client, f"/m/s{park.pk}")
    call_command("purge_contacts", stdout=io.StringIO())
    assert OnlineRating.objects.get().browser is not None
    with time_machine.travel(datetime(2026, 12, 1, 1, tzinfo=UTC)):
        call_command("purge_contacts", stdout=io.StringIO())
    rating = OnlineRating.objects.get()
    assert (rating.browser, rating.address, rating.network) == (None, None, None)
    assert (rating.verdict, rating.new_network) == ("satisfied", True)


# 码上提


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")


def test_a_problem_raised_at_a_site_is_moderated_answered_and_shown(
    client, park, reporter, moderator
):
    client.get(f"/m/s{park.pk}/problem")
    response = client.post(
        f"/m/s{park.pk}/problem",
        {"text": "公园东门的台阶破损，老人容易绊倒。", "place": "文化社区", "photo": jpeg()},
    )
    assert response.status_code == 302
    item = PublicInput.objects.get()
    assert (item.kind, item.site, item.project, item.state) == (
        "problem",
        park,
        park.target.project,
        "pending",
    )
    assert "台阶破损" not in client.get(f"/m/s{park.pk}").content.decode()
    item.publish(moderator)
    answer = Answer(question=item, department=park.target.project.lead_department)
    answer.text = "已安排维修，本周内完成。"
    answer.check_writer(reporter)
    answer.written_by = reporter
    answer.save()
    answer.approve(moderator)
    for path in (f"/m/s{park.pk}", park.target.project.get_absolute_url()):
        page = client.get(path).content.decode()
        assert "台阶破损" in page and "已安排维修，本周内完成。" in page, path
        assert "码上提" in page


def test_a_problem_from_another_sites_form_cannot_be_forged_onto_a_site(client, park):
    client.get(f"/m/s{park.pk}/problem")
    response = client.post(f"/m/s{park.pk}99/problem", {"text": "伪造的点位编号，应当拒绝。"})
    assert response.status_code == 404
    assert not PublicInput.objects.exists()


def test_the_problems_api_and_the_geojson(client, park, moderator):
    client.get(f"/m/s{park.pk}/problem")
    client.post(f"/m/s{park.pk}/problem", {"text": "公园东门的台阶破损，老人容易绊倒。"})
    PublicInput.objects.get().publish(moderator)
    questions = client.get("/api/v1/questions/?plan=2021").json()["results"]
    assert [(q["kind"], q["site"]) for q in questions] == [("problem", park.pk)]
    geojson = client.get("/api/v1/sites.geojson?plan=2021").json()
    assert geojson["type"] == "FeatureCollection"
    (feature,) = geojson["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [114.0437, 32.9731]}
    assert feature["properties"]["stage_label"] == "已开工"
    sites = client.get("/api/v1/sites/?plan=2021").json()["results"]
    assert [(s["id"], s["stage"], s["longitude"]) for s in sites] == [(park.pk, 1, 114.0437)]


def test_the_online_ratings_api_tallies_by_project_site_and_month(client, park):
    rate(client, f"/m/s{park.pk}", "fair")
    rows = client.get("/api/v1/online_ratings/?plan=2021").json()["results"]
    assert rows == [
        {
            "plan": 2021,
            "project": 8,
            "site": park.pk,
            "month": "2026-11-01",
            "satisfied": 0,
            "fair": 1,
            "dissatisfied": 0,
            "total": 1,
        }
    ]


def test_the_sites_page_lists_sites_by_street_and_shows_the_stage_of_the_day(
    client, park, reporter, reviewer
):
    stage(park, SiteStage.COMPLETED, date(2021, 6, 30), reporter, reviewer)
    page = client.get("/plans/2021/sites/").content.decode()
    assert "西园街道" in page and "已完工" in page
    assert 'id="site-map"' not in page  # no tile service configured: the list alone
    earlier = client.get("/plans/2021/sites/?as_of=2021-05-01").content.decode()
    assert "已开工" in earlier and "已完工" not in earlier


def test_the_sites_page_draws_a_map_where_tiles_are_configured(client, park, settings):
    settings.MAP_TILE_URL = "https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}&tk={key}"
    settings.MAP_TILE_KEY = "test-key"
    page = client.get("/plans/2021/sites/").content.decode()
    assert 'id="site-map"' in page
    assert "tk=test-key" in page
    assert '"coordinates": [114.0437, 32.9731]' in page
    assert "vendor/leaflet-1.9.4/leaflet." in page


def test_the_csp_lets_the_configured_tiles_in():
    from yicheng.settings import tile_sources

    assert tile_sources("https://t{s}.tianditu.gov.cn/x?{z}") == ["https://*.tianditu.gov.cn"]
    assert tile_sources("http://127.0.0.1:9000/{z}/{x}/{y}.png") == ["http://127.0.0.1:9000"]
    assert tile_sources("") == []


def test_the_2021_plan_has_no_sites_unless_officials_enter_them(client, plan_2021):
    page = client.get("/plans/2021/sites/").content.decode()
    assert "尚无经审核公开的点位" in page
    assert not Site.objects.exists()


def test_reports_on_other_targets_still_take_typed_figures(parks, project, reporter):
    other = TargetFactory(project=project, name="改造游园", target_value=Decimal("5"))
    ReportFactory(target=other, value=Decimal("2"), as_of=date(2021, 6, 30))
    assert other.reports.count() == 1


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (
            SimpleUploadedFile("a.jpg", b"GIF89a not really", "image/jpeg"),
            "只能上传 JPEG、PNG 或 WebP",
        ),
        ("big", "照片过大"),
    ],
)
def test_a_problem_with_a_disguised_or_oversized_photo_is_refused(
    client, park, settings, photo, message
):
    settings.VOICE_PHOTO_MAX_BYTES = 300
    if photo == "big":
        photo = jpeg()
    client.get(f"/m/s{park.pk}/problem")
    response = client.post(
        f"/m/s{park.pk}/problem", {"text": "公园东门的台阶破损，老人容易绊倒。", "photo": photo}
    )
    assert_refused(response, BAD_REQUEST, message)
    assert not PublicInput.objects.exists()


def test_the_code_pages_cost_a_fixed_number_of_queries(
    queries_of, park, reporter, reviewer, moderator, django_assert_num_queries
):
    small = {
        path: len(queries_of(path)) for path in (f"/m/s{park.pk}", f"/m/p{park.target.project.pk}")
    }
    for n in range(5):
        site = new_site(park.target, f"园{n}")
        stage(site, SiteStage.COMPLETED, date(2021, 5, n + 1), reporter, reviewer)
        OnlineRating.objects.create(
            project=park.target.project,
            site=park,
            verdict="fair",
            month=date(2026, 11, 1),
            browser=str(n),
        )
        item = PublicInput.objects.create(
            plan=park.target.project.plan,
            project=park.target.project,
            site=park,
            kind="problem",
            text=f"问题{n}，请尽快处理。",
        )
        item.publish(moderator)
    large = {path: len(queries_of(path)) for path in small}
    assert large == small
    # The site's: 1 the site with its target, project, plan and lead department, 2 its
    # approved stages, 3 the project with its plan, lead department and rating, 4 its
    # supporting departments, 5 its targets with their figures, 6 its completion notices
    # (公示), 7 the problems raised there with their answers, 8 the answer limits, 9 the
    # tallies by month, 10 the plan's rules, 11 whether any plan is demo data, 12 the
    # published plans, and what watches the project (models.supervision.watch): 13 its
    # open 督办, 14 its targets' current figures (their 滞后原因 and 下一步措施), 15 the
    # plan's reporting days (逾期未报; their targets one more only once a day has
    # passed), 16-19 the plan's step grace days and the late steps, its payment days
    # and the lagging contract nodes. The project's: the project found (1), then 3–8 as
    # above, its sites and their stages instead of the site's (9, 10), 11–20 as above.
    assert small == {f"/m/s{park.pk}": 19, f"/m/p{park.target.project.pk}": 20}


# Networks: a home connection or a phone has a whole IPv6 /64 (yicheng/clientaddr.py).


def from_address(address):
    """A new browser (no cookies) at `address`."""
    from django.test import Client

    return Client(REMOTE_ADDR=address)


def test_ratings_from_the_addresses_of_one_64_are_capped_as_from_one(park, settings):
    settings.VOICE_BROWSER_SOFT = settings.VOICE_ADDRESS_SOFT = 100
    settings.VOICE_ADDRESS_HARD = 100
    answers = [
        rate(from_address(f"2001:db8:1:2::{n}"), f"/m/p{park.target.project.pk}", "dissatisfied")
        for n in range(1, 31)
    ]
    assert [a.status_code for a in answers] == [302] * 5 + [400] * 25
    assert "本月从您所在网络提交的评价已达上限" in answers[-1].content.decode()
    assert OnlineRating.objects.count() == 5


def test_problems_from_the_addresses_of_one_64_meet_the_address_limit(park, settings):
    settings.VOICE_ADDRESS_SOFT, settings.VOICE_ADDRESS_HARD = 100, 20
    statuses = []
    for n in range(1, 31):
        browser = from_address(f"2001:db8:1:2::{n}")
        browser.get(f"/m/s{park.pk}/problem")
        statuses.append(
            browser.post(f"/m/s{park.pk}/problem", {"text": "公园东门的台阶破损。"}).status_code
        )
    assert statuses == [302] * 20 + [429] * 10
    assert PublicInput.objects.count() == 20


def test_phones_of_one_carrier_each_count_by_their_own_64(park, settings):
    """Chinese mobile networks give each phone its own /64: thirty residents rating on
    their phones are thirty networks, and each rating counts."""
    settings.VOICE_BROWSER_SOFT = settings.VOICE_ADDRESS_SOFT = 100
    for n in range(1, 31):
        phone = from_address(f"2409:8a00:{n:x}:1::1")
        assert rate(phone, f"/m/s{park.pk}").status_code == 302
    assert OnlineRating.objects.count() == 30


def test_residents_behind_one_carrier_ipv4_address_share_its_limits(park):
    """The same thirty residents on a carrier's shared IPv4 address (CGNAT) are one
    address, with the default limits: five ratings go straight in and fill the
    address's cap on the project for the month; the next seven posts each answer a sum
    first and are then told the cap is reached, and the rest are asked to come back
    within the hour (429): twenty posts an hour, a post held for its sum counted too
    (README › Public input)."""
    from .test_voice import solved

    statuses = []
    for _ in range(30):
        resident = from_address("100.64.0.1")
        answer = rate(resident, f"/m/s{park.pk}")
        if answer.status_code == 400 and "请回答这道题" in answer.content.decode():
            statuses.append("sum")
            answer = resident.post(
                f"/m/s{park.pk}/rate", {"verdict": "satisfied", **solved(answer)}
            )
        capped = "本月从您所在网络提交的评价已达上限" in answer.content.decode()
        statuses.append("cap" if capped else answer.status_code)
    # Twenty posts an hour from the address, the ones the sum held back included.
    assert statuses == [302] * 5 + ["sum", "cap"] * 7 + ["sum", 429] + [429] * 17
    assert OnlineRating.objects.count() == 5


def test_ratings_sent_at_once_from_one_address_cannot_pass_the_cap_together(
    transactional_db, park, settings
):
    """Twelve browsers behind one address post at the same moment, each in its own
    thread and database connection: the cap (5) is counted under a lock on the project,
    so five count and seven are told the cap is reached. Without the lock PostgreSQL
    lets all twelve through (seen); SQLite holds its write lock from each
    transaction's start anyway."""
    import threading

    from django.db import connection

    settings.VOICE_ADDRESS_SOFT = settings.VOICE_ADDRESS_HARD = 100
    browsers = [from_address("203.0.113.9") for _ in range(12)]
    for browser in browsers:
        browser.get(f"/m/p{park.target.project.pk}/rate")
    start = threading.Barrier(len(browsers))
    answers = []

    def post(browser):
        start.wait()
        try:
            answer = browser.post(f"/m/p{park.target.project.pk}/rate", {"verdict": "fair"})
            answers.append(answer.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [302] * 5 + [400] * 7
    assert OnlineRating.objects.count() == 5
