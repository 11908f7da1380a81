"""make demo's city in a real browser (issue 38): the city's page of its levels, a
district inside it and back, on a phone's width."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


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
