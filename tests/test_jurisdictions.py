"""Jurisdictions as a tree (issue 38, its first part): every plan and department belongs
to one; a plan's year is unique within its jurisdiction; one jurisdiction alone reads
as before: /plans/<year>/ and the API's plan=<year> mean the home jurisdiction's, and
the data package is named after the plan's jurisdiction."""

import importlib
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.api import archive
from projects.models import Department, Jurisdiction, Plan
from projects.rules import roles
from tests.conftest import make_official
from tests.factories import PlanFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return Jurisdiction.objects.known("411700")


@pytest.fixture
def home():
    return Jurisdiction.objects.home()


@pytest.fixture
def sibling(city):
    """Another district of the same city, with a published plan of 2021 of its own."""
    return Jurisdiction.objects.create(
        code="411721", name="西平县", slug="xiping", level="county", parent=city
    )


def test_the_district_sits_under_its_city_and_takes_every_plan_and_department(home, city):
    plan, department = PlanFactory(), Department.objects.create(name="区住建局")
    assert (home.code, home.name, home.parent) == ("411702", "驿城区", city)
    assert (home.path, city.path) == ("411700/411702/", "411700/")
    assert (plan.jurisdiction, department.jurisdiction) == (home, home)


def test_a_plans_year_is_unique_within_its_jurisdiction_not_across_them(home, sibling):
    PlanFactory(year=2021, jurisdiction=home)
    other = PlanFactory.build(year=2021, jurisdiction=sibling)
    other.full_clean()  # another county may pledge for 2021 too
    other.save()
    again = PlanFactory.build(year=2021, jurisdiction=home)
    with pytest.raises(ValidationError) as refused:
        again.full_clean()
    assert refused.value.messages == ["本行政区划这一年度已有计划。"]
    assert Plan.objects.filter(year=2021).count() == 2


@pytest.mark.parametrize(
    ("level", "parent_code", "message"),
    [
        ("township", "411700", "乡镇（街道）的上级须为县（区）。"),
        ("county", None, "县（区）的上级须为市。"),
        ("city", "411700", "市是最高一级，不填上级。"),
    ],
)
def test_each_level_sits_under_the_level_above_it(city, level, parent_code, message):
    parent = parent_code and Jurisdiction.objects.get(code=parent_code)
    place = Jurisdiction(
        code="411702001", name="顺河街道", slug="shunhe", level=level, parent=parent
    )
    with pytest.raises(ValidationError) as refused:
        place.full_clean()
    assert refused.value.messages == [message]


def test_a_jurisdiction_within_another_is_found_by_its_path_and_follows_a_move(city, home, sibling):
    town = Jurisdiction.objects.create(
        code="411702001", name="顺河街道", slug="shunhe", level="township", parent=home
    )
    assert list(Jurisdiction.objects.within(home)) == [home, town]
    assert set(Jurisdiction.objects.within(city)) == {city, home, sibling, town}
    town.parent = sibling
    town.full_clean()
    town.save()
    assert list(Jurisdiction.objects.within(sibling)) == [sibling, town]
    assert Jurisdiction.objects.get(pk=town.pk).path == "411700/411721/411702001/"


def test_a_year_without_a_jurisdiction_means_the_home_ones(client, home, sibling):
    ours = ProjectFactory(plan__year=2021, plan__jurisdiction=home, title="城镇新增就业")
    page = client.get(reverse("projects:plan", args=[2021])).content.decode()
    assert ours.title in page
    project = client.get(reverse("projects:project", args=[2021, ours.number]))
    assert ours.title in project.content.decode()
    listed = client.get("/api/v1/projects/?plan=2021").json()["results"]
    assert [row["title"] for row in listed] == [ours.title]
    ProjectFactory(plan__year=2020, plan__jurisdiction=home, title="2020年的实事")
    every_year = client.get("/api/v1/projects/?jurisdiction=411702").json()["results"]
    assert sorted(row["title"] for row in every_year) == sorted(["2020年的实事", ours.title])


def test_another_levels_plan_is_shown_at_its_own_addresses_only(client, home, sibling):
    # The addresses without a code are the home one's; the API's without ?jurisdiction=.
    ours = ProjectFactory(plan__year=2021, plan__jurisdiction=home, title="城镇新增就业")
    theirs = ProjectFactory(
        plan=PlanFactory(year=2021, jurisdiction=sibling), number=ours.number, title="西平县的实事"
    )
    ProjectFactory(plan=PlanFactory(year=2019, jurisdiction=sibling), title="西平县2019年的实事")
    for address in [
        "/",
        reverse("projects:plan", args=[2021]),
        reverse("projects:project", args=[2021, ours.number]),
        "/api/v1/projects/",
        "/api/v1/plans/",
        "/api/v1/projects/?plan=2021",
        "/data/",
    ]:
        shown = client.get(address).content.decode()
        assert "西平县" not in shown, address
    assert client.get(reverse("projects:plan", args=[2019])).status_code == 404
    found = client.get("/api/v1/projects/?jurisdiction=411721").json()["results"]
    assert [(p["title"], p["url"]) for p in found] == [
        ("西平县的实事", f"http://testserver/411721/plans/2021/projects/{theirs.number}/"),
        ("西平县2019年的实事", found[1]["url"]),
    ]
    assert client.get(f"/411721/plans/2021/projects/{theirs.number}/").status_code == 200


@pytest.mark.parametrize("code", ["4117", "41170x", "4117020011"])
def test_a_code_that_is_no_jurisdictions_is_refused_in_chinese(client, code):
    response = client.get(f"/api/v1/projects/?jurisdiction={code}")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "parameter": "jurisdiction",
        "message": "参数 jurisdiction 须为 6 位或 9 位数字的行政区划代码，如 411702（驿城区）。",
        "message_en": "jurisdiction must be a 6- or 9-digit administrative division code,"
        " such as 411702 (Yicheng District).",
    }


def test_the_data_package_is_named_after_the_plans_jurisdiction(client, home, sibling, settings):
    PlanFactory(year=2021, jurisdiction=home)
    descriptor = client.get("/data/2021/datapackage.json").json()
    assert descriptor["name"] == "yicheng-minsheng-shishi-2021"
    assert descriptor["keywords"][0] == "驿城区"
    # A deployment for 西平县: its plans are the public ones, its packages its names.
    settings.HOME_JURISDICTION = "411721"
    PlanFactory(year=2022, jurisdiction=sibling)
    packages = archive.listing(sibling, has_levels=False)
    assert [row["zip"] for row in packages] == ["xiping-minsheng-shishi-2022.zip"]
    descriptor = client.get("/data/2022/datapackage.json").json()
    assert descriptor["name"] == "xiping-minsheng-shishi-2022"
    assert descriptor["keywords"][0] == "西平县"


@pytest.mark.parametrize(
    ("role", "status"),
    [(roles.ADMINISTRATOR, 200), (roles.REVIEWER, 403), (roles.REPORTER, 403)],
)
def test_only_administrators_add_a_jurisdiction(client, home, role, status):
    client.force_login(make_official("official", role))
    assert client.get(reverse("admin:projects_jurisdiction_add")).status_code == status
    assert client.get(reverse("admin:projects_jurisdiction_changelist")).status_code == 200


def test_the_upgrade_gives_every_plan_and_department_so_far_to_the_district():
    from django.apps import apps

    migration = importlib.import_module("projects.migrations.0030_jurisdictions")
    Plan.objects.bulk_create(
        [
            Plan(
                year=2021,
                period_start=date(2021, 1, 1),
                period_end=date(2021, 12, 31),
                jurisdiction=None,
            )
        ]
    )
    Department.objects.bulk_create([Department(name="区住建局", jurisdiction=None)])
    migration.home_for_all(apps, schema_editor=None)
    district = Jurisdiction.objects.get(code="411702")
    assert (district.path, district.parent.code, district.parent.path) == (
        "411700/411702/",
        "411700",
        "411700/",
    )
    assert list(Plan.objects.values_list("jurisdiction", flat=True)) == [district.pk]
    assert list(Department.objects.values_list("jurisdiction", flat=True)) == [district.pk]


def test_a_plan_the_previous_release_made_during_the_upgrade_counts_as_the_home_ones(client):
    plan = PlanFactory(year=2021, title="升级中新建的计划")
    Plan.objects.filter(pk=plan.pk).update(jurisdiction=None)
    assert Plan.objects.of_year(2021).get() == plan
    assert "升级中新建的计划" in client.get(reverse("projects:plan", args=[2021])).content.decode()


def test_a_plans_jurisdiction_is_chosen_when_it_is_added_and_then_only_shown(client, home):
    plan = PlanFactory(year=2021)
    client.force_login(make_official("admin", roles.ADMINISTRATOR))
    added = client.get(reverse("admin:projects_plan_add")).context["adminform"]
    changed = client.get(reverse("admin:projects_plan_change", args=[plan.pk]))
    assert "jurisdiction" not in added.readonly_fields
    assert "jurisdiction" in changed.context["adminform"].readonly_fields


@pytest.mark.parametrize("form", ["admin:projects_plan_add", "admin:projects_department_add"])
def test_a_new_plan_or_department_can_only_be_the_home_jurisdictions(client, sibling, form):
    # Until officials are tied to a jurisdiction, another level's would be open to all.
    client.force_login(make_official("admin", roles.ADMINISTRATOR))
    field = client.get(reverse(form)).context["adminform"].form.fields["jurisdiction"]
    assert [str(choice) for choice in field.queryset] == ["驿城区"]
    shown = str(field.widget.render("jurisdiction", None))
    assert "西平县" not in shown and "related-widget-wrapper-link" not in shown
