"""项目公示牌: the sign for a project's site board, printable on A4 with its 民生码.
Only approved entries of published plans reach it; what nobody approved says 未填报."""

from collections import defaultdict

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy

from projects.models import Budget, Contract, Milestone, Project, Site, of_year
from projects.rules import clock
from projects.views.dashboard import plan_context
from projects.views.sites import qr_code, short_path
from projects.web.freshness import cached_public

# The units a sign names, by the kind of their contract.
SIGN_UNITS = (
    (Contract.Kind.CONSTRUCTION, gettext_lazy("施工单位")),
    (Contract.Kind.SUPERVISION, gettext_lazy("监理单位")),
    (Contract.Kind.DESIGN, gettext_lazy("设计单位")),
)


def step_day(steps, kind):
    """(day, actual?) of the first step of `kind`: its approved actual date, else its
    planned one; (None, False) without such a step."""
    step = next((s for s in steps if s.step == kind), None)
    if step is None:
        return None, False
    return (step.done_on, True) if step.done_on else (step.due_date, False)


@cached_public
def sign(request, year, number):
    """项目公示牌: the A4 sign for a project's site board, as it stands today, with the
    project's 民生码."""
    project = get_object_or_404(
        Project.objects.published().select_related("plan", "lead_department"),
        of_year(year, "plan"),
        number=number,
    )
    contracts = (
        Contract.objects.current()
        .public()
        .filter(project=project, kind__in=[kind for kind, _label in SIGN_UNITS])
    )
    by_kind = defaultdict(list)
    for contract in contracts.order_by("signed_on", "pk"):
        if contract.public_contractor not in by_kind[contract.kind]:
            by_kind[contract.kind].append(contract.public_contractor)
    steps = list(
        Milestone.objects.filter(
            project=project, step__in=[Milestone.Step.START, Milestone.Step.FINISH]
        ).order_by("due_date", "pk")
    )
    start, start_actual = step_day(steps, Milestone.Step.START)
    finish, finish_actual = step_day(steps, Milestone.Step.FINISH)
    context = {
        **plan_context(request, project.plan),
        "project": project,
        "sites": Site.objects.public().filter(target__project=project).order_by("street", "name"),
        "budget": Budget.current_for(project),
        "units": [(label, by_kind[kind]) for kind, label in SIGN_UNITS],
        "start": start,
        "start_actual": start_actual,
        "finish": finish,
        "finish_actual": finish_actual,
        "today": clock.today(),
        "url": request.build_absolute_uri(short_path(project)),
        "qr_svg": qr_code(request, project, None).svg_inline(scale=6, border=4, omitsize=True),
    }
    return render(request, "projects/sign.html", context)
