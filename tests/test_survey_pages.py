"""满意度抽样调查 on the public's side (views/surveys.py): a slip's code opens the survey
once; every refusal says why and changes nothing; look-ups are limited; the results
once closed, each share with the margin of error the page's formula gives, 样本不足
below the minimum; never a household or a code on a public page."""

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import Client

from projects.models import (
    TEXT_MAX,
    PublicInput,
    Site,
    Survey,
    SurveyAnswer,
    SurveyCode,
)
from projects.rules import surveys as arithmetic
from projects.web import freshness

from .factories import ProjectFactory, TargetFactory, UserFactory

HOUSES = [f"西园小区{n // 100 + 1}号楼{n % 100 + 1:02d}室" for n in range(500)]
URL = "/survey/"


@pytest.fixture
def office(db):
    return UserFactory(username="office")


@pytest.fixture
def project(plan):
    return ProjectFactory(plan=plan, number=3, title="口袋公园")


def open_survey(project, office, houses=HOUSES, site=None, title="口袋公园满意度调查"):
    """A survey drawn from `houses`: (survey, its codes as printed on the slips)."""
    survey = Survey.objects.create(plan=project.plan, project=project, site=site, title=title)
    survey.import_households(houses)
    return survey, [arithmetic.shown_code(code) for code in survey.draw(office)]


@pytest.fixture
def drawn(project, office):
    return open_survey(project, office)


def closed(survey, office, answers):
    """`survey` answered with {verdict: how many} (codes in slip order), then closed."""
    codes = iter(survey.codes.order_by("slip").values_list("code", flat=True))
    for verdict, count in answers.items():
        for _ in range(count):
            Survey.answer(next(codes), verdict)
    survey.close(office)
    return survey


def send(client, **data):
    return client.post(URL, data)


def text_of(response):
    return response.content.decode()


def nothing_stored():
    return (
        not SurveyAnswer.objects.exists()
        and not PublicInput.objects.exists()
        and not SurveyCode.objects.filter(used=True).exists()
    )


# Answering ----------------------------------------------------------------------------


def test_a_code_opens_its_survey_once_and_the_second_time_is_refused(client, drawn):
    survey, codes = drawn
    page = client.get(URL)  # as a browser has it: the page, its CSRF cookie
    assert page.status_code == 200
    field = re.search(r'<input type="text" name="code"[^>]*>', text_of(page)).group(0)
    assert 'autocomplete="off"' in field and 'inputmode="text"' in field
    assert 'name="name"' not in text_of(page) and 'name="phone"' not in text_of(page)

    step_two = send(client, code=codes[0].lower().replace("-", " "))
    assert step_two.status_code == 200
    assert "这次调查的是民生实事“三、口袋公园”" in text_of(step_two)
    assert "口袋公园满意度调查" in text_of(step_two) and "审核后公开" in text_of(step_two)
    assert f'value="{codes[0]}"' in text_of(step_two)  # carried to the answer, hidden
    assert not SurveyCode.objects.filter(used=True).exists()  # a look-up uses nothing

    done = send(client, step="answer", code=codes[0], verdict="fair", comment=" 路灯再亮些 ")
    assert done.status_code == 302 and done.url == "/survey/thanks/"
    assert "谢谢您的答卷" in text_of(client.get(done.url))
    answer = SurveyAnswer.objects.get()
    assert (answer.survey, answer.verdict) == (survey, "fair")
    assert answer.comment.text == "路灯再亮些"
    assert answer.comment.kind == PublicInput.Kind.SURVEY
    assert answer.comment.state == PublicInput.State.PENDING  # moderated before public

    again = send(client, code=codes[0])
    assert again.status_code == 400 and "这个调查码已经用过了" in text_of(again)
    replayed = send(client, step="answer", code=codes[0], verdict="satisfied", comment="")
    assert replayed.status_code == 400 and "这个调查码已经用过了" in text_of(replayed)
    assert SurveyAnswer.objects.count() == 1 and PublicInput.objects.count() == 1


def test_the_step_two_page_shows_only_the_survey_of_the_code(client, drawn, project, office):
    _, codes = drawn
    other, _ = open_survey(
        ProjectFactory(plan=project.plan, number=4, title="背街小巷"),
        office,
        houses=[f"东园{n}号" for n in range(40)],
        title="背街小巷满意度调查",
    )
    page = text_of(send(client, code=codes[0]))
    assert "口袋公园满意度调查" in page
    assert "背街小巷" not in page and other.seed not in page


def test_a_closed_surveys_code_is_refused(client, drawn, office):
    survey, codes = drawn
    closed(survey, office, {"satisfied": 1})
    for data in ({"code": codes[5]}, {"step": "answer", "code": codes[5], "verdict": "fair"}):
        refused = send(client, **data)
        assert refused.status_code == 400 and "这项调查已经结束" in text_of(refused)
    assert SurveyAnswer.objects.count() == 1


@pytest.mark.parametrize(
    "data, says",
    [
        ({"code": ""}, "请填写调查单上的调查码"),
        ({"code": "ABCD-EFGH"}, "调查码应为 12 位字母和数字"),
        ({"code": "ABCD-EFGH-JKMN"}, "没有这个调查码"),
        ({"code": "A" * 41}, "调查码应为 12 位字母和数字"),
        ({"step": "answer", "verdict": ""}, "请选择满意、基本满意或不满意"),
        ({"step": "answer", "verdict": "delighted"}, "请从满意、基本满意、不满意中选择一项"),
        ({"step": "answer", "verdict": "fair", "comment": "请回电13912345678"}, "电话号码"),
        ({"step": "answer", "verdict": "fair", "comment": "好" * (TEXT_MAX + 1)}, "内容过长"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(client, drawn, data, says):
    _, codes = drawn
    data = {"code": codes[0], **data}
    refused = send(client, **data)
    assert refused.status_code == 400
    assert says in text_of(refused) and "什么也没有保存" in text_of(refused)
    assert nothing_stored()


def test_a_post_without_the_csrf_token_is_refused(drawn):
    _, codes = drawn
    strict = Client(enforce_csrf_checks=True)
    strict.get(URL)
    response = strict.post(URL, {"step": "answer", "code": codes[0], "verdict": "fair"})
    assert response.status_code == 403 and nothing_stored()


def test_code_look_ups_past_the_browsers_limit_get_a_429_and_change_nothing(
    client, drawn, settings
):
    _, codes = drawn
    settings.SURVEY_BROWSER_LOOKUPS = 3
    client.get(URL)  # the CSRF cookie: the browser is counted
    assert [send(client, code="ABCD-EFGH-JKMN").status_code for _ in range(3)] == [400] * 3
    refused = send(client, step="answer", code=codes[0], verdict="fair")
    assert refused.status_code == 429 and "输入调查码的次数过多" in text_of(refused)
    assert int(refused["Retry-After"]) > 0 and "no-store" in refused["Cache-Control"]
    assert nothing_stored()
    other_browser = Client()
    other_browser.get(URL)
    assert send(other_browser, code=codes[0]).status_code == 200


def test_code_look_ups_past_the_addresses_limit_get_a_429(drawn, settings):
    _, codes = drawn
    settings.SURVEY_ADDRESS_LOOKUPS = 2
    browsers = [Client() for _ in range(3)]
    for browser in browsers:
        browser.get(URL)
    assert [send(b, code=codes[0]).status_code for b in browsers] == [200, 200, 429]


def test_the_answer_pages_are_never_cached(client, drawn):
    _, codes = drawn
    freshness.memory.clear()
    pages = [client.get(URL), send(client, code=codes[0])]
    assert all("no-store" in page["Cache-Control"] for page in pages)
    assert client.get(URL).status_code == 200
    assert not [key for key in freshness.memory.pages if "/survey/" in key]


# Results ------------------------------------------------------------------------------


def shown(fraction):
    """A figure 0–1 as the page writes it: a percent to one decimal, 四舍五入."""
    return str(Decimal(fraction * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def row_of(page, label):
    return re.search(rf"<tr><th scope=\"row\">{label}</th>(.*?)</tr>", page).group(1)


def test_the_results_show_each_share_with_the_margin_the_formula_gives(client, drawn, office):
    survey = closed(drawn[0], office, {"satisfied": 26, "fair": 9, "dissatisfied": 5})
    page = text_of(client.get(f"/plans/2021/surveys/{survey.pk}/"))
    n, population = 40, 500
    correction = math.sqrt((population - n) / (population - 1))
    for label, count in (("满意", 26), ("基本满意", 9), ("不满意", 5)):
        p = count / n
        margin = 1.96 * math.sqrt(p * (1 - p) / n) * correction
        assert row_of(page, label) == (
            f"<td>{count}</td><td>{shown(p)}%</td><td>±{shown(margin)}</td>"
        )
    assert "<dt>抽样户数</dt><dd>300</dd>" in page and "<dt>答卷数</dt><dd>40</dd>" in page
    assert f"<dt>回收率</dt><dd>{shown(40 / 300)}%</dd>" in page  # 13.3%
    assert "误差 = 1.96 × √(p(1−p)/n) × √((N−n)/(N−1))" in page
    assert "N 为名单户数（本次 500 户）" in page and "n 为答卷数（本次 40 份）" in page
    assert "样本不足" not in page
    # the draw's record, and how to re-run it
    assert "<dt>名单户数</dt><dd>500</dd>" in page
    assert f"<code>{arithmetic.list_digest(HOUSES)}</code>" in page
    assert f"<code>{survey.seed}</code>" in page
    assert "2026-11-26 04:00" in page  # drawn at the suite's NOW, in Asia/Shanghai
    assert "SHA-256(“随机种子:i:x”)" in page
    # apart from the other two voices
    assert "不与码上评（网上评价，未经核实）合并，也不替代人大代表的年终满意度测评" in page


def test_below_the_minimum_the_page_says_not_enough_and_gives_counts_only(client, drawn, office):
    survey = closed(drawn[0], office, {"satisfied": 20, "fair": 5, "dissatisfied": 4})
    page = text_of(client.get(f"/plans/2021/surveys/{survey.pk}/"))
    assert survey.min_responses == 30
    assert "<strong>样本不足</strong>：答卷 29 份，少于公布比例所需的 30 份" in page
    assert row_of(page, "满意") == "<td>20</td>" and row_of(page, "不满意") == "<td>4</td>"
    assert '<th scope="col">占比</th>' not in page and f"{shown(20 / 29)}%" not in page
    assert f"<dt>回收率</dt><dd>{shown(29 / 300)}%</dd>" in page


def test_a_draft_or_open_survey_or_one_of_an_unpublished_plan_has_no_results(
    client, project, office
):
    draft = Survey.objects.create(plan=project.plan, project=project, title="尚未抽样")
    opened, _ = open_survey(project, office, title="调查中")
    hidden = closed(open_survey(project, office, title="未公开计划的调查")[0], office, {})
    project.plan.is_published = False
    project.plan.save()
    for survey in (draft, opened, hidden):
        assert client.get(f"/plans/2021/surveys/{survey.pk}/").status_code == 404
    assert client.get("/plans/2021/surveys/").status_code == 404
    project.plan.is_published = True
    project.plan.save()
    listed = text_of(client.get("/plans/2021/surveys/"))
    assert "未公开计划的调查" in listed
    assert "尚未抽样" not in listed and "调查中" not in listed
    assert client.get(f"/plans/2021/surveys/{opened.pk}/").status_code == 404


def test_no_household_or_code_is_on_any_public_page(client, drawn, office):
    survey, codes = drawn
    closed(survey, office, {"fair": 31})
    pages = [
        text_of(client.get(path))
        for path in (
            f"/plans/2021/surveys/{survey.pk}/",
            "/plans/2021/surveys/",
            "/plans/2021/projects/3/",
        )
    ]
    assert all("口袋公园满意度调查" in page for page in pages[:2])
    for page in pages:
        assert not [house for house in HOUSES if house in page]
        assert not [c for c in codes if c in page or c.replace("-", "") in page]
        assert "西园小区" not in page


def test_an_open_survey_gives_the_project_page_no_link_to_results(client, drawn):
    assert "满意度抽样调查结果" not in text_of(client.get("/plans/2021/projects/3/"))


def test_the_project_page_links_to_the_results_once_a_survey_is_closed(client, drawn, office):
    closed(drawn[0], office, {"satisfied": 3})
    link = '<a href="/plans/2021/surveys/#project-3">满意度抽样调查结果</a>'
    assert link in text_of(client.get("/plans/2021/projects/3/"))
    assert 'id="project-3"' in text_of(client.get("/plans/2021/surveys/"))
    # on a day before the close, the page shows the project as it stood then
    before = text_of(client.get("/plans/2021/projects/3/?as_of=2026-11-20"))
    assert "满意度抽样调查结果" not in before


def test_the_results_pages_cost_the_same_queries_however_many_answers(
    queries_of, django_assert_num_queries, project, office
):
    small = closed(open_survey(project, office, houses=HOUSES[:50])[0], office, {"fair": 2})
    target = TargetFactory(project=project)
    site = Site.objects.create(target=target, name="西园游园", street="西园街道")
    large = closed(
        open_survey(project, office, site=site, title="西园游园满意度调查")[0],
        office,
        {"satisfied": 30, "fair": 10, "dissatisfied": 6},
    )
    assert len(queries_of(f"/plans/2021/surveys/{small.pk}/")) == len(
        queries_of(f"/plans/2021/surveys/{large.pk}/")
    )
    # 1 the survey with its plan, project and site, 2 its answers counted by verdict,
    # 3 whether any plan carries demo data, 4 the published plans for the navigation.
    with django_assert_num_queries(4):
        queries_of(f"/plans/2021/surveys/{large.pk}/")
    # 1 the plan, 2 its public surveys with project, site and count of answers,
    # 3 demo data, 4 the published plans.
    with django_assert_num_queries(4):
        queries_of("/plans/2021/surveys/")


def test_the_survey_pages_are_valid_html(client, drawn, office, project, nu_checker, settings):
    survey, codes = drawn
    short = closed(
        open_survey(project, office, houses=HOUSES[:40], title="样本不足的调查")[0],
        office,
        {"fair": 2},
    )
    client.get(URL)
    bodies = {
        "code": client.get(URL).content,
        "refused": send(client, code="ABCD").content,
        "answer": send(client, code=codes[0]).content,
        "answer refused": send(client, step="answer", code=codes[0]).content,
        "thanks": client.get("/survey/thanks/").content,
    }
    closed(survey, office, {"satisfied": 20, "fair": 10, "dissatisfied": 1})
    bodies["results"] = client.get(f"/plans/2021/surveys/{survey.pk}/").content
    bodies["not enough"] = client.get(f"/plans/2021/surveys/{short.pk}/").content
    bodies["list"] = client.get("/plans/2021/surveys/").content
    settings.SURVEY_BROWSER_LOOKUPS = 0
    bodies["limited"] = send(client, code=codes[1]).content
    assert nu_checker.errors(bodies) == {}
