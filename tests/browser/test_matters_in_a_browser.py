"""The register of practical matters in a real browser: the page with its chart and
table twins, a search, a filter, the empty register of a plan with none, and the plan
page's count beside the announced figure. No accessibility violations (axe-core), valid
HTML (the Nu checker), nothing scrolling sideways at 360 px, in Chinese and English;
the chart drawn."""

from datetime import timedelta

import pytest

from projects.models import Matter, MatterCount
from projects.rules import clock
from tests.browser.test_voice_in_a_browser import axe
from tests.factories import DepartmentFactory, PlanFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plans(db):
    today = clock.today()
    plan = PlanFactory(year=today.year, matters_claim="全区各级各部门为群众办实事1000余项")
    empty = PlanFactory(year=today.year - 1)
    departments = [DepartmentFactory(name="区住建局"), DepartmentFactory(name="区卫健委")]
    days = max(1, (today - plan.period_start).days)
    Matter.objects.bulk_create(
        Matter(
            plan=plan, department=departments[n % 2], title=f"为群众办的第{n + 1}件事",
            done_on=plan.period_start + timedelta(days=(n * 11) % days),
            category=["elderly", "transport", "health"][n % 3], place="西园街道",
            beneficiaries=(n + 1) * 7 if n % 4 else None, state="approved",
            description="一段简要说明，写明地点和做法。" * 2,
        )
        for n in range(60)
    )  # fmt: skip
    MatterCount.rebuild(plan)  # bulk_create skips Matter.save, which counts
    return plan, empty


def pages(live_server, page, plans):
    plan, empty = plans
    base = live_server.url
    yield "register", page.goto(f"{base}/plans/{plan.year}/matters/").body()
    page.locator("#matter-q").fill("第7件")
    with page.expect_navigation():
        page.locator("form.matter-search button").click()
    yield "search", page.content().encode()
    yield "page 2", page.goto(f"{base}/plans/{plan.year}/matters/?page=2").body()
    yield "filtered", page.goto(f"{base}/plans/{plan.year}/matters/?category=health").body()
    yield "empty register", page.goto(f"{base}/plans/{empty.year}/matters/").body()
    yield "plan page", page.goto(f"{base}/plans/{plan.year}/").body()


def test_the_register_draws_its_chart_and_finds_a_matter(live_server, page, plans):
    for name, _body in pages(live_server, page, plans):
        if name == "register":
            drawn = page.evaluate(
                "Chart.getChart(document.getElementById('matters-chart')).data.datasets[0].data"
                ".reduce((a, b) => a + b, 0)"
            )
            assert drawn == 60
        if name == "search":
            assert "为群众办的第7件事" in page.content()
            assert "为群众办的第8件事" not in page.content()
        if name == "plan page":
            line = page.locator(".matters-line").inner_text()
            assert "60" in line and "1000余项" in line


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_register_pages_are_accessible_and_valid(
    live_server, browser, plans, axe_source, nu_checker, tmp_path, language
):
    page = browser.new_context(bypass_csp=True).new_page()
    page.goto(f"{live_server.url}/language/{language}/?next=/")
    violations, bodies = {}, {}
    for name, body in pages(live_server, page, plans):
        bodies[name] = body
        violations[name] = axe(page, axe_source)
    assert {name: found for name, found in violations.items() if found} == {}
    assert nu_checker.errors(bodies) == {}


def test_nothing_scrolls_sideways_on_a_phone(live_server, browser, plans):
    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    wide = {}
    for name, _body in pages(live_server, page, plans):
        wide[name] = page.evaluate("document.documentElement.scrollWidth")
    assert {name: width for name, width in wide.items() if width > 360} == {}
