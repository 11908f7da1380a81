"""What the API's records are read from: the public querysets only the API lists (the
rest are the models' `public()`), the plans a `?plan=` chooses, and how a value is
written in a record (`projects.api.schemas` declares each record and reads it)."""

from urllib.parse import urljoin

from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation

from projects.models import (
    Budget,
    Contract,
    Funding,
    Milestone,
    MoneyDocument,
    Payment,
    Plan,
    PublicInput,
    Site,
    StepReport,
    Survey,
    SurveyAnswer,
    in_published_plan,
)
from projects.models.surveys import SurveyResults
from projects.rules import clock, pace
from projects.rules.formatting import figure, percent_value
from projects.web.addresses import api_reverse


def decimal_text(value):
    """Decimal('9100.00') → "9100", Decimal('12.50') → "12.5"; None → None."""
    return figure(value) if value is not None else None


def rounded(value):
    """A percent rounded to one decimal as the pages show it (四舍五入), or None."""
    return float(percent_value(value)) if value is not None else None


def moment(value):
    """A time as ISO 8601 in Asia/Shanghai, or None."""
    return timezone.localtime(value).isoformat() if value else None


def absolute(site, path):
    """`path` on the site whose address is `site` ("https://…/")."""
    return urljoin(site, path)


def plan_list(site, name, plan):
    """The URL of an API list (`name`) filtered to `plan`."""
    return absolute(site, api_reverse(name, plan=plan.year))


def on_call_page(site, item, letter):
    """Where an item of the public call is shown on its plan's call page."""
    return absolute(site, f"{reverse('projects:call', args=[item.plan.year])}#{letter}{item.pk}")


def voice_photo(item, site):
    return absolute(site, reverse("projects:voice_photo", args=[item.key])) if item.photo else None


def status_label(status):
    """The status's Chinese name, whatever language the visitor chose for the pages."""
    with translation.override("zh-hans"):
        return str(pace.Status(status).label)


def chinese(read):
    """What `read()` says in Chinese (a choice's label, 自然人), whatever language the
    visitor chose for the pages: a record says the same to everyone."""
    with translation.override("zh-hans"):
        return str(read())


def with_public_documents(entries):
    """`entries` with their public documents as `public_documents`: the only documents a
    money record lists (schemas.public_documents reads nothing else)."""
    return entries.prefetch_related(
        Prefetch("documents", queryset=MoneyDocument.objects.public(), to_attr="public_documents")
    )


# Each money list's order within a project: budgets and funds by date, contracts as
# signed, payments by contract and node as entered.
MONEY_ORDER = {
    Budget: ("as_of", "pk"),
    Funding: ("source", "as_of", "pk"),
    Contract: ("signed_on", "pk"),
    Payment: ("contract_id", "pk"),
}


def public_money(model, choice=None, project=None):
    """The public entries of a money model (`public()`: approved, of published plans) of
    the plans a `?plan=` chooses, corrections and the entries they correct alike (each
    row says what it corrects), newest plan first, then by project."""
    found = in_plans(model.objects.public(), choice, "project__plan")
    if model is Payment:  # a node is shown with its contract, never without it
        found = found.filter(contract__in=Contract.objects.public())
    if project is not None:
        found = found.filter(project__number=project)
    found = found.select_related("project__plan")
    found = found.order_by("-project__plan__year", "project__number", *MONEY_ORDER[model])
    return with_public_documents(found)


def public_steps(choice=None, project=None):
    """The procedure steps of published plans with the public documents of their approved
    reports, newest plan first, then by project and planned date. A step's `done_on` is
    written only by an approved report, so it is public as it stands."""
    found = in_plans(
        Milestone.objects.filter(in_published_plan("project__plan")), choice, "project__plan"
    )
    if project is not None:
        found = found.filter(project__number=project)
    reports = with_public_documents(StepReport.objects.public().order_by("done_on", "pk"))
    return (
        found.select_related("project__plan")
        .prefetch_related(Prefetch("step_reports", queryset=reports, to_attr="public_reports"))
        .order_by("-project__plan__year", "project__number", "due_date", "pk")
    )


def public_sites(choice, as_of, project=None):
    """The public sites of the chosen plans with a stage on the day, in a stable order."""
    found = in_plans(Site.objects.public(), choice, "target__project__plan")
    if project is not None:
        found = found.filter(target__project__number=project)
    found = found.order_by("-target__project__plan__year", "target__project__number", "pk")
    return found.shown_on(as_of or clock.today())


def online_rating_rows(found):
    """Tallies of online ratings by project, site and month, in a stable order."""
    return (
        found.order_by()
        .values("project__plan__year", "project__number", "site", "month")
        .tallies()
        .order_by("-project__plan__year", "project__number", "site", "-month")
    )


def public_surveys(choice=None, project=None):
    """The closed surveys of published plans (`Survey.objects.public()`) of the plans a
    `?plan=` chooses, each with its answers counted by verdict in the same query
    (`answers_<verdict>`, read by `survey_results`); never the list, codes or comments.
    Newest plan first, then by project and close."""
    found = in_plans(Survey.objects.public(), choice)
    if project is not None:
        found = found.filter(project__number=project)
    counts = {
        f"answers_{verdict}": Count("answers", filter=Q(answers__verdict=verdict))
        for verdict in SurveyAnswer.Verdict.values
    }
    return (
        found.annotate(**counts)
        .select_related("plan", "project", "site")
        .order_by("-plan__year", "project__number", "closed_at", "pk")
    )


def survey_results(survey):
    """The published figures of a survey fetched by `public_surveys` (no query): the
    model's own arithmetic (`SurveyResults.of`) on the counts that came with it."""
    counts = {v: getattr(survey, f"answers_{v}") for v in SurveyAnswer.Verdict.values}
    return SurveyResults.of(survey, counts)


def public_objections():
    return (
        PublicInput.objects.public()
        .filter(kind=PublicInput.Kind.OBJECTION, state=PublicInput.State.PUBLISHED)
        .select_related("plan", "project__plan")
    )


def chosen_plans(choice):
    """The published plans chosen by ?plan= and ?jurisdiction= (a year, or the
    parameters' PlanChoice) as a list: the year's plan of the jurisdiction (by default
    the home one), or every year of the jurisdiction, or none when it has none, so that
    it filters as any parameter does; None for every published plan. A Plan (a
    package's, projects/api/archive.py) chooses itself, whatever its jurisdiction."""
    if isinstance(choice, Plan):
        return list(Plan.objects.published().filter(pk=choice.pk))
    year = getattr(choice, "year", choice)
    code = getattr(choice, "jurisdiction", None)
    if year is None and code is None:
        return None
    plans = Plan.objects.published()
    if code is None:
        return list(plans.of_year(year))
    plans = plans.filter(jurisdiction__code=code)
    return list(plans if year is None else plans.filter(year=year))


def in_plans(found, choice, field="plan"):
    """`found` within the published plans of `choice` (`chosen_plans`): nothing when
    there is none; every published plan's when nothing is chosen."""
    chosen = chosen_plans(choice)
    return found if chosen is None else found.filter(**{f"{field}__in": chosen})
