"""The public register of practical matters (为群众办实事) of a plan: its totals by
department, category and month (a chart with its table twin), search, a paginated list
and the CSV; approved matters only (`Matter.objects.public()`)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from projects.exchange.spreadsheets import csv_response
from projects.models import Category, Department, Matter, MatterCount, matter_totals
from projects.views.dashboard import photo_of, plan_context, published_plan
from projects.web.asof import public_page
from projects.web.freshness import cached_public

PAGE_SIZE = 50
CSV_CHUNK_ROWS = 2000  # rows fetched at a time while the CSV streams
CSV_HEADERS = ["编号", "责任单位", "办结日期", "事项", "类别", "街道/社区", "受益人数", "简要说明"]


def chosen(request):
    """The page's filters as given: ?q=, ?department= (an id), ?category=; bad values
    are a 404, not a page that silently shows everything."""
    q = request.GET.get("q", "").strip()[:50]
    department = request.GET.get("department", "")
    if department and not (department.isdigit() and len(department) <= 9):
        raise Http404("没有这个责任单位。")
    category = request.GET.get("category", "")
    if category and category not in Category.values:
        raise Http404("没有这个类别。")
    return q, int(department) if department else None, category


def filtered(plan, q, department, category):
    matters = Matter.objects.public().filter(plan=plan).search(q)
    if department:
        matters = matters.filter(department_id=department)
    if category:
        matters = matters.filter(category=category)
    return matters


@cached_public
@public_page
def matters(request, year):
    plan = published_plan(year)
    q, department, category = chosen(request)
    found = filtered(plan, q, department, category)
    if request.GET.get("export") == "csv":
        return matters_csv(plan, found)
    totals = matter_totals(plan, q, department, category)
    listed = found.select_related("department").order_by("-done_on", "-pk")
    page = Counted(listed, PAGE_SIZE, totals["count"]).get_page(request.GET.get("page"))
    chart = {
        "months": [{"label": f"{day:%Y-%m}", "count": n} for day, n, _people in totals["months"]],
        "text": {"count": _("事项数")},
    }
    departments = Department.objects.filter(matter_counts__plan=plan, matter_counts__count__gt=0)
    context = {
        **plan_context(request, plan),
        "totals": totals,
        "page": page,
        "q": q,
        "department": department,
        "category": category,
        "categories": Category.choices,
        "departments": departments.distinct().order_by("name"),
        "chart": chart,
        "filtering": bool(q or department or category),
        # The register's whole count beside the announcement's words, filtered or not.
        "registered": MatterCount.total(plan) if q or department or category else totals["count"],
    }
    return render(request, "projects/matters.html", context)


class Counted(Paginator):
    """Pages of a list whose length the totals have counted already: not counted twice."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self):
        return self.known_count


def matters_csv(plan, found):
    labels = dict(Category.choices)
    rows = found.order_by("done_on", "pk").values_list(
        "pk", "department__name", "done_on", "title", "category", "place", "beneficiaries",
        "description",
    ).iterator(chunk_size=CSV_CHUNK_ROWS)  # fmt: skip
    rows = (
        [pk, department, f"{done_on:%Y-%m-%d}", title, labels.get(category, category), place,
         "" if people is None else people, description]
        for pk, department, done_on, title, category, place, people, description in rows
    )  # fmt: skip
    return csv_response(
        f"{plan.year}年为民办实事登记.csv",
        CSV_HEADERS,
        rows,
        fallback=f"matters-{plan.year}.csv",
        texts={1, 3, 4, 5, 7},  # what people typed, and the category's label
        streaming=True,
    )


def matter_photo(request, key):
    """A matter's photo: for anyone once the matter is public, before that only for
    the officials who may see it."""
    return photo_of(request, key, Matter.objects.public(), Matter.objects.visible_to, "matter")
