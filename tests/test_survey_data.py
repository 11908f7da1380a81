"""The surveys in the open data (issue 37): the API, the CSV and the data package carry
the draw's record and the answers' counts, shares and margins, never the list, a code
or a code's hash; and the combined index (projects/web/satisfaction.py), shown beside
the deputies' verdict only where the plan's rules on its day give it weights."""

import hashlib
import math
import zipfile
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import OnlineRating, PlanRule, Rating, Survey
from projects.rules import surveys as arithmetic
from projects.web import freshness

from .factories import PlanFactory, ProjectFactory, UserFactory
from .test_archive import download, problems, table

HOUSES = [f"东风小区{n // 50 + 1}号楼{n % 50 + 1:02d}室" for n in range(200)]
TITLE = "口袋公园周边住户满意度调查"
COMMENT = "希望增加夜间照明灯"
API = "/api/v1/surveys/?plan=2026"


@pytest.fixture
def office(db):
    return UserFactory(username="office")


@pytest.fixture
def park(db):
    return ProjectFactory(plan=PlanFactory(year=2026), number=3, title="口袋公园")


def surveyed(project, office, satisfied, fair, dissatisfied):
    """A closed survey of the 200 HOUSES (all sampled: fewer than the 300 of the rule)
    with these answers; returns it and its codes."""
    survey = Survey.objects.create(plan=project.plan, project=project, title=TITLE)
    survey.import_households(HOUSES)
    codes = survey.draw(office)
    verdicts = ["satisfied"] * satisfied + ["fair"] * fair + ["dissatisfied"] * dissatisfied
    for code, verdict in zip(codes, verdicts, strict=False):
        Survey.answer(code, verdict, COMMENT)
    survey.close(office)
    return survey, codes


def one_decimal(value):
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def margin_points(share, n, population):
    """1.96 × √(p(1−p)/n) × √((N−n)/(N−1)), in percentage points, as published."""
    margin = (
        1.96 * math.sqrt(share * (1 - share) / n) * math.sqrt((population - n) / (population - 1))
    )
    return one_decimal(margin * 100)


def secrets_of(codes):
    """Every form a household or a code could take in what is published."""
    forms = [*HOUSES, COMMENT]
    for code in codes:
        forms += [code, arithmetic.shown_code(code), arithmetic.code_hash(code)]
    return forms


# The API -----------------------------------------------------------------------------


def test_the_api_lists_a_closed_survey_with_its_record_counts_shares_and_margins(
    client, park, office
):
    survey, codes = surveyed(park, office, 25, 10, 5)
    response = client.get(API)
    (record,) = response.json()["results"]
    drawn_at, closed_at = record.pop("drawn_at"), record.pop("closed_at")
    assert record == {
        "id": survey.pk,
        "plan": 2026,
        "project": 3,
        "project_title": "口袋公园",
        "site": None,
        "site_name": "",
        "title": TITLE,
        "population": 200,
        "list_sha256": hashlib.sha256("".join(f"{h}\n" for h in HOUSES).encode()).hexdigest(),
        "seed": survey.seed,
        "sample_size": 200,
        "responses": 40,
        "response_rate": 20.0,
        "min_responses": 30,
        "enough": True,
        "satisfied": 25,
        "fair": 10,
        "dissatisfied": 5,
        "satisfied_share": 62.5,
        "fair_share": 25.0,
        "dissatisfied_share": 12.5,
        "satisfied_margin": margin_points(25 / 40, 40, 200),
        "fair_margin": margin_points(10 / 40, 40, 200),
        "dissatisfied_margin": margin_points(5 / 40, 40, 200),
        "url": f"http://testserver/plans/2026/surveys/{survey.pk}/",
    }
    assert record["satisfied_margin"] == 13.5  # 1.96 × √(0.625 × 0.375 / 40) × √(160/199)
    for moment in (drawn_at, closed_at):  # Beijing time, as the pages show it
        assert moment.startswith("2026-11-26T04:00") and moment.endswith("+08:00")
    assert len(survey.seed) == 64
    body = response.content.decode()
    assert not [text for text in secrets_of(codes) if text in body]


def test_below_the_minimum_the_counts_are_published_and_the_shares_are_null(client, park, office):
    surveyed(park, office, 3, 1, 1)
    (record,) = client.get(API).json()["results"]
    assert (record["responses"], record["min_responses"], record["enough"]) == (5, 30, False)
    assert (record["satisfied"], record["fair"], record["dissatisfied"]) == (3, 1, 1)
    assert record["response_rate"] == 2.5
    for verdict in ("satisfied", "fair", "dissatisfied"):
        assert record[f"{verdict}_share"] is None
        assert record[f"{verdict}_margin"] is None


def test_a_survey_is_listed_only_once_closed_and_only_in_a_published_plan(client, park, office):
    draft = Survey.objects.create(plan=park.plan, project=park, title="尚未抽样")
    draft.import_households(HOUSES)
    running = Survey.objects.create(plan=park.plan, project=park, title="调查中")
    running.import_households(HOUSES)
    running.draw(office)
    hidden = ProjectFactory(plan=PlanFactory(year=2027, is_published=False), number=1)
    surveyed(hidden, office, 30, 0, 0)
    assert client.get("/api/v1/surveys/").json()["results"] == []
    fresh()
    surveyed(park, office, 30, 0, 0)
    assert [r["title"] for r in client.get("/api/v1/surveys/").json()["results"]] == [TITLE]


def fresh():
    """Forget the answers kept (the page cache): each request here is answered anew."""
    cache.clear()
    freshness.memory.clear()


def queries(client, url):
    fresh()
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_list_costs_the_same_queries_for_one_survey_or_three(
    client, park, office, django_assert_num_queries
):
    surveyed(park, office, 30, 0, 0)
    queries(client, API)  # the rate limit's first count of its window also clears old ones
    one = queries(client, API)
    for number in (4, 5):
        surveyed(ProjectFactory(plan=park.plan, number=number), office, 10, 10, 10)
    fresh()
    # 1 the request counted against the rate limit, 2 the published plan of ?plan=,
    # 3 the count, 4 the page of surveys with their plan, project and site and their
    # answers counted by verdict.
    with django_assert_num_queries(4):
        assert len(client.get(API).json()["results"]) == 3
    assert one == 4


# The data package --------------------------------------------------------------------


def test_the_package_has_a_valid_surveys_table_and_never_the_list_or_a_code(
    client, park, office, tmp_path
):
    survey, codes = surveyed(park, office, 25, 10, 5)
    descriptor = download(client, tmp_path, 2026)
    assert problems(tmp_path) == []
    resource = next(r for r in descriptor["resources"] if r["name"] == "surveys")
    assert resource["title"] == "满意度抽样调查结果"
    fields = {field["name"]: field for field in resource["schema"]["fields"]}
    assert fields["satisfied_margin"]["unit"] == "百分点"
    assert fields["satisfied_share"]["unit"] == "%"
    assert fields["closed_at"]["type"] == "datetime"
    assert "required" not in fields["satisfied_share"].get("constraints", {})
    (row,) = table(tmp_path, "surveys")
    assert (row["id"], row["population"], row["sample_size"]) == (str(survey.pk), "200", "200")
    assert (row["list_sha256"], row["seed"]) == (survey.list_sha256, survey.seed)
    assert (row["responses"], row["enough"], row["satisfied_share"]) == ("40", "true", "62.5")
    package = client.get("/data/2026/yicheng-minsheng-shishi-2026.zip").content
    with zipfile.ZipFile(BytesIO(package)) as archive:
        assert "surveys.csv" in archive.namelist()
        text = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert not [secret for secret in secrets_of(codes) if secret in text]


# The combined index ------------------------------------------------------------------

VERDICT = "人大代表满意度测评：满意 60、基本满意 20、不满意 10，结果为“满意”。"


def weigh(plan, deputies, survey, online, fair_score=None):
    """The plan's index weights (and the score of 基本满意), in force from today, as
    the plan was made with them."""
    rules = plan.rules
    rules.filter(name=PlanRule.Name.INDEX_DEPUTIES_WEIGHT).update(value=deputies)
    rules.filter(name=PlanRule.Name.INDEX_SURVEY_WEIGHT).update(value=survey)
    rules.filter(name=PlanRule.Name.INDEX_ONLINE_WEIGHT).update(value=online)
    if fair_score is not None:
        rules.filter(name=PlanRule.Name.INDEX_SCORE_FAIR).update(value=fair_score)


def rate(project, day):
    return Rating.objects.create(
        project=project, held_on=day, satisfied=60, basic=20, unsatisfied=10, recorded_by=None
    )


def rate_online(project, verdicts, month, rated_at):
    for verdict in verdicts:
        OnlineRating.objects.create(
            project=project,
            verdict=verdict,
            month=month,
            rated_at=rated_at,
            browser=f"b{OnlineRating.objects.count()}",
        )


@pytest.fixture
def rated(park, office, clock):
    """A project rated by the deputies today, surveyed (25/10/5) and rated online
    (3/1/2 this year, and some that do not count: last year's and tomorrow's)."""
    surveyed(park, office, 25, 10, 5)
    now = clock.now()
    rate_online(park, ["satisfied"] * 3 + ["fair"] + ["dissatisfied"] * 2, date(2026, 11, 1), now)
    rate_online(park, ["dissatisfied"] * 4, date(2025, 12, 1), now - timedelta(days=360))
    rate_online(park, ["dissatisfied"] * 4, date(2026, 11, 1), now + timedelta(days=1))
    rate(park, clock.today())
    return park


def page_of(client, project):
    fresh()
    with CaptureQueriesContext(connection) as context:
        response = client.get(project.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), len(context.captured_queries)


def exact_score(counts, scores):
    return Fraction(sum(n * s for n, s in zip(counts, scores, strict=True)), sum(counts))


def test_the_index_is_computed_exactly_and_shown_beside_an_unchanged_verdict(client, rated):
    weigh(rated.plan, 60, 30, 10, fair_score=65)
    scores = (100, 65, 0)
    deputies = exact_score((60, 20, 10), scores)
    survey = exact_score((25, 10, 5), scores)
    online = exact_score((3, 1, 2), scores)  # this year's, given by the day of the rating
    index = (60 * deputies + 30 * survey + 10 * online) / (60 + 30 + 10)
    shown = [one_decimal(Decimal(x.numerator) / x.denominator) for x in (deputies, survey, online)]
    assert shown == [81.1, 78.8, 60.8]
    assert one_decimal(Decimal(index.numerator) / index.denominator) == 78.4  # 78.375
    page, _queries = page_of(client, rated)
    beside = page.index(VERDICT)  # the deputies' verdict, as it reads without the index
    assert page.index("综合满意度指数（参考）：78.4") > beside
    assert "人大代表测评：权重 60，得分 81.1（满意 60、基本满意 20、不满意 10）" in page
    assert f"满意度抽样调查“{TITLE}”（2026-11-26 结束）：权重 30，得分 78.8（满意 25、" in page
    assert (
        "码上评（2026 年，未经核实的网上评价）：权重 10，得分 60.8（满意 3、基本满意 1、不满意 2）"
        in page
    )
    assert "满意 100、基本满意 65、不满意 0" in page
    assert "按 2026-11-26 起施行的规则（测评日 2026-11-26 在用）" in page


def test_a_part_without_weight_is_left_out_and_one_without_answers_is_not_counted(
    client, park, clock
):
    weigh(park.plan, 0, 50, 50)
    rate_online(park, ["fair"] * 2, date(2026, 11, 1), clock.now())
    rate(park, clock.today())
    page, _queries = page_of(client, park)
    assert "综合满意度指数（参考）：60" in page  # 码上评 alone: both 基本满意
    assert "人大代表测评：权重" not in page
    assert "满意度抽样调查：权重 50，没有回答，未计入" in page


def test_a_survey_short_of_its_minimum_is_not_counted(client, park, office, clock):
    weigh(park.plan, 50, 50, 0)
    surveyed(park, office, 0, 0, 5)
    rate(park, clock.today())
    page, _queries = page_of(client, park)
    assert "综合满意度指数（参考）：80" in page  # the deputies' (6000 + 1200) / 90 alone
    assert "权重 50，答卷数不足，未计入" in page


def test_without_weights_the_project_page_reads_exactly_as_before(client, rated, monkeypatch):
    page, count = page_of(client, rated)
    assert VERDICT in page and "综合满意度指数" not in page
    monkeypatch.setattr("projects.views.dashboard.index_of", lambda project: None)
    before, count_before = page_of(client, rated)
    assert (page, count) == (before, count_before)


def test_with_weights_the_page_costs_the_rules_once_and_its_parts(client, rated, monkeypatch):
    monkeypatch.setattr("projects.views.dashboard.index_of", lambda project: None)
    _page, before = page_of(client, rated)
    monkeypatch.undo()
    weigh(rated.plan, 60, 30, 10)
    page, count = page_of(client, rated)
    assert "综合满意度指数（参考）" in page
    # The rules of the rating's day, read once for the index and the verdict alike;
    # then 1 the surveys closed by that day, 2 the answers of the one counted, 3 the
    # 码上评 tallied.
    assert count == before + 3


def test_a_rating_held_before_the_index_rules_shows_no_index(client, rated):
    """Past plans read as published: the weights are in force from the day they were set."""
    weigh(rated.plan, 60, 30, 10)
    rated.rating.delete()
    rate(rated, date(2026, 11, 20))
    page, _queries = page_of(client, rated)
    assert "2026-11-20 人大代表满意度测评：满意 60" in page
    assert "综合满意度指数" not in page
