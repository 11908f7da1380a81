"""挂牌督办 and e-mail follows in a real browser: a resident follows a project from its
page (the form, its errors, the thanks), confirms and unsubscribes from the links of the
mail; the public 挂牌督办 list and the departments page with 逾期未报. No accessibility
violations (axe-core), valid HTML (the Nu checker), nothing scrolling sideways at
360 px, in Chinese and English."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Follow, Supervision
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


@pytest.fixture
def project(db):
    """A project of this year's plan, reporting by the 25th since the plan's start and
    overdue now; one 督办 open about it, one closed."""
    today = clock.today()
    plan = PlanFactory(year=today.year)
    plan.rules.filter(name="reporting_day").update(valid_from=plan.period_start, value=1)
    department = DepartmentFactory(name="区住建局")
    project = ProjectFactory(plan=plan, number=1, title="加装电梯", lead_department=department)
    target = TargetFactory(project=project, name="加装电梯", unit="部", target_value=Decimal(60))
    sent = clock.now() - timedelta(days=70)
    ReportFactory(
        target=target, value=Decimal(10), as_of=timezone.localdate(sent),
        created_at=sent, submitted_at=sent,
        delay_reason="部分住户意见不统一。", next_steps="社区逐户上门协商。",
    )  # fmt: skip
    office = make_official("browser-office", roles.REVIEWER)
    reporter = make_official("browser-reporter", roles.REPORTER, department)
    for closed in (False, True):
        item = Supervision.objects.create(
            plan=plan, kind="report", project=project, target=target, department=department,
            problem="连续两个填报截止日没有提交进度。", requirement="五个工作日内补报并说明原因。",
            deadline=today + timedelta(days=5), opened_by=office,
        )  # fmt: skip
        if closed:
            item.respond(reporter, "已补报十月、十一月进度，原因是统计口径调整。")
            item.close(office, "整改到位。")
    return project


def pages(live_server, page, project):
    """(name, the HTML the server sent) of each page, while the page shows it."""
    year = project.plan.year
    yield "supervision", page.goto(live_server.url + f"/plans/{year}/supervision/").body()
    yield "departments", page.goto(live_server.url + f"/plans/{year}/departments/").body()
    yield "project", page.goto(live_server.url + project.get_absolute_url()).body()
    yield "code page", page.goto(live_server.url + f"/m/p{project.pk}").body()
    page.goto(live_server.url + project.get_absolute_url())
    follow = reverse("projects:follow", args=[year, 1])
    page.locator(f'a[href="{follow}"]').click()
    page.wait_for_url(live_server.url + follow)
    yield "follow form", page.content().encode()
    page.locator("#id_email").fill("not an address")
    response = submit(page)
    assert response.status == 400
    yield "follow form with errors", response.body()
    page.locator("#id_email").fill("resident@example.com")
    submit(page)
    yield "follow sent", page.content().encode()
    token = Follow.objects.get(email="resident@example.com").token
    yield "confirm", page.goto(live_server.url + f"/follow/{token}/confirm/").body()
    submit(page)
    yield "confirmed", page.content().encode()
    yield "unsubscribe", page.goto(live_server.url + f"/follow/{token}/unsubscribe/").body()
    submit(page)
    yield "unsubscribed", page.content().encode()


def test_a_resident_follows_confirms_and_leaves(live_server, page, project):
    for name, _body in pages(live_server, page, project):
        if name == "confirmed":
            assert Follow.objects.get().confirmed_at is not None
    assert not Follow.objects.exists()
    page.goto(live_server.url + f"/plans/{project.plan.year}/supervision/")
    assert "督办中（1 件）" in page.content() and "已销号（1 件）" in page.content()
    assert "已补报十月、十一月进度" in page.locator("article.supervision").nth(1).inner_text()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_supervision_and_follow_pages_are_accessible_and_valid(
    live_server, browser, project, axe_source, nu_checker, tmp_path, language
):
    page = browser.new_context(bypass_csp=True).new_page()
    page.goto(f"{live_server.url}/language/{language}/?next=/")
    violations, bodies = {}, {}
    for name, body in pages(live_server, page, project):
        bodies[name] = body
        violations[name] = axe(page, axe_source)
    assert {name: found for name, found in violations.items() if found} == {}
    assert nu_checker.errors(bodies) == {}


def test_a_phone_shows_the_supervision_within_two_screens_and_why_it_is_late(
    live_server, browser, project
):
    phone = browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True)
    page = phone.new_page()
    page.goto(live_server.url + project.get_absolute_url())
    supervision = page.locator(".summary-list .alert").first
    assert "督办中：逾期未报" in supervision.inner_text()
    assert "整改时限" in supervision.inner_text()
    box = supervision.bounding_box()
    assert box["y"] + box["height"] <= 2 * 640
    explained = page.locator("details.term", has_text="什么是序时进度")
    assert not explained.locator(".term-text").is_visible()
    explained.locator("summary").tap()
    assert explained.locator(".term-text").is_visible()  # opened by a tap, no hover
    page.goto(live_server.url + f"/m/p{project.pk}")
    watch = page.locator("dl.watch").inner_text()
    assert "督办中：逾期未报" in watch and "逾期未报" in watch
    assert "滞后原因：部分住户意见不统一。" in watch and "下一步措施：社区逐户上门协商。" in watch


def test_nothing_scrolls_sideways_on_a_phone(live_server, browser, project):
    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    wide = {}
    for name, _body in pages(live_server, page, project):
        wide[name] = page.evaluate("document.documentElement.scrollWidth")
    assert {name: width for name, width in wide.items() if width > 360} == {}
