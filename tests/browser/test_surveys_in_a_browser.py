"""满意度抽样调查 in a real browser, from the list to the published results (issue 37):
the supervision office creates a survey, imports 2,000 households, draws 300 and prints
the slips; 40 households answer with the codes read off the slips, on the phones of
volunteers helping them (the page opened as a slip's QR code opens it, the code after
"#"; one code tried twice, refused the second time); the office closes the survey; the
public results page shows 40 answers of 300, the response rate and each share with its
margin of error as the page's formula gives it, and the draw's record, while the list
is gone."""

import hashlib
import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse

from projects.models import Household, PublicInput, Survey, SurveyAnswer, SurveyCode
from projects.rules import roles
from tests.browser.test_voice_in_a_browser import log_in
from tests.conftest import make_official
from tests.factories import PlanFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)

HOUSES = [f"幸福小区{n // 80 + 1}号楼{n // 8 % 10 + 1}单元{n % 8 + 1:02d}室" for n in range(2000)]
# What the 40 households answer, in the order of their slips.
VERDICTS = ["满意"] * 23 + ["基本满意"] * 11 + ["不满意"] * 6
COMMENT = "电梯装好以后，老人终于能自己下楼了。"
VALUES = {"满意": "satisfied", "基本满意": "fair", "不满意": "dissatisfied"}


@pytest.fixture
def project(db):
    plan = PlanFactory(year=2026, stage="delivery")
    return ProjectFactory(plan=plan, number=2, title="老旧小区加装电梯")


@pytest.fixture
def office(db):
    return make_official("browser-office", roles.REVIEWER)


def one_decimal(share):
    """A share 0–1 in percent with one decimal, 四舍五入, as the page writes it."""
    return Decimal(str(share * 100)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def follow(page, link):
    """Click the link named `link` and wait until the page it opens has loaded."""
    with page.expect_navigation():
        page.get_by_role("link", name=link).click()


def create_survey(page, live_server, project):
    """The office's add form: the plan, the project (picked in the admin's search
    box), a title; saved, it opens on its change page."""
    page.goto(live_server.url + reverse("admin:projects_survey_add"))
    page.select_option("#id_plan", str(project.plan_id))
    page.locator("#id_project + .select2").click()
    page.locator(".select2-search__field").fill("加装电梯")
    page.locator(".select2-results__option", has_text="加装电梯").click()
    page.fill("#id_title", "加装电梯住户满意度抽样调查")
    with page.expect_navigation():
        page.click('input[name="_continue"]')
    return Survey.objects.get()


def open_survey(page, live_server, code):
    """A household scans its slip's QR code: the page opens with the code after "#",
    which the page puts in the field; then 下一步."""
    page.goto(f"{live_server.url}{reverse('projects:survey')}#{code}")
    assert page.input_value("#id_code") == code
    with page.expect_navigation():
        page.get_by_role("button", name="下一步").click()


def answer(page, live_server, code, verdict, comment=""):
    """One household answers on `page` (a phone); the address it ends on."""
    open_survey(page, live_server, code)
    page.get_by_label(verdict, exact=True).check()
    if comment:
        page.get_by_label("想说的话（选填）").fill(comment)
    with page.expect_navigation():
        page.get_by_role("button", name="提交答卷").click()
    return page.url


def refusal(page, live_server, code):
    """What the page says to a code it does not open."""
    open_survey(page, live_server, code)
    return page.locator("main").inner_text()


def phones(browser, count):
    """`count` phones, each a browser of its own (its own cookies), quick to give up
    on a form that does not come."""
    pages = []
    for _ in range(count):
        phone = browser.new_context(viewport={"width": 360, "height": 740})
        phone.set_default_timeout(5000)
        pages.append(phone.new_page())
    return pages


def test_a_survey_from_the_list_to_the_published_results(live_server, browser, project, office):
    page = log_in(browser, live_server, office)
    survey = create_survey(page, live_server, project)

    # The list: 2,000 households uploaded as a table of one column under its header;
    # the page states its SHA-256.
    follow(page, "导入名单")
    listing = "门牌号\n" + "".join(f"{house}\n" for house in HOUSES)
    page.set_input_files(
        "#id_file", {"name": "名单.csv", "mimeType": "text/csv", "buffer": listing.encode()}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="导入名单").click()
    assert "已导入名单：2000 户。" in page.locator(".messagelist").inner_text()
    digest = hashlib.sha256("".join(f"{house}\n" for house in HOUSES).encode()).hexdigest()
    assert digest in page.locator("#survey-list").inner_text()

    # The draw: 300 of 2,000, by the plan's rule.
    follow(page, "去抽样")
    assert "本计划规定抽取 300 户" in page.locator("#survey-draw").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="确认抽样").click()
    assert "已从 2000 户中抽取 300 户" in page.locator(".messagelist").inner_text()
    survey.refresh_from_db()
    assert (survey.state, survey.list_sha256, survey.sample_size) == ("open", digest, 300)

    # The slips: 300, each with the household it goes to and a QR code; the households
    # are those the draw's stated procedure picks with the recorded seed.
    follow(page, "打印调查单")
    slips = page.locator("article.slip")
    assert slips.count() == 300
    assert page.locator("article.slip .qr svg").count() == 300
    ranked = sorted(
        (hashlib.sha256(f"{survey.seed}:{n}:{house}".encode()).hexdigest(), n)
        for n, house in enumerate(HOUSES, start=1)
    )
    drawn = [HOUSES[n - 1] for n in sorted(n for _rank, n in ranked[:300])]
    assert page.locator("article.slip .household").all_inner_texts() == drawn
    *codes, unused = page.locator("article.slip .code").all_inner_texts()[:41]
    assert len({*codes, unused}) == 41 and all(len(code) == 14 for code in codes)

    # 40 households answer, one with a comment: four volunteers' phones, ten each (a
    # phone is held to SURVEY_BROWSER_LOOKUPS an hour, two for each answer). The first
    # code, tried again on another phone, is refused.
    volunteers = phones(browser, 4)
    thanks = live_server.url + reverse("projects:survey_thanks")
    answers = list(enumerate(zip(codes, VERDICTS, strict=True)))
    for n, (code, verdict) in answers[:4]:  # each phone through the pages, as a person does
        comment = COMMENT if n == 1 else ""
        assert answer(volunteers[n % 4], live_server, code, verdict, comment) == thanks, n
    # The other 36 from the first phone's open page, posting what its form posts (the
    # page's own fetch, its cookies and CSRF token): the same view, 36 page loads fewer.
    volunteers[0].goto(live_server.url + reverse("projects:survey"))
    posted = volunteers[0].evaluate(
        """async ([answers, values]) => {
            const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
            const landed = [];
            for (const [code, verdict] of answers) {
                const body = new FormData();
                body.append("csrfmiddlewaretoken", token);
                body.append("step", "answer");
                body.append("code", code);
                body.append("verdict", values[verdict]);
                body.append("comment", "");
                const response = await fetch("/survey/", {method: "POST", body});
                landed.push(response.url);
            }
            return landed;
        }""",
        [[[code, verdict] for _n, (code, verdict) in answers[4:]], VALUES],
    )
    assert posted == [thanks] * 36
    (other,) = phones(browser, 1)
    assert "这个调查码已经用过了，每个调查码只能作答一次。" in refusal(other, live_server, codes[0])
    assert SurveyAnswer.objects.count() == 40
    assert SurveyCode.objects.filter(used=True).count() == 40
    note = PublicInput.objects.get(kind="survey")  # the comment waits for a moderator
    assert (note.text, note.state) == (COMMENT, "pending")

    # The close: the list and the codes go, the draw's record stays.
    page.goto(live_server.url + reverse("admin:projects_survey_change", args=[survey.pk]))
    follow(page, "结束调查")
    assert "已收回答卷40 份" in page.locator("#survey-close").inner_text().replace("\n", "")
    with page.expect_navigation():
        page.get_by_role("button", name="确认结束调查").click()
    assert "调查已结束" in page.locator(".messagelist").inner_text()
    assert not Household.objects.exists()
    assert not SurveyCode.objects.exclude(code="").exists()
    survey.refresh_from_db()
    assert (survey.state, survey.population, survey.list_sha256) == ("closed", 2000, digest)
    assert len(survey.seed) == 64
    (late,) = phones(browser, 1)
    assert "这项调查已经结束" in refusal(late, live_server, unused)

    # The results, in the open: 40 answers of 300 slips, each share with its margin.
    public = browser.new_page()
    public.goto(live_server.url + reverse("projects:surveys", args=[2026]))
    follow(public, "加装电梯住户满意度抽样调查")
    facts = public.locator(".survey-facts").inner_text()
    assert "抽样户数\n300" in facts and "答卷数\n40" in facts
    assert "回收率\n13.3%" in facts  # 40 / 300
    formula = public.locator(".survey-formula").inner_text()
    assert formula == "误差 = 1.96 × √(p(1−p)/n) × √((N−n)/(N−1))"
    rows = public.locator("table.survey-shares tbody tr").all_inner_texts()
    expected = []
    for label in ("满意", "基本满意", "不满意"):
        count = VERDICTS.count(label)
        p, n, population = count / 40, 40, 2000
        margin = 1.96 * math.sqrt(p * (1 - p) / n) * math.sqrt((population - n) / (population - 1))
        expected.append(f"{label}\t{count}\t{one_decimal(p)}%\t±{one_decimal(margin)}")
    assert rows == expected
    record = public.locator(".survey-draw").inner_text()
    assert digest in record and survey.seed in record and "2000" in record
    assert not any(code in public.content() for code in codes)
    assert COMMENT not in public.content()
