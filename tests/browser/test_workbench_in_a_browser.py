"""Each official of `make demo` signs in, as `make demo` lets them (`load_demo
--accounts`, its printed passwords), and finds their workbench on the admin home, an
item of it a link to a page they may use; the staff tools open on their plan without ?plan=;
the workbench fits a phone and passes axe. The demo is built on the suite's clock, as
every test's world is."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from projects.models import Plan
from tests.browser.test_voice_in_a_browser import axe

pytestmark = pytest.mark.django_db(transaction=True)

# Each demo account, the workbench sections it must find, and an item in each.
WORKBENCHES = {
    "demo-reporter": {"填报": "逾期未报的指标"},
    "demo-reviewer": {"审核": "待认定的公示异议"},
    "demo-moderator": {"留言审核": "待审核的群众来信"},
    "demo-administrator": {"计划与提醒": "发送失败、已停止重试的提醒"},
    "demo-congress": {"票决与测评": "待录入测评结果的实事"},
    "demo-deputy": {"代表意见": "我提出的代表意见"},
}


@pytest.fixture
def passwords(demo):
    """{username: password}, as `make demo` prints them."""
    out = StringIO()
    call_command("load_demo", "--accounts", stdout=out)
    found = dict(re.findall(r"^\s*(demo-[a-z]+)\s+\S+\s+(\S+)\s*$", out.getvalue(), re.M))
    assert set(found) == set(WORKBENCHES), out.getvalue()
    return found


def sign_in(browser, live_server, username, password, **context):
    page = browser.new_context(bypass_csp=True, **context).new_page()  # axe is injected
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url.rstrip("/").endswith(reverse("admin:index").rstrip("/")), page.url
    return page


def test_each_official_lands_on_their_workbench_and_its_item_opens(
    live_server, browser, passwords, axe_source
):
    for username, sections in WORKBENCHES.items():
        phone = {"width": 360, "height": 740}
        page = sign_in(browser, live_server, username, passwords[username], viewport=phone)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, username
        bench = page.locator("#workbench")
        captions = bench.locator("caption").all_inner_texts()
        assert captions == list(sections), (username, captions)
        for label in sections.values():
            assert bench.get_by_role("link", name=label).count() == 1, (username, label)
        assert axe(page, axe_source) == [], username
        # Its item leads to a page the official may use (every item of every role is
        # followed over HTTP in tests/test_workbench.py).
        with page.expect_navigation():
            bench.get_by_role("link", name=label).click()
        assert page.locator("h1").count() == 1, (username, page.url)
        assert "403" not in page.title(), (username, page.url)
        page.context.close()


def test_the_staff_tools_open_on_the_year_being_delivered(live_server, browser, passwords):
    delivered = Plan.objects.opened_by_staff().year
    page = sign_in(browser, live_server, "demo-reviewer", passwords["demo-reviewer"])
    page.goto(live_server.url + reverse("admin:projects_ledger"))
    assert f"督查台账 · {delivered}年" in page.locator("h1").inner_text()
    page.goto(live_server.url + reverse("admin:projects_submittedreport_changelist"))
    assert page.locator("#changelist-filter li.selected a", has_text=f"{delivered}年").count()
    reporter = sign_in(browser, live_server, "demo-reporter", passwords["demo-reporter"])
    with reporter.expect_download() as download:
        reporter.goto(live_server.url + reverse("admin:projects_import"))
        reporter.get_by_role("link", name=re.compile("下载")).first.click()
    assert str(delivered) in download.value.suggested_filename
