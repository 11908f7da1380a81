"""公示 in a real browser: a resident objects to a project in its notice period from the
project page; the pages of the notice, the objection form (with its errors), the thanks
and a project 整改中: no accessibility violations (axe-core), valid HTML (the Nu
checker), nothing scrolling sideways at 360 px, in Chinese and English."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import PublicInput
from projects.rules import clock, roles
from tests.browser.test_voice_in_a_browser import axe, submit
from tests.conftest import make_official
from tests.factories import (
    DepartmentFactory,
    PlanFactory,
    ProjectFactory,
    ReportFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

OBJECTION = "三号楼的电梯还没有安装，和公示的数字不符。"


@pytest.fixture
def projects(db):
    """Two projects whose figures met their pledge today: one in its notice with a
    dismissed objection, one 整改中 after an upheld one."""
    today = clock.today()
    plan = PlanFactory(year=today.year)
    moderator = make_official("notice-moderator", roles.MODERATOR)
    supervisor = make_official("notice-supervisor", roles.REVIEWER)
    made = []
    for number, title in ((1, "加装电梯"), (2, "农村公路")):
        project = ProjectFactory(
            plan=plan, number=number, title=title, lead_department=DepartmentFactory()
        )
        target = TargetFactory(project=project, target_value=Decimal(10))
        ReportFactory(target=target, value=Decimal(10), as_of=today)
        item = PublicInput.objects.create(
            plan=plan,
            project=project,
            kind="objection",
            notice=project.notices.get(),
            text="电梯噪音太大，应当算没有完成。",
        )
        item.publish(moderator)
        if number == 1:
            item.dismiss(supervisor, "噪音属于运行维护问题，不影响完成。")
        else:
            item.uphold(supervisor, "已核实：有一段路面尚未硬化。")
        made.append(project)
    return made


def pages(live_server, page, projects):
    """(name, the HTML the server sent) of each page, while the page shows it."""
    notice, rectifying = projects
    yield "project in notice", page.goto(live_server.url + notice.get_absolute_url()).body()
    objection = reverse("projects:objection", args=[notice.plan.year, 1])
    page.locator(f'a[href="{objection}"]').click()
    page.wait_for_url(live_server.url + objection)
    yield "objection form", page.content().encode()
    response = submit(page)  # empty: refused with the reason
    assert response.status == 400
    yield "objection form with errors", response.body()
    page.locator("#id_text").fill(OBJECTION)
    submit(page)
    yield "objection sent", page.content().encode()
    yield "project 整改中", page.goto(live_server.url + rectifying.get_absolute_url()).body()
    closed = reverse("projects:objection", args=[rectifying.plan.year, 2])
    yield "no objection 整改中", page.goto(live_server.url + closed).body()


def test_a_resident_objects_from_the_project_page(live_server, page, projects):
    for _name, _body in pages(live_server, page, projects):
        pass
    item = PublicInput.objects.get(text=OBJECTION)
    assert (item.kind, item.state, item.notice.project) == ("objection", "pending", projects[0])
    page.goto(live_server.url + projects[0].get_absolute_url())
    assert "公示中" in page.locator(".summary-status .status").inner_text()
    assert "噪音属于运行维护问题" in page.locator("#notice").inner_text()
    page.goto(live_server.url + projects[1].get_absolute_url())
    assert "整改中" in page.locator(".summary-status .status").inner_text()
    assert page.get_by_role("link", name="提出异议").count() == 0


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_notice_pages_are_accessible_and_valid(
    live_server, browser, projects, axe_source, nu_checker, tmp_path, language
):
    page = browser.new_context(bypass_csp=True).new_page()
    page.goto(f"{live_server.url}/language/{language}/?next=/")
    violations, bodies = {}, {}
    for name, body in pages(live_server, page, projects):
        bodies[name] = body
        violations[name] = axe(page, axe_source)
    assert {name: found for name, found in violations.items() if found} == {}
    assert nu_checker.errors(bodies) == {}


def test_nothing_scrolls_sideways_on_a_phone(live_server, browser, projects):
    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    wide = {}
    for name, _body in pages(live_server, page, projects):
        wide[name] = page.evaluate("document.documentElement.scrollWidth")
    assert {name: width for name, width in wide.items() if width > 360} == {}
