"""综合满意度指数（参考）: where a district wants one, one figure that weighs the
deputies' year-end rating with the residents' survey and 码上评, shown beside the
deputies' verdict and never instead of it (issue 37).

- There is an index only where the plan's rules in force on the day of the rating
  (`Rating.held_on`) give some part a weight above 0 (INDEX_*_WEIGHT). Rules are read by
  that day, so a past plan reads as published: no plan had these rules before the day
  they were set. Without weights there is no index, and nothing about one is shown.
- Each part's score is the mean of its answers' scores in force that day
  (INDEX_SCORE_SATISFIED, _FAIR, _DISSATISFIED):
  the deputies' votes (满意, 基本满意, 不满意);
  the answers of the project's public survey that closed last by that day, counted
  only when they reach the survey's minimum (below it its shares are not published);
  the 码上评 of the project in the plan's year, given by the end of that day.
- index = Σ weight × score ÷ Σ weight over the weighted parts that have answers;
  computed exactly, then rounded to one decimal (四舍五入) as figures are published.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from projects.models import OnlineRating, PlanRule, Survey
from projects.rules.days import end_of

Name = PlanRule.Name

# Each part and the rule that weighs it, in the order the page states them.
WEIGHTS = {
    "deputies": Name.INDEX_DEPUTIES_WEIGHT,
    "survey": Name.INDEX_SURVEY_WEIGHT,
    "online": Name.INDEX_ONLINE_WEIGHT,
}
# The score of 满意, 基本满意 and 不满意, in that order (every part counts in that order).
SCORES = (Name.INDEX_SCORE_SATISFIED, Name.INDEX_SCORE_FAIR, Name.INDEX_SCORE_DISSATISFIED)


def published(value):
    """An exact value rounded to one decimal, 四舍五入, as figures are published."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Part:
    key: str  # "deputies", "survey" or "online" (WEIGHTS)
    weight: int
    counts: tuple  # 满意, 基本满意, 不满意
    scores: tuple
    survey: Survey | None = None  # the survey counted (the "survey" part only)
    surveys: int = 0  # public surveys of the project closed by the day
    short: bool = False  # that survey's answers fell short of its minimum

    @property
    def answers(self):
        return sum(self.counts)

    @property
    def counted(self):
        return self.answers > 0 and not self.short

    @property
    def exact(self):
        """Σ answers × score ÷ answers, exact; None for a part not counted."""
        if not self.counted:
            return None
        return Fraction(
            sum(n * s for n, s in zip(self.counts, self.scores, strict=True)), self.answers
        )

    @property
    def score(self):
        return published(self.exact) if self.counted else None


@dataclass
class SatisfactionIndex:
    held_on: date  # the day of the deputies' rating: every rule is the one in force then
    rules_from: date  # the day the weights and scores in force then were set
    year: int  # the plan's: its 码上评 are counted
    scores: tuple  # 满意, 基本满意, 不满意
    parts: list  # the parts with a weight above 0

    @property
    def exact(self):
        counted = [part for part in self.parts if part.counted]
        if not counted:
            return None
        weights = sum(part.weight for part in counted)
        return sum(part.weight * part.exact for part in counted) / weights

    @property
    def value(self):
        return published(self.exact) if self.exact is not None else None


def index_of(project):
    """The project's combined index (`SatisfactionIndex`), or None: without a deputies'
    rating, where the plan's rules on its day weigh no part, or no weighted part has
    answers. One query for the rules
    (which the verdict then reads), two or three more only where there is an index."""
    rating = project.shown_rating
    if rating is None:
        return None
    rules = {}
    for rule in project.plan.rules.on(rating.held_on):
        rules.setdefault(rule.name, rule)
    if Name.RATING_SHARE in rules:  # the verdict judges by the same rules: given them,
        rating.share_in_force = rules[Name.RATING_SHARE].value  # it reads them no more
    weights = {key: int(rules[name].value) if name in rules else 0 for key, name in WEIGHTS.items()}
    if not any(weights.values()):
        return None
    # Set on the same day as the weights (plans.py, migration 0029); the setting only if not.
    scores = tuple(
        int(rules[name].value if name in rules else PlanRule.default(name)) for name in SCORES
    )
    day = rating.held_on
    parts = []
    if weights["deputies"]:
        counts = (rating.satisfied, rating.basic, rating.unsatisfied)
        parts.append(Part("deputies", weights["deputies"], counts, scores))
    if weights["survey"]:
        parts.append(survey_part(project, day, weights["survey"], scores))
    if weights["online"]:
        parts.append(online_part(project, day, weights["online"], scores))
    rules_from = max(
        rules[name].valid_from for name in (*WEIGHTS.values(), *SCORES) if name in rules
    )
    index = SatisfactionIndex(day, rules_from, project.plan.year, scores, parts)
    return index if index.exact is not None else None  # no weighted part has answers


def survey_part(project, day, weight, scores):
    """The answers of the project's public survey that closed last by `day` (two
    queries): counted only when they reach the minimum kept with its results."""
    closed = list(
        Survey.objects.public()
        .filter(project=project, closed_at__lt=end_of(day))
        .select_related("site")
        .order_by("-closed_at", "-pk")
    )
    if not closed:
        return Part("survey", weight, (0, 0, 0), scores)
    survey = closed[0]
    results = survey.results()
    counts = tuple(share.count for share in results.shares)
    return Part("survey", weight, counts, scores, survey, len(closed), not results.enough)


def online_part(project, day, weight, scores):
    """The project's 码上评 in the plan's year, given by the end of `day` (one query)."""
    found = OnlineRating.objects.public().filter(
        project=project, month__year=project.plan.year, rated_at__lt=end_of(day)
    )
    tallies = list(found.order_by().values("project").tallies())  # one row, or none
    counts = tuple(tallies[0][v] for v in OnlineRating.Verdict.values) if tallies else (0, 0, 0)
    return Part("online", weight, counts, scores)
