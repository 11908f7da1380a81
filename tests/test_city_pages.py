"""A city's levels in one deployment (issue 38): each jurisdiction's public pages at
its own address (/411781/plans/2021/), the home one's where they always were, the
city's page of its levels side by side, and no page of one level showing another's
unapproved figure or unmoderated text.

One world, built once: 驻马店市 (411700) above 驿城区 (411702, the home one), 甲区
(411781) with its 东街道 (411781001), and 乙县 (411782); each but the city with a plan
of 2021 of one pledge, one approved figure and one waiting for review, a published
question and a pending one (each with a name and phone). Every figure and text is
distinct, so a page shows which one leaked.
"""

import re
from datetime import date
from types import SimpleNamespace

import frictionless
import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from projects.api import archive
from projects.models import Jurisdiction, PublicInput
from projects.rules.roles import MODERATOR
from projects.web.addresses import answering_for

from .conftest import make_official, shared_world
from .factories import DepartmentFactory, PlanFactory, ProjectFactory, ReportFactory, TargetFactory

# code: (name, level, parent, pledge, approved figure, waiting figure)
LEVELS = {
    "411702": ("驿城区", None, None, "驿城区公园", 4100, 9110),
    "411781": ("甲区", "county", "411700", "甲区公路", 5200, 9220),
    "411781001": ("东街道", "township", "411781", "东街道游园", 6300, 9330),
    "411782": ("乙县", "county", "411700", "乙县供水", 7400, 9440),
}


def make_world():
    moderator = make_official("moderator", MODERATOR)
    home = Jurisdiction.objects.home()
    w = SimpleNamespace(places={})
    for n, (code, (name, level, parent, pledge, approved, waiting)) in enumerate(LEVELS.items()):
        place = home
        if level:
            place = Jurisdiction.objects.create(
                code=code,
                name=name,
                slug=f"place{code}",
                level=level,
                parent=Jurisdiction.objects.get(code=parent),
            )
        plan = PlanFactory(jurisdiction=place, year=2021, title=f"{name}2021年民生实事")
        project = ProjectFactory(
            plan=plan,
            number=1,
            title=pledge,
            lead_department=DepartmentFactory(name=f"{name}住建局"),
        )
        target = TargetFactory(project=project, target_value=10000, unit="米")
        ReportFactory(target=target, value=approved, as_of=date(2021, 6, 30))
        ReportFactory(target=target, value=waiting, as_of=date(2021, 9, 30), state="submitted")
        for state in ("published", "pending"):
            item = PublicInput.objects.create(
                plan=plan,
                project=project,
                text=f"{name}的{'已公开' if state == 'published' else '待审核'}留言",
                name=f"留言人{n}{state}",
                phone=f"1390000{n}{len(state):03d}",
            )
            if state == "published":
                item.publish(moderator)
        w.places[code] = SimpleNamespace(place=place, plan=plan, project=project)
    return w


built_world, world = shared_world(make_world)


def front(code):
    return "/" if code == "411702" else f"/{code}/"


def test_each_level_has_its_own_pages_and_shows_its_own_plan_alone(world, client):
    page = client.get("/411781/plans/2021/").content.decode()
    assert "甲区公路" in page and "甲区民生实事进度看板" in page
    assert "驿城区公园" not in page and "乙县供水" not in page
    page = client.get("/plans/2021/").content.decode()
    assert "驿城区公园" in page and "驿城区民生实事进度看板" in page
    assert "甲区公路" not in page
    assert client.get("/411781001/plans/2021/projects/1/").context["project"].title == "东街道游园"


def test_a_levels_links_stay_at_its_address(world, client):
    page = client.get("/411781/plans/2021/").content.decode()
    links = set(re.findall(r'href="(/[^"]*)"', page)) - {"/411700/"}
    assert links and all(link.startswith(("/411781/", "/static/")) for link in links)
    assert '<a href="/411700/">↑ 驻马店市各级民生实事</a>' in page
    assert "/411781/plans/2021/levels/" in links  # 甲区 has a 街道 below it


def test_the_home_codes_address_redirects_for_good_to_the_one_without_it(world, client):
    answer = client.get("/411702/plans/2021/?as_of=2021-06-30")
    assert (answer.status_code, answer["Location"]) == (301, "/plans/2021/?as_of=2021-06-30")


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/411781/admin/", "/admin/"),
        ("/411781/api/v1/projects/?plan=2021", "/api/v1/projects/?plan=2021&jurisdiction=411781"),
    ],
)
def test_the_admin_and_the_api_have_one_address_the_api_naming_the_level(
    world, client, url, location
):
    answer = client.get(url)
    assert (answer.status_code, answer["Location"]) == (301, location)


@pytest.mark.parametrize("url", ["/411799/", "/411799/plans/2021/", "/411799/data/"])
def test_no_page_under_an_unknown_code(world, client, url):
    assert client.get(url).status_code == 404


def test_the_city_opens_on_its_levels_side_by_side_from_approved_figures_only(world, client):
    answer = client.get("/411700/")
    assert (answer.status_code, answer["Location"]) == (302, "/411700/plans/2021/levels/")
    rows = [
        (level.jurisdiction.code, len(level.progress.projects), level.progress.percent)
        for level in client.get(answer["Location"]).context["levels"]
    ]
    assert rows == [
        ("411702", 1, 41.0),
        ("411781", 1, 52.0),
        ("411781001", 1, 63.0),
        ("411782", 1, 74.0),
    ]


def test_the_levels_csv_is_the_pages_table(world, client):
    answer = client.get("/411700/plans/2021/levels/?export=csv")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "行政区划,行政区划代码,上级,计划,实事件数,完成率（%）,序时进度（%）,逾期未完成,滞后的实事",
        "驿城区,411702,驻马店市,驿城区2021年民生实事,1,41.0,100.0,1,一、驿城区公园",
        "甲区,411781,驻马店市,甲区2021年民生实事,1,52.0,100.0,1,一、甲区公路",
        "东街道,411781001,甲区,东街道2021年民生实事,1,63.0,100.0,1,一、东街道游园",
        "乙县,411782,驻马店市,乙县2021年民生实事,1,74.0,100.0,1,一、乙县供水",
    ]
    assert "zhumadian-2021-levels.csv" in answer["Content-Disposition"]


def test_a_county_lists_the_levels_below_it_only(world, client):
    page = client.get("/411781/plans/2021/levels/")
    assert [level.jurisdiction.code for level in page.context["levels"]] == ["411781001"]


def test_the_levels_page_costs_the_same_queries_however_many_levels(world, queries_of):
    few = queries_of("/411700/plans/2021/levels/")
    for n in range(3):
        place = Jurisdiction.objects.create(
            code=f"41178{3 + n}", name=f"丙县{n}", slug=f"more{n}", level="county",
            parent=Jurisdiction.objects.get(code="411700"),
        )  # fmt: skip
        plan = PlanFactory(jurisdiction=place, year=2021)
        ReportFactory(target__project__plan=plan, value=10, as_of=date(2021, 3, 31))
    many = queries_of("/411700/plans/2021/levels/")
    assert len(many) == len(few) == 9


def leak_markers():
    """What no public page of any level may show: figures waiting for review, pending
    texts, and the names and phones of the public."""
    markers = []
    for n, (name, *_, waiting) in enumerate(LEVELS.values()):
        markers += [f"{waiting:,}", str(waiting), f"{name}的待审核留言"]
        markers += [f"留言人{n}", f"1390000{n}"]
    return markers


CRAWLED = re.compile(r'href="(/[^"?#]*)"')
NOT_CRAWLED = ("/static/", "/admin/", "/api/", "/language/", "/care/", "/data/")


def test_no_page_of_any_level_shows_unapproved_figures_or_texts_or_another_levels_input(
    world, client
):
    """A crawl from each level's front page over its own pages (each link without its
    query, to a bound), with the city's levels page: each shows none of `leak_markers`
    and no other level's published question."""
    markers = leak_markers()
    seen = set()
    for code, (name, *_rest) in LEVELS.items():
        others = [f"{other}的已公开留言" for other, *_r in LEVELS.values() if other != name]
        queue = [front(code), f"{front(code)}plans/2021/projects/1/"]
        while queue and len(seen) < 48:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            answer = client.get(url)
            if answer.status_code != 200 or "text/html" not in answer["Content-Type"]:
                continue
            page = answer.content.decode()
            found = [marker for marker in markers + others if marker in page]
            assert not found, (url, found)
            prefix = front(code)
            queue += [
                link
                for link in CRAWLED.findall(page)
                if link.startswith(prefix)
                and not link.startswith(NOT_CRAWLED, len(prefix) - 1)
                and (code != "411702" or not re.match(r"/4117", link))
            ]
    assert len(seen) >= 40  # the crawl reached the pages, not just the front doors
    levels = client.get("/411700/plans/2021/levels/").content.decode()
    assert not [marker for marker in markers if marker in levels]


def test_the_api_answers_for_the_jurisdiction_asked_with_links_to_its_pages(world, client):
    found = client.get("/api/v1/projects/?plan=2021&jurisdiction=411781").json()["results"]
    assert [(p["title"], p["url"]) for p in found] == [
        ("甲区公路", "http://testserver/411781/plans/2021/projects/1/")
    ]
    plan = client.get("/api/v1/plans/?jurisdiction=411781001").json()["results"][0]
    assert plan["projects_url"] == (
        "http://testserver/api/v1/projects/?plan=2021&jurisdiction=411781001"
    )
    home = client.get("/api/v1/projects/").json()["results"]
    assert [(p["title"], p["url"]) for p in home] == [
        ("驿城区公园", "http://testserver/plans/2021/projects/1/")
    ]
    answer = client.get("/api/v1/plans/?jurisdiction=41178")
    assert answer.status_code == 400 and answer.json()["error"]["parameter"] == "jurisdiction"


def test_the_api_lists_a_citys_levels_as_its_page_does(world, client):
    found = client.get("/api/v1/levels/?jurisdiction=411700&plan=2021").json()["results"]
    assert [(row["jurisdiction"], row["parent"], row["percent"]) for row in found] == [
        ("411702", "411700", 41.0),
        ("411781", "411700", 52.0),
        ("411781001", "411781", 63.0),
        ("411782", "411700", 74.0),
    ]
    township = found[2]
    assert township["url"] == "http://testserver/411781001/plans/2021/"
    assert (township["statuses"], township["behind"]) == ({"overdue": 1}, [1])
    assert township["projects_url"] == (
        "http://testserver/api/v1/projects/?plan=2021&jurisdiction=411781001"
    )
    assert client.get("/api/v1/levels/").json()["count"] == 0  # nothing below 驿城区


def test_the_city_and_a_levels_pages_are_valid_html_in_both_languages(world, client, nu_checker):
    bodies = {}
    for language in ("zh-hans", "en"):
        client.get(f"/language/{language}/")
        for path in ["/411700/plans/2021/levels/", "/411781/plans/2021/"]:
            answer = client.get(path)
            assert answer.status_code == 200, path
            bodies[f"{language} {path}"] = answer.content
    # no English name entered: the Chinese one
    assert "甲区 Livelihood Projects Dashboard</a>" in bodies["en /411781/plans/2021/"].decode()
    assert nu_checker.errors(bodies) == {}


def test_static_files_keep_their_address_whichever_level_is_asked_for_first(client, world):
    # A relative STATIC_URL takes the script prefix of the request that first reads it
    # (Django keeps it then): in a process whose first request was 甲区's, every page's
    # CSS would be at /411781/static/…, which is no file.
    with answering_for("411781"):
        django_settings.__dict__.pop("STATIC_URL", None)  # not read yet in this process
        assert django_settings.STATIC_URL == "/static/"
        page = client.get("/411781/plans/2021/").content.decode()
    assert 'href="/static/css/site.' in page


def test_answering_for_a_level_within_another_gives_the_outer_one_back(world):
    with answering_for("411781"):
        with answering_for("411782"):
            assert world.places["411782"].project.get_absolute_url() == (
                "/411782/plans/2021/projects/1/"
            )
        assert reverse("projects:plan", args=[2021]) == "/411781/plans/2021/"
    assert reverse("projects:plan", args=[2021]) == "/plans/2021/"


def test_a_levels_data_package_holds_the_levels_below_it(world, client):
    package = client.get("/411781/data/2021/datapackage.json").json()
    assert package["name"] == "place411781-minsheng-shishi-2021"
    assert "levels" in [resource["name"] for resource in package["resources"]]
    lines = client.get("/411781/data/2021/levels.csv").content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("jurisdiction,name,level,parent,plan,")
    assert lines[1:] == [
        "411781001,东街道,township,411781,2021,东街道2021年民生实事,false,1,63.0,100.0,"
        "overdue:1,1,http://testserver/411781001/plans/2021/,"
        "http://testserver/api/v1/projects/?plan=2021&jurisdiction=411781001"
    ]


def test_the_levels_excel_on_a_past_day_says_the_day(world, client):
    answer = client.get("/411700/plans/2021/levels/?export=xlsx&as_of=2021-06-30")
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="zhumadian-2021-levels-20210630.xlsx"' in answer["Content-Disposition"]


def test_a_city_keeping_no_plan_has_a_data_package_of_its_levels(world, client, tmp_path):
    descriptor = client.get("/411700/data/2021/datapackage.json")
    package = descriptor.json()
    assert package["name"] == "zhumadian-minsheng-shishi-2021"
    assert package["homepage"] == "http://testserver/411700/plans/2021/levels/"
    assert [resource["path"] for resource in package["resources"]] == ["levels.csv"]
    csv = client.get("/411700/data/2021/levels.csv").content
    (tmp_path / "datapackage.json").write_bytes(descriptor.content)
    (tmp_path / "levels.csv").write_bytes(csv)
    assert frictionless.validate(str(tmp_path / "datapackage.json")).valid
    lines = csv.decode("utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in lines[1:]] == [
        ["411702", "驿城区"],
        ["411781", "甲区"],
        ["411781001", "东街道"],
        ["411782", "乙县"],
    ]
    assert lines[1].split(",")[8] == "41.0"  # approved 4100 of 10000, not the 9110 waiting
    zipped = client.get("/411700/data/2021/zhumadian-minsheng-shishi-2021.zip")
    assert archive.unzipped(b"".join(zipped))["levels.csv"] == csv
    html = client.get("/411700/data/").content.decode()
    assert 'href="/411700/data/2021/zhumadian-minsheng-shishi-2021.zip"' in html
    assert "驻马店市下辖各级2021年民生实事（完成情况）" in html


@pytest.mark.parametrize(
    "url",
    [
        "/411700/data/2022/datapackage.json",  # no level pledged a plan that year
        "/411700/data/2021/plan.csv",  # a levels package holds levels.csv alone
        "/411782/data/2022/levels.csv",  # a county keeping no plan, with none below
    ],
)
def test_no_levels_package_where_no_level_pledged(world, client, url):
    assert client.get(url).status_code == 404
