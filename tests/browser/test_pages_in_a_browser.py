"""What a person sees in a real browser: charts drawn, keyboard access, nothing
scrolling sideways on a phone, no accessibility violations (axe-core) in either
language."""

import json

import pytest

from tests.pages import PUBLIC_PAGES

pytestmark = pytest.mark.django_db(transaction=True)


def chart_data(page, canvas_id):
    return page.evaluate(
        """id => {
            const chart = Chart.getChart(document.getElementById(id));
            return chart ? chart.data.datasets.map(d => d.data) : null;
        }""",
        canvas_id,
    )


def test_dashboard_charts_are_drawn_with_the_pages_numbers(live_server, page, demo):
    page.goto(live_server.url + "/plans/2021/")  # `/` shows the demo's plan of this year
    expected = json.loads(page.locator("#chart-data").text_content())
    completion = chart_data(page, "completion-chart")
    assert completion[0] == [p["percent"] or 0 for p in expected["projects"]]
    assert completion[1] == pytest.approx([p["expected"] for p in expected["projects"]])
    assert chart_data(page, "status-chart") == [[s["count"] for s in expected["statuses"]]]
    assert sum(expected["statuses"][i]["count"] for i in range(6)) == 11


def test_project_page_draws_progress_against_the_plan_line(live_server, page, demo):
    page.goto(live_server.url + "/plans/2021/projects/11/")
    data = json.loads(page.locator("#target-charts").text_content())["targets"][0]
    actual, plan = chart_data(page, f"target-chart-{data['id']}")
    assert [point["y"] for point in actual] == [row["value"] for row in data["actual"]]
    assert [point["y"] for point in plan] == [0, 40]
    assert len(actual) == 11  # February to December (October's figure corrected once)
    axis = page.evaluate(
        """id => {
            const x = Chart.getChart(document.getElementById(id)).scales.x;
            return [x.min, x.max, x.ticks.map(t => t.label)];
        }""",
        f"target-chart-{data['id']}",
    )
    day = 24 * 3600 * 1000
    assert axis[:2] == [18628 * day, 18992 * day]  # 2021-01-01 and 2021-12-31, the plan's
    assert axis[2] == [f"2021-{m:02d}" for m in range(1, 13)]  # a tick on every first


def test_chart_values_can_be_read_with_the_keyboard(live_server, page, demo):
    page.goto(live_server.url + "/")
    page.focus("#completion-chart")
    page.keyboard.press("ArrowRight")
    active = page.evaluate(
        "() => Chart.getChart(document.getElementById('completion-chart'))"
        ".tooltip.getActiveElements().length"
    )
    assert active == 2  # 完成率 and 序时进度 of the first project
    shown = page.evaluate(
        "() => Chart.getChart(document.getElementById('completion-chart'))"
        ".tooltip.body.map(b => b.lines.join(''))"
    )
    first = json.loads(page.locator("#chart-data").text_content())["projects"][0]
    assert shown == [f"完成率: {first['percent_text']}", f"序时进度: {first['expected_text']}"]


def test_no_page_scrolls_sideways_on_a_phone(live_server, browser, demo):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    wide = {}
    for path in PUBLIC_PAGES:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[path] = width
    context.close()
    assert wide == {}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_accessibility_violations(live_server, browser, demo, axe_source, language):
    # axe is injected as an inline script, which the site's CSP rightly refuses: this
    # context alone bypasses the CSP (the chart tests run under it).
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/language/{language}/?next=/")
    found = {}
    # A visitor who follows a project's 代表意见 link lands on the sign-in page.
    for path in [*PUBLIC_PAGES, "/plans/2021/projects/1/deputy/"]:
        page.goto(live_server.url + path)
        page.add_script_tag(path=str(axe_source))
        violations = page.evaluate("async () => (await axe.run()).violations")
        if violations:
            found[path] = [
                (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
            ]
    context.close()
    assert found == {}


def test_care_mode_makes_the_type_larger(live_server, page, demo):
    page.goto(live_server.url + "/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    with page.expect_navigation():
        page.click("text=关怀版")
    assert page.url == live_server.url + "/"
    larger = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert larger >= normal * 1.2
    page.goto(live_server.url + "/plans/2021/departments/")
    assert page.evaluate("document.body.classList.contains('care')")


def test_the_api_reference_page_works_under_the_sites_content_policy(live_server, browser, demo):
    """Swagger UI from our own static files, with the CSP every page has (no bypass):
    every operation listed, and one tried out answers from the API."""
    context = browser.new_context()
    page = context.new_page()
    violations, errors, elsewhere = [], [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda request: (
            not request.url.startswith(live_server.url) and elsewhere.append(request.url)
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => (window.violations = window.violations || []).push(e.violatedDirective))"
    )
    page.goto(live_server.url + "/api/v1/docs/")
    operations = page.locator(".opblock-summary-path")
    operations.first.wait_for()
    assert operations.all_text_contents() == [
        "/api/v1/plans/",
        "/api/v1/projects/",
        "/api/v1/targets/",
        "/api/v1/reports/",
        "/api/v1/questions/",
        "/api/v1/proposals/",
        "/api/v1/candidates/",
        "/api/v1/comments/",
        "/api/v1/tallies/",
        "/api/v1/ratings/",
        "/api/v1/sites/",
        "/api/v1/online_ratings/",
        "/api/v1/surveys/",
        "/api/v1/sites.geojson",
        "/api/v1/notices/",
        "/api/v1/objections/",
        "/api/v1/supervisions/",
        "/api/v1/matters/",
        "/api/v1/budgets/",
        "/api/v1/funds/",
        "/api/v1/contracts/",
        "/api/v1/payments/",
        "/api/v1/steps/",
        "/api/v1/levels/",
    ]
    page.locator("#operations-default-plans").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.locator(".live-responses-table .response-col_status").first.wait_for()
    assert "2021" in page.locator(".live-responses-table").text_content()
    violations = page.evaluate("window.violations || []")
    assert violations == [] and errors == [] and elsewhere == []
    context.close()
