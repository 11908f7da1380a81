"""The 民生码 as a resident meets it: the poster printed on a site's board, its QR code
read off the rendered page by a real decoder (zbarimg), the phone page it opens, a
rating and a problem sent from there; a moderator publishes the problem in the admin,
the lead department answers, and the site's page shows it. Then every new page and the
printed poster: no accessibility violations (axe-core), valid HTML (the Nu checker),
nothing scrolling sideways at 360 px; and the sites page's map where tiles are
configured (Leaflet, from our own static files)."""

import os
import shutil
import subprocess

import pytest
from django.urls import reverse

from projects.models import Answer, OnlineRating, Plan, PublicInput, Site
from projects.rules import roles
from tests.browser.test_voice_in_a_browser import axe, log_in, run_action
from tests.conftest import make_official
from tests.files import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)

PROBLEM = "三号门旁的健身器材螺丝松了，孩子玩的时候有点晃。"
ANSWER = "已派人紧固器材并全面检查，今后每周巡查一次。"
COMMENT = "晚上灯光再亮一些就更好了。"


@pytest.fixture
def park(demo):
    """The first pocket park of this year's demo plan: public, with a point."""
    return (
        Site.objects.public()
        .select_related("target__project__plan", "target__project__lead_department")
        .order_by("pk")
        .first()
    )


def decode(png, tmp_path):
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None and not os.environ.get("CI"):
        pytest.skip("zbarimg (Debian zbar-tools) is not installed; .ci/run installs it")
    assert zbarimg, "CI must have zbarimg: .ci/run installs zbar-tools"
    file = tmp_path / "poster-qr.png"
    file.write_bytes(png)
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [zbarimg, "--quiet", "--raw", str(file)], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_a_resident_scans_the_poster_rates_and_raises_a_problem_that_is_answered(
    live_server, browser, park, tmp_path
):
    project = park.target.project
    reporter = make_official("park-reporter", roles.REPORTER, project.lead_department)
    moderator = make_official("park-moderator", roles.MODERATOR)

    # The poster, as printed: its QR code read off the rendered page.
    printing = browser.new_context(viewport={"width": 794, "height": 1123}).new_page()
    printing.goto(f"{live_server.url}/m/s{park.pk}/poster")
    assert "民生码" in printing.locator("h1, figcaption").all_inner_texts()[-1]
    url = decode(printing.locator(".qr svg").screenshot(), tmp_path)
    assert url == f"{live_server.url}/m/s{park.pk}"
    pdf = printing.pdf(format="A4")  # prints on one A4 page
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page") <= 2

    # The phone opens it: the site's stage, the figure, and the three actions.
    phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    phone.goto(url)
    assert park.name in phone.locator("h1").inner_text()
    assert phone.locator(".stage-now").count() == 1
    phone.get_by_role("link", name="码上评").click()
    phone.get_by_label("不满意", exact=True).check()
    phone.locator("#id_text").fill(COMMENT)
    with phone.expect_navigation():
        phone.locator("form.public-form button[type=submit]").click()
    assert "评价已计入" in phone.locator("h1").inner_text()
    rating = OnlineRating.objects.get(comment__text=COMMENT)
    assert (rating.site_id, rating.verdict) == (park.pk, "dissatisfied")
    phone.goto(f"{url}/rate")  # rated: said before the form, which is not shown
    assert "您已评价过这件实事" in phone.locator(".banner.rated").inner_text()
    assert phone.locator("form.public-form").count() == 0

    # A problem with a photo, refused (no text): the photo is kept and sent with it.
    phone.goto(url)
    phone.get_by_role("link", name="码上提").click()
    photo = {"name": "steps.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(40, 30))}
    phone.locator("#id_photo").set_input_files(photo)
    with phone.expect_navigation():
        phone.locator("form.public-form button[type=submit]").click()
    assert "steps.jpg" in phone.locator(".held-photo").inner_text()
    phone.locator("#id_text").fill(PROBLEM)
    with phone.expect_navigation():
        phone.locator("form.public-form button[type=submit]").click()
    assert "问题已收到" in phone.locator("h1").inner_text()
    item = PublicInput.objects.get(text=PROBLEM)
    assert (item.kind, item.site_id, item.state) == ("problem", park.pk, "pending")
    assert item.photo_type == "image/jpeg"

    # A moderator publishes it; the lead department answers; the moderator approves.
    moderating = log_in(browser, live_server, moderator)
    queue = live_server.url + reverse("admin:projects_publicinput_changelist")
    assert "已公开 1 条" in run_action(moderating, queue, item.pk, "publish_selected")
    answering = log_in(browser, live_server, reporter)
    answering.goto(live_server.url + reverse("admin:projects_answer_add") + f"?question={item.pk}")
    answering.fill("#id_text", ANSWER)
    with answering.expect_navigation():
        answering.click('input[name="_save"]')
    answer = Answer.objects.get(question=item)
    answers = live_server.url + reverse("admin:projects_answer_changelist")
    assert "已公开 1 条答复" in run_action(moderating, answers, answer.pk, "approve_selected")

    # The site's page shows the problem with its answer, and the rating counted.
    phone.goto(url)
    shown = phone.locator(f"#q{item.pk}").inner_text()
    assert PROBLEM in shown and ANSWER in shown and "码上提" in shown
    assert "未经核实的网上评价" in phone.locator("#tallies-heading + p").inner_text()
    assert COMMENT not in phone.content()  # the comment still waits for a moderator


def new_pages(live_server, park):
    project = park.target.project
    return {
        "site page": f"/m/s{park.pk}",
        "project code page": f"/m/p{project.pk}",
        "site poster": f"/m/s{park.pk}/poster",
        "project poster": f"/m/p{project.pk}/poster",
        "rate": f"/m/s{park.pk}/rate",
        "problem": f"/m/s{park.pk}/problem",
        "sent": f"/m/s{park.pk}/sent/problem",
        "sites page": f"/plans/{project.plan.year}/sites/",
        "project page": project.get_absolute_url(),
    }


@pytest.fixture
def tiles(settings, live_server):
    """A tile service on loopback: our own static PNG stands in for 天地图's tiles."""
    settings.MAP_TILE_URL = (
        live_server.url + "/static/vendor/leaflet-1.9.4/images/layers.png?z={z}&x={x}&y={y}"
    )
    settings.MAP_TILE_ATTRIBUTION = "测试底图"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_new_pages_are_accessible_and_valid(
    live_server, browser, park, tiles, axe_source, nu_checker, tmp_path, language
):
    page = browser.new_context(bypass_csp=True).new_page()
    page.goto(f"{live_server.url}/language/{language}/?next=/")
    violations, bodies = {}, {}
    for name, path in new_pages(live_server, park).items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        bodies[name] = response.body()
        violations[name] = axe(page, axe_source)
    assert {name: found for name, found in violations.items() if found} == {}
    assert nu_checker.errors(bodies) == {}


def test_nothing_scrolls_sideways_on_a_phone_and_the_map_draws_every_mapped_site(
    live_server, browser, park, tiles
):
    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    errors = []  # a CSP refusal of the site's own files shows up here
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    wide = {}
    for name, path in new_pages(live_server, park).items():
        page.goto(live_server.url + path)
        wide[name] = page.evaluate("document.documentElement.scrollWidth")
    assert {name: width for name, width in wide.items() if width > 360} == {}
    plan = Plan.objects.get(year=park.target.project.plan.year)
    page.goto(f"{live_server.url}/plans/{plan.year}/sites/")
    page.wait_for_selector(".leaflet-marker-icon")
    mapped = Site.objects.public().filter(target__project__plan=plan, longitude__isnull=False)
    assert page.locator(".leaflet-marker-icon").count() == mapped.count() > 0
    assert page.locator(".leaflet-tile-loaded").count() > 0
    assert errors == []


def test_without_tiles_the_sites_page_lists_every_site_by_street(live_server, page, park):
    page.goto(f"{live_server.url}/plans/{park.target.project.plan.year}/sites/")
    assert page.locator("#site-map").count() == 0
    listed = page.locator(".site-list li").count()
    assert listed == Site.objects.public().filter(target=park.target).count() == 12
