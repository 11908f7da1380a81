"""月度进展通报: a month's bulletin and the archive of months (composed in exchange/bulletin.py).

A bulletin's day is fixed by its month, so `?as_of=` has no meaning here: the pages
show no as-of banner, whatever the address says."""

from django.http import Http404
from django.shortcuts import render

from projects.exchange.bulletin import build_bulletin, bulletin_months, unavailable
from projects.rules.days import parse_month
from projects.views.dashboard import plan_context, published_plan
from projects.web.asof import public_page
from projects.web.freshness import cached_public

NO_AS_OF = {"as_of": None, "as_of_error": None}


@cached_public
@public_page
def archive(request, year):
    plan = published_plan(year)
    context = {
        **plan_context(request, plan),
        **NO_AS_OF,
        "months": bulletin_months(plan),
    }
    return render(request, "projects/bulletin_archive.html", context)


@cached_public
@public_page
def bulletin(request, year, month):
    plan = published_plan(year)
    first_day = parse_month(month)
    if first_day is None:
        raise Http404("月份格式应为 YYYY-MM。")
    months = bulletin_months(plan, counts=False)
    context = {**plan_context(request, plan), **NO_AS_OF, "month": first_day}
    reason = unavailable(plan, first_day, months)
    if reason:
        context["unavailable"] = reason
        return render(request, "projects/bulletin.html", context, status=404)
    context["bulletin"] = build_bulletin(plan, first_day, months)
    context.update(plan_context(request, plan, day=context["bulletin"].day))  # its rules
    return render(request, "projects/bulletin.html", context)
