"""A jurisdiction's levels side by side (issue 38): a city's counties and districts and
their townships, each one's pledges of the year with completion, pace and status counts
and what lags, from approved reports only (`models.rollup`), with its exports. Each
row's links go to that level's own addresses (web/addresses.py)."""

from dataclasses import dataclass, field

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from projects.models import Plan, PlanProgress, rollup
from projects.rules import pace
from projects.rules.formatting import display_name
from projects.views.dashboard import hundredths, plan_context
from projects.views.table import sheet_response
from projects.web.addresses import addressed_to, served
from projects.web.asof import public_page
from projects.web.freshness import cached_public


@dataclass
class Level:
    """One level's row: its plan's figures, and its addresses."""

    progress: PlanProgress
    url: str
    behind: list  # [(project, its address)]
    counts: list = field(default_factory=list)  # of the page's status columns

    @property
    def plan(self):
        return self.progress.plan

    @property
    def jurisdiction(self):
        return self.plan.jurisdiction

    def count(self, status):
        return self.progress.count(status)


def levels_of(jurisdiction, year, as_of):
    found = []
    for progress in rollup(jurisdiction, year, as_of):
        with addressed_to(progress.plan.jurisdiction):
            behind = [(p, p.get_absolute_url()) for p in progress.behind]
            found.append(Level(progress, progress.plan.get_absolute_url(), behind))
    return found


@cached_public
@public_page
def levels(request, year):
    jurisdiction = served(request)
    found = levels_of(jurisdiction, year, request.as_of)
    own = Plan.objects.published().of_year(year).first()
    if not found and own is None:
        raise Http404(_("这一年度下辖各级没有公开的民生实事计划。"))
    # Only the statuses some level has, most severe first: a column each.
    statuses = [s for s in pace.SEVERITY if any(level.count(s) for level in found)]
    columns = [(s, pace.Status(s).label) for s in statuses]
    for level in found:
        level.counts = [level.count(s) for s in statuses]
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return export_response(request, jurisdiction, year, found, columns, export)
    context = {
        **plan_context(request, own),
        "year": year,
        "levels": found,
        "columns": columns,
        "project_count": sum(len(level.progress.projects) for level in found),
        "completed_count": sum(level.progress.completed_count for level in found),
        "behind_count": sum(len(level.behind) for level in found),
        "years": Plan.objects.below(jurisdiction)
        .filter(stage__in=Plan.PLEDGED_STAGES)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct(),
    }
    return render(request, "projects/levels.html", context)


def export_response(request, jurisdiction, year, found, columns, kind):
    headers = [
        _("行政区划"),
        _("行政区划代码"),
        _("上级"),
        _("计划"),
        _("实事件数"),
        _("完成率（%）"),
        _("序时进度（%）"),
        *[str(label) for _status, label in columns],
        _("滞后的实事"),
    ]
    rows = [
        [
            level.jurisdiction.shown_name,
            level.jurisdiction.code,
            level.jurisdiction.parent.shown_name if level.jurisdiction.parent else "",
            display_name(level.plan),
            len(level.progress.projects),
            hundredths(level.progress.percent),
            hundredths(level.progress.expected_percent),
            *level.counts,
            "；".join(display_name(p) for p, _url in level.behind),
        ]
        for level in found
    ]
    place = jurisdiction.shown_name
    name = _("%(place)s下辖各级%(year)s年民生实事") % {"place": place, "year": year}
    fallback = f"{jurisdiction.slug}-{year}-levels"
    return sheet_response(request, kind, (name, fallback), (_("下辖各级"), headers, rows))
