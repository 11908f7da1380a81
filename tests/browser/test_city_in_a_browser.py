"""make demo's city in a real browser (issue 38): the city's page of its levels, a
district inside it and back, on a phone's width; and in the admin, each level's
officials see their part alone."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from projects.models import Jurisdiction, ProgressReport

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "一个足够长的演示口令"


@pytest.fixture(scope="module")
def city_world(build_once):
    return build_once(lambda: call_command("load_demo_city", stdout=StringIO()), key="city")


def test_a_resident_walks_from_the_city_to_a_district_and_back(live_server, browser, city_world):
    city_world.restored()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/411700/")
    expect(page).to_have_url(re.compile(r"/411700/plans/20\d\d/levels/$"))
    expect(page.locator("h1")).to_contain_text("驻马店市下辖各级")
    rows = page.locator("table.levels tbody th")
    expect(rows).to_have_text(
        [re.compile("^演示甲区"), re.compile("^演示甲区东街道"), re.compile("^演示甲区西街道"),
         re.compile("^演示乙县"), re.compile("^演示乙县南镇")]
    )  # fmt: skip
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="演示甲区", exact=True).click()
    expect(page).to_have_url(re.compile(r"/411781/plans/20\d\d/$"))
    expect(page.locator(".site-name")).to_have_text("演示甲区民生实事进度看板")
    expect(page.locator(".banner.demo")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="下辖各级").click()  # its 街道 side by side
    expect(page.locator("table.levels tbody th")).to_have_count(2)
    page.get_by_role("link", name="↑ 驻马店市各级民生实事").click()
    expect(page).to_have_url(re.compile(r"/411700/plans/20\d\d/levels/$"))
    context.close()


def signed_in(browser, live_server, username):
    """A browser signed in as make demo's account `username` (given a password here)."""
    user = get_user_model().objects.get(username=username)
    user.set_password(PASSWORD)
    user.is_active = True
    user.save()
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    return page


def listed_reports(page, live_server):
    """The report list's rows, every year: the ids of the reports it links to."""
    page.goto(live_server.url + reverse("admin:projects_progressreport_changelist") + "?year=all")
    links = page.locator("#result_list tbody th a").evaluate_all("a => a.map(x => x.href)")
    return {int(re.search(r"/(\d+)/change/", href).group(1)) for href in links}


def reports_of(code):
    return set(
        ProgressReport.objects.filter(target__project__plan__jurisdiction__code=code).values_list(
            "pk", flat=True
        )
    )


def test_a_city_reviewer_and_two_district_reporters_each_see_their_part(
    live_server, browser, city_world
):
    city_world.restored()
    for username, code in [("demo-a-reporter", "411781"), ("demo-b-reporter", "411782")]:
        page = signed_in(browser, live_server, username)
        expect(page.locator("#site-name")).to_contain_text(
            Jurisdiction.objects.get(code=code).name + "民生实事进度管理"
        )
        assert listed_reports(page, live_server) == reports_of(code) != set()
        page.context.close()
    page = signed_in(browser, live_server, "demo-zhumadian-reviewer")
    assert listed_reports(page, live_server) == set()  # the city keeps no plan of its own
    page.goto(live_server.url + reverse("admin:projects_working"))
    page.get_by_role("button", name=re.compile("演示甲区")).click()
    expect(page.locator(".messagelist")).to_contain_text("现在办理：演示甲区")
    assert listed_reports(page, live_server) == reports_of("411781")
    assert page.get_by_role("button", name=re.compile("演示乙县")).count() == 0
    page.context.close()
