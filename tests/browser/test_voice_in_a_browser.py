"""群众留言 in a real browser: a resident asks, a moderator publishes, the lead department
answers, the moderator approves, and the project page shows it all; the writer's name
and phone number reach no public page, export, feed, API response or history row, a
flood from one address stops at the hard limit, and purge_contacts forgets them. Then
what a person sees of the ask form and of the answered question: no accessibility
violations (axe-core), valid HTML (the Nu checker), nothing scrolling sideways at 360 px.
"""

import html
import io
import json
import re
import zipfile
from datetime import datetime, time, timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

import chinese_calendar
import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import get_resolver, resolve, reverse
from simple_history.models import HistoricalChanges

from projects.models import Answer, Plan, PlanRule, Project, PublicInput
from projects.rules import clock, roles, workdays
from projects.web import freshness
from tests.conftest import SHANGHAI, make_official
from tests.files import image_bytes
from tests.logs import written_log
from tests.receivers import Mailbox
from tests.worker import run_queue

pytestmark = pytest.mark.django_db(transaction=True)

# Nobody else in the demo data is called this, and no figure has these digits.
NAME = "司马青禾"
PHONE = "13987654321"
PASSWORD = "a-long-test-passphrase"  # tests/factories.py UserFactory
QUESTION = "市七中的新教学楼什么时候投入使用？附近的家长都很关心。"
ANSWER = "教学楼主体已完工，正在验收，计划于下学期开学前投入使用。"

# URL names of projects/urls.py the sweep does not fetch, and why. Every other name is
# fetched (the sweep checks), so a new public URL cannot be forgotten here.
NOT_SWEPT = {
    "language": "switches the language and redirects back (the sweep runs in both)",
    "care": "switches the large-type version and redirects back",
    "evidence": "officials' evidence files, written before any question existed",
    "voice_photo": "no photo was sent with the question",
    "call": "the 2021 plan was entered directly: it has no public call (404)",
    "propose": "the 2021 plan was entered directly: it has no public call (404)",
    "proposed": "the 2021 plan was entered directly: it has no public call (404)",
    "deputy_opinion": "for signed-in deputies only (a login redirect for the public)",
    "comment": "the 2021 plan was entered directly: it has no candidates (404)",
    "commented": "the 2021 plan was entered directly: it has no public call (404)",
    "site_photo": "the 2021 plan has no sites (the announcement names none)",
    "objection": "no 2021 project is in 公示 (finished before the rule): a 404 page",
    "objected": "follows an objection, which no 2021 project takes",
    "confirm_follow": "a follow's own link, from its mail: none in the demo (test_alerts.py)",
    "unfollow": "a follow's own link, from its mail: none in the demo (test_alerts.py)",
    "matter_photo": "the 2021 register is empty (nothing is invented for it)",
    "receipt": "the writer's private tracking page: walked above with its link",
    "receipt_vote": "a POST from the tracking page, walked above",
    "money_document": "the 2021 plan has no money (the announcement states none)",
    "survey_results": "the 2021 plan was surveyed by no one (the demo's survey is of its year)",
}


@pytest.fixture
def project(demo):
    """四、市三中综合楼、市七中教学楼 of the demo's 2021 plan, led by 区教育局."""
    project = Project.objects.select_related("plan", "lead_department").get(
        plan__year=2021, number=4
    )
    assert project.lead_department is not None
    return project


@pytest.fixture
def moderator(demo):
    return make_official("voice-moderator", roles.MODERATOR)


@pytest.fixture
def reporter(project):
    return make_official("voice-reporter", roles.REPORTER, project.lead_department)


@pytest.fixture
def log():
    with written_log() as lines:
        yield lines


def state_on(page):
    return page.locator(".receipt-state strong").inner_text()


# Reading what a URL returns, in every form it could carry a name in


def haystacks(body):
    """The texts in a response body: as UTF-8 and GB18030, with HTML entities and URL
    escapes undone, JSON with its \\u escapes undone, and each member of a zip (the data
    package, an xlsx) read the same way."""
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for member in archive.namelist():
                yield from haystacks(archive.read(member))
        return
    text = body.decode("utf-8", "replace")
    yield text
    yield html.unescape(unquote(text))
    yield body.decode("gb18030", "replace")
    try:
        yield json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        pass


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def found_in(body, *needles):
    texts = list(haystacks(body))
    return {needle for needle in needles if any(needle in text for text in texts)}


# The sweep of every public URL


def links_in(body, prefix):
    """The site's own paths linked from a page that start with `prefix`."""
    text = body.decode("utf-8", "replace")
    paths = {urlsplit(html.unescape(href)).path for href in re.findall(r'href="([^"]+)"', text)}
    return sorted(path for path in paths if path.startswith(prefix))


def public_urls(client, plan, project):
    """Every public URL of the plan: each page, export, feed, data file and API
    operation, with every project's page and feed and every month's bulletin."""
    year = plan.year
    numbers = list(plan.projects.order_by("number").values_list("number", flat=True))
    urls = [
        "/",
        f"/plans/{year}/",
        f"/plans/{year}/?as_of={year}-06-30",
        *(f"/plans/{year}/projects/{n}/" for n in numbers),
        *(f"/plans/{year}/projects/{n}/feed/" for n in numbers),
        f"/plans/{year}/projects/{project.number}/ask/",
        f"/plans/{year}/projects/{project.number}/ask/sent/",
        f"/plans/{year}/departments/",
        f"/plans/{year}/method/",
        f"/plans/{year}/supervision/",
        f"/plans/{year}/matters/",
        f"/plans/{year}/matters/?export=csv",
        f"/plans/{year}/surveys/",
        "/survey/",
        "/survey/thanks/",
        f"/plans/{year}/projects/{project.number}/follow/",
        f"/plans/{year}/projects/{project.number}/follow/sent/",
        f"/plans/{year}/sites/",
        f"/m/p{project.pk}",
        f"/m/p{project.pk}/poster",
        f"/plans/{year}/projects/{project.number}/sign/",
        f"/m/p{project.pk}/qr.png",
        f"/m/p{project.pk}/rate",
        f"/m/p{project.pk}/problem",
        f"/m/p{project.pk}/sent/problem",
        f"/plans/{year}/targets/",
        f"/plans/{year}/targets/?export=csv",
        f"/plans/{year}/targets/?export=xlsx",
        f"/plans/{year}/bulletins/",
        f"/plans/{year}/updates/",
        f"/plans/{year}/feed/",
        f"/plans/{year}/levels/",  # 驿城区's levels below: none in the demo, said so
        "/calls/",
        "/data/",
        "/data/reports.csv",
        "/api/v1/",
        "/api/v1/docs/",
        "/api/v1/openapi.json",
    ]
    for name in [
        "plans",
        "projects",
        "targets",
        "reports",
        "questions",
        "proposals",
        "candidates",
        "comments",
        "tallies",
        "ratings",
        "sites",
        "online_ratings",
        "surveys",
        "notices",
        "objections",
        "supervisions",
        "matters",
        "budgets",
        "funds",
        "contracts",
        "payments",
        "steps",
        "levels",
    ]:
        urls.append(f"/api/v1/{name}/?page_size=500")
        urls.append(f"/api/v1/{name}/?plan={year}&page_size=500")
    urls.append(f"/api/v1/questions/?plan={year}&project={project.number}")
    urls.append(f"/api/v1/sites.geojson?plan={year}")
    archive_page = client.get(f"/plans/{year}/bulletins/")
    urls += links_in(body_of(archive_page), f"/plans/{year}/bulletins/{year}-")
    package = json.loads(body_of(client.get(f"/data/{year}/datapackage.json")))
    urls.append(f"/data/{year}/datapackage.json")
    urls += [f"/data/{year}/{resource['path']}" for resource in package["resources"]]
    urls.append(f"/data/{year}/yicheng-minsheng-shishi-{year}.zip")
    return urls


def sweep(client, urls):
    """{url: body} of each URL (a redirect followed), and the URLs that did not answer 200."""
    bodies, failed = {}, {}
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code != 200:
            failed[url] = response.status_code
        bodies[url] = body_of(response)
    return bodies, failed


def project_url_names():
    _prefix, resolver = get_resolver().namespace_dict["projects"]
    return {name for name in resolver.reverse_dict if isinstance(name, str)}


def rows_holding(*needles):
    """{table: number of rows} of every table in the database whose row holds a needle."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            hits = [row for row in cursor.fetchall() if any(n in str(row) for n in needles)]
            if hits:
                found[table] = len(hits)
    return found


def history_rows_holding(*needles):
    """{history model: rows} of every simple_history table whose rows hold a needle."""
    models = [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]
    assert PublicInput.history.model in models and Answer.history.model in models
    found = {}
    for model in models:
        text = [json.dumps(row, ensure_ascii=False, default=str) for row in model.objects.values()]
        hits = [row for row in text if any(needle in row for needle in needles)]
        if hits:
            found[model.__name__] = hits
    return found


# People in the browser


def log_in(browser, live_server, user):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url.rstrip("/").endswith(reverse("admin:index").rstrip("/")), page.url
    return page


def run_action(page, url, pk, action, **fields):
    """Tick row `pk` of the changelist at `url`, choose `action`, fill the action form's
    `fields`, run it; the messages the admin shows."""
    page.goto(url)
    page.check(f'input.action-select[value="{pk}"]')
    page.select_option('select[name="action"]', action)
    for name, value in fields.items():
        page.fill(f'[name="{name}"]', value)
    with page.expect_navigation():
        page.click('button[name="index"]')
    return page.locator(".messagelist").inner_text()


def ask_in_the_browser(page, live_server, project, question, name="", phone=""):
    page.goto(live_server.url + project.get_absolute_url())
    page.get_by_role("link", name="我要留言").click()
    assert page.url == live_server.url + reverse(
        "projects:ask", args=[project.plan.year, project.number]
    )
    page.get_by_label("您的问题或建议", exact=True).fill(question)
    page.get_by_label("姓名（选填，不公开）").fill(name)
    page.get_by_label("联系电话（选填，不公开）").fill(phone)
    if name or phone:
        page.get_by_label(re.compile("同意为答复本留言使用")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交留言").click()
    assert page.get_by_role("heading", level=1).inner_text() == "留言已收到"


def working_days_after(start, end):
    """Working days after `start` up to `end`, by the State Council's calendar (the
    `chinesecalendar` package; Monday to Friday for a year it does not know yet)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        try:
            count += chinese_calendar.is_workday(day)
        except NotImplementedError:
            count += day.weekday() < 5
    return count


def flood(url, address, times, text):
    """`times` posts of a valid question from `address`, each from a new browser that
    answers the arithmetic question whenever it is shown (a robot can): the statuses."""
    statuses = []
    for number in range(times):
        client = Client(REMOTE_ADDR=address)
        form = client.get(url).context["form"]
        data = {
            "text": f"{text}（第{number + 1}条）",
            "name": NAME,
            "phone": PHONE,
            "consent": "on",
        }
        if form.challenge is not None:
            data["challenge_token"] = form.challenge.token
            data["challenge_answer"] = str(form.challenge.answer)
        response = client.post(url, data)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response["Retry-After"]) > 0
    return statuses


def test_a_question_is_answered_in_public_and_the_writer_stays_private(
    live_server, browser, client, settings, project, moderator, reporter, mailbox, log
):
    plan, lead = project.plan, project.lead_department
    page = browser.new_context().new_page()

    # A resident asks, a week ago (the server's clock; chromium keeps the real one), and
    # gets a receipt: a 受理编号 and a private tracking link.
    today = clock.today()
    received_on = today - timedelta(days=7)
    with time_machine.travel(datetime.combine(received_on, time(4), SHANGHAI), tick=True):
        ask_in_the_browser(page, live_server, project, QUESTION, NAME, PHONE)
        code = page.locator(".receipt-code").inner_text()
        tracking = page.locator(".receipt-link").get_attribute("href")
        assert page.locator(".receipt-link").inner_text() == tracking
        page.set_viewport_size({"width": 360, "height": 640})  # a phone: the link wraps
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    item = PublicInput.objects.get(text=QUESTION)
    assert (item.state, item.name, item.phone, item.received_on) == (
        "pending",
        NAME,
        PHONE,
        received_on,
    )
    token = re.fullmatch(rf"{live_server.url}/receipt/([\w-]{{32}})/", tracking).group(1)
    assert item.code == code and PublicInput.objects.by_token(token).get() == item

    # The tracking page: waiting for review, the working days left, no name or phone;
    # the resident leaves an address and confirms it from the mail.
    page.goto(tracking)
    limit = plan.rules_on(received_on).values[PlanRule.Name.ANSWER_WORKING_DAYS]
    due = workdays.add(received_on, int(limit))
    left = workdays.between(clock.today(), due)
    assert state_on(page) == "待审核" and code in page.content()
    assert f"还有 {left} 个工作日（{due:%Y-%m-%d} 前答复）" in page.content()
    assert not found_in(page.content().encode(), NAME, PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("电子邮件地址").fill("resident@example.com")
    with page.expect_navigation():
        page.get_by_role("button", name="发送确认邮件").click()
    assert "确认邮件已发出" in page.content()
    run_queue()  # the task worker: this confirmation, and the office's alert of a new item
    (confirm_mail,) = mailbox.to("resident@example.com")
    confirm = re.search(r"/follow/[\w-]+/confirm/", Mailbox.text(confirm_mail)).group(0)
    page.goto(live_server.url + confirm)
    with page.expect_navigation():
        page.get_by_role("button", name="确认").click()
    assert page.get_by_role("heading", level=1).inner_text() == "已确认"

    # The moderator publishes it from the queue.
    moderating = log_in(browser, live_server, moderator)
    queue = live_server.url + reverse("admin:projects_publicinput_changelist")
    assert "已公开 1 条" in run_action(moderating, queue, item.pk, "publish_selected")
    page.goto(tracking)
    assert state_on(page) == "已公开"
    # (The moderator sees who wrote: the name is there for the sweep below to find.)
    moderating.goto(live_server.url + reverse("admin:projects_publicinput_change", args=[item.pk]))
    assert {NAME, PHONE} <= found_in(moderating.content().encode(), NAME, PHONE)

    # The lead department's reporter drafts the answer.
    answering = log_in(browser, live_server, reporter)
    answering.goto(live_server.url + reverse("admin:projects_answer_add") + f"?question={item.pk}")
    assert answering.locator("#id_question").input_value() == str(item.pk)
    answering.fill("#id_text", ANSWER)
    with answering.expect_navigation():
        answering.click('input[name="_save"]')
    answer = Answer.objects.get(question=item)
    assert (answer.state, answer.department, answer.written_by) == ("submitted", lead, reporter)

    # The moderator approves it.
    answers = live_server.url + reverse("admin:projects_answer_changelist")
    assert "已公开 1 条答复" in run_action(moderating, answers, answer.pk, "approve_selected")
    approved_on = clock.today()

    # The resident hears of it by mail (queued with the approval, sent by the worker,
    # caught by a real SMTP server), follows the link, reads the answer and says it helped.
    run_queue()
    news = mailbox.to("resident@example.com")[-1]
    assert Mailbox.subject(news) == f"您的留言（受理编号 {code}）已有公开答复"
    link = re.search(r"https?://\S+/receipt/[\w-]+/", Mailbox.text(news)).group(0)
    page.goto(live_server.url + urlsplit(link).path)
    assert page.url == tracking and state_on(page) == "已答复"
    assert (
        ANSWER in page.content() and f"{lead.name} · {approved_on:%Y-%m-%d} 公开" in page.content()
    )
    with page.expect_navigation():
        page.get_by_role("button", name="有帮助", exact=True).click()
    assert "您的评价：有帮助。" in page.content()
    assert page.get_by_role("button", name="没帮助").count() == 0  # once
    page.goto(live_server.url + reverse("projects:departments", args=[plan.year]))
    verdicts = page.locator(f"#department-{lead.pk} ~ .helpfulness").first.inner_text()
    assert verdicts == "提问人对答复的评价：有帮助 1 条，没帮助 0 条。"

    # The public page shows the question, the answer, both dates and the working days.
    page.goto(live_server.url + project.get_absolute_url())
    shown = " ".join(page.locator(f"#questions #q{item.pk}").inner_text().split())
    days = working_days_after(received_on, approved_on)
    assert QUESTION in shown and ANSWER in shown
    assert f"留言 #{item.pk} · {received_on:%Y-%m-%d} 收到" in shown
    assert f"{lead.name} {approved_on:%Y-%m-%d} 答复 · 用时 {days} 个工作日" in shown
    assert page.get_by_role("link", name="我要留言").count() == 1

    # Name and phone: on no public page, export, feed, data file or API response, in
    # either language; the sweep sees the question itself where it is published.
    leaks, failed, seen = {}, {}, {}
    for language in ["zh-hans", "en"]:
        client.get(f"/language/{language}/")
        urls = public_urls(client, plan, project)
        bodies, not_ok = sweep(client, urls)
        failed.update({f"{language} {url}": status for url, status in not_ok.items()})
        for url, body in bodies.items():
            if found := found_in(body, NAME, PHONE):
                leaks[f"{language} {url}"] = found
            seen[url] = QUESTION in found_in(body, QUESTION)
    assert failed == {}
    assert leaks == {}
    swept = {resolve(urlsplit(url).path).url_name for url in seen}
    assert project_url_names() - swept == set(NOT_SWEPT)
    assert seen[project.get_absolute_url()]
    assert seen[f"/api/v1/questions/?plan={plan.year}&project={project.number}"]
    assert seen[f"/data/{plan.year}/questions.csv"]
    assert seen[f"/data/{plan.year}/yicheng-minsheng-shishi-{plan.year}.zip"]

    # Nor in any history row, nor in any table but the item's own.
    assert len(PublicInput.history.filter(id=item.pk)) >= 2  # received, published
    assert history_rows_holding(NAME, PHONE) == {}
    assert rows_holding(NAME, PHONE) == {PublicInput._meta.db_table: 1}

    # The tracking token: in no table, no log line, no cached page (memory or shared).
    assert rows_holding(token) == {}
    lines = log.getvalue().splitlines()
    assert any('"path": "/receipt/…/"' in line for line in lines)
    assert [line for line in lines if token in line] == []
    cached = freshness.memory.pages.items()
    assert cached and [k for k, p in cached if token in k or token.encode() in p.body] == []
    folder = Path(settings.CACHES["default"]["LOCATION"])
    assert [f for f in folder.rglob("*") if f.is_file() and token.encode() in f.read_bytes()] == []

    # 100 posts from one address: the hard limit stored, the rest refused with a 429.
    # Each comes from a new browser (a robot drops its cookies): only the address counts.
    settings.VOICE_ADDRESS_SOFT, settings.VOICE_ADDRESS_HARD = 3, 7
    settings.VOICE_BROWSER_SOFT, settings.VOICE_BROWSER_HARD = 2, 4
    hour = clock.now().replace(minute=0, second=0, microsecond=0)
    with time_machine.travel(hour + timedelta(minutes=1), tick=True):  # one window
        ask_url = reverse("projects:ask", args=[plan.year, project.number])
        statuses = flood(ask_url, "203.0.113.7", 100, "请问新教学楼有没有无障碍电梯")
    assert statuses == [302] * 7 + [429] * 93
    assert PublicInput.objects.filter(text__startswith="请问新教学楼有没有无障碍电梯").count() == 7

    # purge_contacts: nothing while the plan is live or archived lately; then all gone.
    call_command("purge_contacts", stdout=StringIO())
    assert PublicInput.objects.filter(name=NAME, phone=PHONE).count() == 8
    recently = clock.now() - timedelta(days=settings.CONTACT_RETENTION_DAYS - 1)
    Plan.objects.filter(pk=plan.pk).update(archived_at=recently)
    call_command("purge_contacts", stdout=StringIO())
    assert PublicInput.objects.filter(name=NAME, phone=PHONE).count() == 8
    long_ago = clock.now() - timedelta(days=settings.CONTACT_RETENTION_DAYS + 1)
    Plan.objects.filter(pk=plan.pk).update(archived_at=long_ago)
    call_command("purge_contacts", stdout=StringIO())
    item.refresh_from_db()
    assert (item.name, item.phone, item.text) == ("", "", QUESTION)
    assert item.contact_purged_at is not None
    assert rows_holding(NAME, PHONE) == {}
    assert Answer.objects.public().get(question=item).text == ANSWER


def test_a_first_visit_is_not_asked_the_arithmetic_question(live_server, page, project):
    """The question slows a flood past the soft limit (projects/web/guard.py); a resident who
    has sent nothing yet writes without it."""
    page.goto(live_server.url + project.get_absolute_url())
    page.get_by_role("link", name="我要留言").click()
    assert page.locator("form.public-form").count() == 1
    assert page.locator(".challenge").count() == 0


# What a person sees: accessibility, validity, a phone's width


def answered_question(project, moderator, reporter, text=QUESTION):
    """A published question about `project` with an approved answer (through the
    models' own moderation path), and one still waiting, one overdue, one merged."""
    plan = project.plan
    item = PublicInput.objects.create(
        plan=plan, project=project, text=text, place="西园街道", name=NAME, phone=PHONE
    )
    item.publish(moderator)
    answer = Answer.objects.create(
        question=item, department=project.lead_department, text=ANSWER, written_by=reporter
    )
    answer.approve(moderator)
    waiting = PublicInput.objects.create(
        plan=plan, project=project, text="综合楼能不能在周末向居民开放？"
    )
    waiting.publish(moderator)
    overdue = PublicInput.objects.create(
        plan=plan,
        project=project,
        text="学校门口放学时很拥堵，请安排疏导。",
        received_at=clock.now() - timedelta(days=60),
    )
    overdue.publish(moderator)
    merged = PublicInput.objects.create(plan=plan, project=project, text="新教学楼哪天启用？")
    merged.merge(moderator, item)
    return item


def axe(page, axe_source):
    page.add_script_tag(path=str(axe_source))
    violations = page.evaluate("async () => (await axe.run()).violations")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def submit(page):
    """Submit the ask form; the response the browser got (its HTML as served)."""
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("form.public-form button[type=submit]").click()
    page.wait_for_load_state()
    return posted.value


def ask_page_states(page, live_server, project, settings):
    """Walk the ask form through its states; each (state, the HTML the server sent), while
    the page shows it."""
    url = live_server.url + reverse("projects:ask", args=[project.plan.year, project.number])
    yield "ask", page.goto(url).body()
    page.locator("#id_name").fill(NAME)
    page.locator("#id_phone").fill("12345")
    small = image_bytes("PNG", size=(40, 30))
    photo = {"name": "park.png", "mimeType": "image/png", "buffer": small}
    page.locator("#id_photo").set_input_files(photo)
    response = submit(page)  # no text, a bad phone, a name without consent
    assert response.status == 400
    assert page.locator(".has-error").count() == 3
    assert "park.png" in page.locator(".held-photo").inner_text()  # kept, not dropped
    yield "ask with errors", response.body()
    settings.VOICE_ADDRESS_SOFT = 0  # past the soft limit from the first post
    response = page.goto(url)
    assert page.locator(".challenge").count() == 1
    yield "ask with the challenge", response.body()
    page.locator("#id_text").fill(QUESTION)
    page.locator("#id_challenge_answer").fill("99")
    response = submit(page)
    assert response.status == 400
    assert page.locator(".challenge.has-error").count() == 1
    yield "ask with the challenge answered wrong", response.body()
    settings.VOICE_ADDRESS_HARD = 0  # past the hard limit
    response = submit(page)
    assert response.status == 429
    yield "too many posts", response.body()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_ask_form_and_the_answer_are_accessible_and_valid(
    live_server,
    browser,
    settings,
    project,
    moderator,
    reporter,
    axe_source,
    nu_checker,
    tmp_path,
    language,
):
    item = answered_question(project, moderator, reporter)
    # axe is injected as a script, which the site's CSP rightly refuses: only this
    # context bypasses the CSP.
    page = browser.new_context(bypass_csp=True).new_page()
    page.goto(f"{live_server.url}/language/{language}/?next=/")
    violations, bodies = {}, {}
    for state, body in ask_page_states(page, live_server, project, settings):
        bodies[state] = body
        violations[state] = axe(page, axe_source)
    response = page.goto(live_server.url + project.get_absolute_url())
    assert ANSWER in page.locator(f"#q{item.pk}").inner_text()
    bodies["project page"] = response.body()
    violations["project page"] = axe(page, axe_source)
    # The tracking pages: answered (the verdict's buttons), and waiting (the e-mail form).
    waiting = PublicInput.objects.create(plan=project.plan, project=project, text=QUESTION)
    for state, receipt in [("tracking, answered", item), ("tracking, waiting", waiting)]:
        response = page.goto(f"{live_server.url}/receipt/{receipt.tracking_token}/")
        bodies[state] = response.body()
        violations[state] = axe(page, axe_source)
    assert {state: found for state, found in violations.items() if found} == {}
    assert nu_checker.errors(bodies) == {}


# Neither axe nor the Nu checker follows aria-describedby to its target: this does.
UNANNOUNCED_ERRORS = """() => {
    const broken = [...document.querySelectorAll("[aria-describedby]")].flatMap(element =>
        element.getAttribute("aria-describedby").split(/\\s+/)
            .filter(id => !document.getElementById(id))
            .map(id => `${element.id} points to no #${id}`));
    const unlinked = [...document.querySelectorAll(".has-error")].flatMap(field => {
        const control = field.querySelector("input:not([type=hidden]), textarea, select");
        const errors = field.querySelector(".field-errors");
        const ids = (control.getAttribute("aria-describedby") || "").split(/\\s+/);
        const linked = ids.map(id => document.getElementById(id)).includes(errors);
        const invalid = control.getAttribute("aria-invalid") === "true";
        return linked && invalid ? [] : [`${control.id} is not described by its error`];
    });
    return [...broken, ...unlinked];
}"""


def test_each_error_is_read_out_with_its_field(live_server, page, settings, project):
    """A screen reader on a field with an error reads the error with it (WCAG 3.3.1)."""
    found = {}
    for state, _body in ask_page_states(page, live_server, project, settings):
        found[state] = page.evaluate(UNANNOUNCED_ERRORS)
    assert {state: errors for state, errors in found.items() if errors} == {}


def test_nothing_scrolls_sideways_on_a_phone(
    live_server, browser, settings, project, moderator, reporter
):
    # A pasted link is one long word: it must wrap, not widen the page.
    long_word = "请看这里：https://example.gov.cn/" + "xiaoyouyuan" * 12
    item = answered_question(project, moderator, reporter, text=QUESTION + long_word)
    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    errors = []  # a CSP refusal of the site's own files shows up here
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    wide = {}
    for state, _body in ask_page_states(page, live_server, project, settings):
        wide[state] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(live_server.url + project.get_absolute_url())
    assert long_word in page.locator(f"#q{item.pk}").inner_text()
    wide["project page"] = page.evaluate("document.documentElement.scrollWidth")
    assert {state: width for state, width in wide.items() if width > 360} == {}
    refusal = re.compile(r"status of (400|429) ")  # the form's own answers, as designed
    assert [e for e in errors if not refusal.search(e)] == []
