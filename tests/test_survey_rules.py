"""The survey's arithmetic (projects/rules/surveys.py) and its model's life: a list
imported, a sample drawn anyone can re-check, codes that open the survey once, and a
close that deletes the list and keeps the draw's record."""

import hashlib
import math

import pytest
from django.core.exceptions import ValidationError

from projects.models import Household, PlanRule, PublicInput, Survey, SurveyAnswer, SurveyCode
from projects.rules import surveys as arithmetic
from tests.factories import ProjectFactory, UserFactory

HOUSES = [f"西园小区{n // 100 + 1}号楼{n % 100 + 1:02d}室" for n in range(2000)]


def test_the_list_digest_is_sha256_of_one_identifier_a_line():
    expected = hashlib.sha256("甲\n乙\n".encode()).hexdigest()
    assert arithmetic.list_digest(["甲", "乙"]) == expected


def test_the_draw_is_the_same_for_the_same_list_and_seed_and_only_then():
    seed = "ab" * 32
    first = arithmetic.draw(HOUSES, seed, 300)
    assert first == arithmetic.draw(list(HOUSES), seed, 300)
    assert len(first) == len(set(first)) == 300
    assert first != arithmetic.draw(HOUSES, "cd" * 32, 300)
    assert first != arithmetic.draw(list(reversed(HOUSES)), seed, 300)


def test_the_draw_ranks_each_line_by_the_sha256_the_page_states():
    seed = "00" * 32
    ranks = sorted(
        (hashlib.sha256(f"{seed}:{n}:{text}".encode()).hexdigest(), n)
        for n, text in enumerate(HOUSES[:50], start=1)
    )
    assert arithmetic.draw(HOUSES[:50], seed, 5) == sorted(n for _rank, n in ranks[:5])


def test_a_code_has_at_least_50_bits_and_is_read_as_typed():
    code = arithmetic.new_code()
    assert len(code) * math.log2(len(arithmetic.ALPHABET)) >= 50
    shown = arithmetic.shown_code(code)
    assert arithmetic.normal_code(shown.lower()) == code
    assert arithmetic.normal_code(" " + shown.replace("-", " ") + " ") == code
    assert arithmetic.normal_code("O" + code[1:]) == arithmetic.normal_code("0" + code[1:])
    assert arithmetic.normal_code("ABC") == ""
    assert arithmetic.normal_code("ABCD-EFGH-JKM!") == ""


def test_the_margin_of_error_has_the_finite_population_correction():
    # p = 0.5, n = 40 of N = 2,000: 1.96 × √(0.25/40) × √(1960/1999)
    expected = 1.96 * math.sqrt(0.25 / 40) * math.sqrt(1960 / 1999)
    assert arithmetic.margin(0.5, 40, 2000) == pytest.approx(expected)
    assert arithmetic.margin(0.5, 2000, 2000) == 0  # everyone answered: no error
    assert arithmetic.margin(0.5, 0, 2000) is None


# The model ---------------------------------------------------------------------------


@pytest.fixture
def survey(db):
    project = ProjectFactory()
    return Survey.objects.create(plan=project.plan, project=project, title="口袋公园满意度调查")


@pytest.fixture
def office(db):
    return UserFactory(username="office")


def test_a_list_with_a_repeated_household_is_refused_and_changes_nothing(survey):
    with pytest.raises(ValidationError, match="第 3 户与第 1 户相同"):
        survey.import_households(["1号楼101", "1号楼102", " 1号楼101 "])
    assert not Household.objects.exists()


def test_an_empty_list_is_refused(survey):
    with pytest.raises(ValidationError, match="名单是空的"):
        survey.import_households(["", "  "])


def test_the_draw_records_the_list_and_seed_and_takes_the_plans_sample_size(survey, office):
    survey.import_households(HOUSES)
    codes = survey.draw(office)
    assert survey.state == Survey.State.OPEN
    assert survey.population == 2000
    assert survey.sample_size == len(codes) == 300
    assert survey.list_sha256 == arithmetic.list_digest(HOUSES)
    assert len(survey.seed) == 64
    assert survey.households.filter(sampled=True).count() == 300
    assert survey.redraw_check() is True
    assert len(survey.slips()) == 300


def test_a_smaller_list_is_surveyed_whole(survey, office):
    survey.import_households(HOUSES[:120])
    assert len(survey.draw(office)) == 120


def test_the_sample_size_is_the_rule_in_force_on_the_day_of_the_draw(survey, office):
    from projects.rules import clock

    survey.plan.rules.filter(name=PlanRule.Name.SURVEY_SAMPLE_SIZE).update(
        value=50, valid_from=clock.today()
    )
    survey.import_households(HOUSES)
    assert len(survey.draw(office)) == 50


def test_a_code_answers_once_and_the_answer_keeps_no_trace_of_it(survey, office):
    survey.import_households(HOUSES[:100])
    code = arithmetic.shown_code(survey.draw(office)[0])
    answer = Survey.answer(code.lower(), "satisfied", "  公园很好  ")
    assert answer.verdict == "satisfied"
    assert {f.name for f in SurveyAnswer._meta.get_fields()} == {
        "id",
        "survey",
        "verdict",
        "day",
        "comment",
    }
    assert answer.comment.kind == PublicInput.Kind.SURVEY
    assert answer.comment.state == PublicInput.State.PENDING
    with pytest.raises(ValidationError, match="已经用过"):
        Survey.answer(code, "dissatisfied")
    assert SurveyAnswer.objects.count() == 1


def test_an_unknown_code_and_a_bad_verdict_are_refused(survey, office):
    survey.import_households(HOUSES[:100])
    code = survey.draw(office)[0]
    with pytest.raises(ValidationError, match="没有这个调查码"):
        Survey.answer("ABCD-EFGH-JKMN", "satisfied")
    with pytest.raises(ValidationError, match="请选择"):
        Survey.answer(code, "delighted")
    assert not SurveyCode.objects.filter(used=True).exists()


def test_the_close_deletes_the_list_and_codes_and_keeps_the_record(survey, office):
    survey.import_households(HOUSES)
    codes = survey.draw(office)
    for code in codes[:40]:
        Survey.answer(code, "satisfied")
    record = (survey.list_sha256, survey.seed, survey.population, survey.sample_size)
    survey.close(office)
    assert not Household.objects.exists()
    assert not SurveyCode.objects.exclude(code="").exists()
    assert (survey.list_sha256, survey.seed, survey.population, survey.sample_size) == record
    assert survey.redraw_check() is None  # nothing left to draw from
    with pytest.raises(ValidationError, match="已经结束"):
        Survey.answer(codes[50], "satisfied")
    results = survey.results()
    assert (results.sample, results.responses, results.enough) == (300, 40, True)
    assert results.rate == pytest.approx(40 / 300)
    satisfied = results.shares[0]
    assert (satisfied.count, satisfied.share, satisfied.margin) == (40, 1.0, 0.0)


def test_below_the_minimum_the_results_say_not_enough(survey, office):
    survey.import_households(HOUSES[:100])
    codes = survey.draw(office)
    for code in codes[:5]:
        Survey.answer(code, "fair")
    survey.close(office)
    assert survey.min_responses == 30
    assert survey.results().enough is False


def test_a_plan_without_a_survey_or_index_lists_none_of_their_rules_as_changes(survey):
    from projects.rules import clock

    rules = survey.plan.rules_on(clock.today())
    assert rules.values[PlanRule.Name.INDEX_SURVEY_WEIGHT] == 0
    assert not {rule.name for rule in rules.changes} & {
        PlanRule.Name.SURVEY_SAMPLE_SIZE,
        PlanRule.Name.INDEX_DEPUTIES_WEIGHT,
    }


def test_the_close_moves_the_public_pages_version(survey, office):
    from projects.web import freshness

    survey.import_households(HOUSES[:100])
    survey.draw(office)
    before = freshness.current_version()
    survey.close(office)
    assert freshness.current_version() != before
