"""Who may see and change sites (点位), their stage changes and the online ratings, over
HTTP, for every role: the matrix of pages, then each action."""

import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from PIL import Image

from projects.models import OnlineRating, Site, SiteReport, SiteStage
from projects.rules.roles import (
    ADMINISTRATOR,
    CONGRESS_STAFF,
    DEPUTY,
    MODERATOR,
    REPORTER,
    REVIEWER,
)

from .conftest import make_official, make_plan, shared_world
from .factories import DepartmentFactory, ProjectFactory, TargetFactory
from .refusals import DENIED, LOGIN, NOT_FOUND, REFUSALS, assert_refused
from .test_voice_permissions import admin

ACTORS = ["anonymous", "reporter_a", "reporter_b", "reviewer", "manager", "moderator", "staff"]
SHOWN = "shown"  # 200, and the object (or for a list, exactly these rows)
PNG = io.BytesIO()
Image.new("RGB", (8, 8), (40, 160, 80)).save(PNG, format="PNG")
PNG = PNG.getvalue()


def make_world():
    plan = make_plan()
    a, b = DepartmentFactory(name="区园林局"), DepartmentFactory(name="区公路局")
    park = TargetFactory(
        project=ProjectFactory(plan=plan, number=1, title="口袋公园", lead_department=a),
        name="新建口袋公园",
        counted_stage=SiteStage.COMPLETED,
    )
    road = TargetFactory(
        project=ProjectFactory(plan=plan, number=2, title="农村公路", lead_department=b),
        name="新改建农村公路",
    )
    reporter_a = make_official("reporter_a", REPORTER, a)
    reviewer = make_official("reviewer", REVIEWER)
    w = SimpleNamespace(
        reporter_a=reporter_a,
        reporter_b=make_official("reporter_b", REPORTER, b),
        reviewer=reviewer,
        manager=make_official("manager", ADMINISTRATOR),
        moderator=make_official("moderator", MODERATOR),
        staff=make_official("staff", CONGRESS_STAFF),
    )
    make_official("deputy", DEPUTY)
    w.site_a = Site.objects.create(target=park, name="甲园", street="西园街道")
    w.site_b = Site.objects.create(target=road, name="乙路段", street="东风街道")
    w.approved_a = SiteReport.objects.create(
        site=w.site_a, stage=SiteStage.STARTED, as_of=date(2021, 4, 1), created_by=reporter_a
    )
    w.approved_a.approve(reviewer)
    w.pending_a = SiteReport(
        site=w.site_a, stage=SiteStage.COMPLETED, as_of=date(2021, 6, 1), created_by=reporter_a
    )
    w.pending_a.photo_type = "image/png"
    w.pending_a.photo.save("photo.png", ContentFile(PNG), save=False)
    w.pending_a.save()
    w.rating = OnlineRating.objects.create(
        project=park.project, verdict="fair", month=date(2026, 11, 1)
    )
    return w


built_world, world = shared_world(make_world)


def log_in(client, world, actor):
    if actor != "anonymous":
        client.force_login(getattr(world, actor))


def matrix(rows):
    return [
        pytest.param(page, actor, outcome, id=f"{page}-{actor}")
        for page, *outcomes in rows
        for actor, outcome in zip(ACTORS, outcomes, strict=True)
    ]


def pages(w):
    """page: (url, the text that shows the object, or {row key: text} for a list)."""
    rows = {
        "site_a": admin("site_change", w.site_a.pk),
        "site_b": admin("site_change", w.site_b.pk),
    }
    stages = {
        "approved_a": admin("sitereport_change", w.approved_a.pk),
        "pending": admin("sitereport_change", w.pending_a.pk),
    }
    return {
        "site list": (admin("site_changelist"), rows),
        "site 甲": (admin("site_change", w.site_a.pk), "甲园"),
        "site 乙": (admin("site_change", w.site_b.pk), "乙路段"),
        "site 甲 history": (admin("site_history", w.site_a.pk), "甲园"),
        "add site": (admin("site_add"), "点位名称"),
        "stage list": (admin("sitereport_changelist"), stages),
        "pending stage": (admin("sitereport_change", w.pending_a.pk), "甲园"),
        "add stage": (admin("sitereport_add"), "阶段"),
        "ratings": (
            admin("onlinerating_changelist"),
            {"rating": admin("onlinerating_change", w.rating.pk)},
        ),
        "ledger": (admin("ledger"), "码上评"),
    }


A_ONLY = {"site_a"}
BOTH = {"site_a", "site_b"}
STAGES = {"approved_a", "pending"}
READS = [
    # page             anon   reporter 甲 reporter 乙 reviewer   manager    moderator  staff
    ("site list",       LOGIN, A_ONLY,    {"site_b"}, BOTH,      BOTH,      set(),     set()),
    ("site 甲",         LOGIN, SHOWN,     NOT_FOUND,  SHOWN,     SHOWN,     NOT_FOUND, NOT_FOUND),
    ("site 乙",         LOGIN, NOT_FOUND, SHOWN,      SHOWN,     SHOWN,     NOT_FOUND, NOT_FOUND),
    ("site 甲 history", LOGIN, SHOWN,     NOT_FOUND,  SHOWN,     SHOWN,     NOT_FOUND, NOT_FOUND),
    ("add site",        LOGIN, SHOWN,     SHOWN,      DENIED,    SHOWN,     DENIED,    DENIED),
    ("stage list",      LOGIN, STAGES,    set(),      STAGES,    STAGES,    DENIED,    set()),
    ("pending stage",   LOGIN, SHOWN,     NOT_FOUND,  SHOWN,     SHOWN,     DENIED,    NOT_FOUND),
    ("add stage",       LOGIN, SHOWN,     SHOWN,      DENIED,    DENIED,    DENIED,    DENIED),
    ("ratings",         LOGIN, DENIED,    DENIED,     {"rating"}, {"rating"}, {"rating"}, DENIED),
    ("ledger",          LOGIN, DENIED,    DENIED,     SHOWN,     SHOWN,     DENIED,    DENIED),
]  # fmt: skip


@pytest.mark.parametrize(("page", "actor", "outcome"), matrix(READS))
def test_each_actor_sees_each_site_page_as_the_matrix_says(client, world, page, actor, outcome):
    url, shows = pages(world)[page]
    log_in(client, world, actor)
    response = client.get(url)
    if outcome in REFUSALS:
        assert_refused(response, outcome)
        return
    assert response.status_code == 200
    html = response.content.decode()
    if isinstance(shows, dict):
        assert {key for key, text in shows.items() if text in html} == outcome
    else:
        assert shows in html


WHO_APPROVES = [
    # a stage change is approved by a reviewer who had no hand in it, and nobody else
    ("anonymous", False),
    ("reporter_a", False),
    ("reporter_b", False),
    ("reviewer", True),
    ("manager", False),
    ("moderator", False),
    ("staff", False),
]


@pytest.mark.parametrize(("actor", "approves"), WHO_APPROVES)
def test_only_a_reviewer_approves_a_stage_change(client, world, actor, approves):
    log_in(client, world, actor)
    client.post(
        admin("sitereport_changelist"),
        {"action": "approve_selected", "_selected_action": [world.pending_a.pk]},
    )
    world.pending_a.refresh_from_db()
    assert world.pending_a.state == ("approved" if approves else "submitted")
    assert world.site_a.target.reports.filter(value=1).exists() == approves


@pytest.mark.parametrize(
    ("actor", "changes"),
    [
        ("reporter_a", True),
        ("reporter_b", False),
        ("reviewer", False),
        ("manager", True),
        ("moderator", False),
        ("staff", False),
    ],
)
def test_a_site_is_changed_only_by_its_departments_reporter_or_an_administrator(
    client, world, actor, changes
):
    log_in(client, world, actor)
    client.post(
        admin("site_change", world.site_a.pk),
        {
            "target": world.site_a.target_id,
            "name": "甲园（改名）",
            "street": "西园街道",
            "community": "",
            "address": "",
            "longitude": "",
            "latitude": "",
            "coordinate_system": "wgs84",
        },
    )
    world.site_a.refresh_from_db()
    assert (world.site_a.name == "甲园（改名）") == changes


def test_nobody_deletes_a_site_or_a_stage_change(client, world):
    for actor in ("reporter_a", "reviewer", "manager"):
        client.force_login(getattr(world, actor))
        client.post(admin("site_delete", world.site_a.pk), {"post": "yes"})
        client.post(admin("sitereport_delete", world.pending_a.pk), {"post": "yes"})
    assert Site.objects.count() == 2 and SiteReport.objects.count() == 2


def test_an_approved_stage_is_never_edited(client, world):
    client.force_login(world.reporter_a)
    client.post(
        admin("sitereport_change", world.approved_a.pk),
        {"site": world.site_a.pk, "stage": "4", "as_of": "2021-04-01", "note": ""},
    )
    world.approved_a.refresh_from_db()
    assert world.approved_a.stage == SiteStage.STARTED


@pytest.mark.parametrize(
    ("actor", "served"),
    [("anonymous", False), ("reporter_a", True), ("reporter_b", False), ("reviewer", True)],
)
def test_a_pending_stages_photo_is_served_only_to_officials_who_see_the_site(
    client, world, actor, served
):
    log_in(client, world, actor)
    response = client.get(f"/site-photos/{world.pending_a.key}/")
    assert (response.status_code == 200) == served
    if served:
        assert response["Cache-Control"] == "private, no-store"


def test_the_deputies_and_the_public_have_no_site_admin(client, world):
    client.force_login(Group.objects.get(name=DEPUTY).user_set.get())
    assert_refused(client.get(admin("site_changelist")), DENIED)
    client.logout()
    assert client.get(f"/m/s{world.site_a.pk}").status_code == 200  # approved: public
    assert client.get(f"/m/s{world.site_b.pk}").status_code == 404  # no stage yet
