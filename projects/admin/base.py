"""What every admin page of the tracker shares: history, read-only views, department
scope, the capped count, acting on each selected row."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from projects.exchange.forms import (
    EvidenceNotStored,
    as_id,
)
from projects.models import (
    Department,
    Plan,
    Project,
    Target,
    in_served_jurisdiction,
    of_year,
)
from projects.models.photos import PhotoPrint, photo_plan, rules_for


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks up the submitted id again when it redraws a
    form with errors; a forged id that is not a number, or too large for the database,
    would crash it (a 500)."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if as_id(v) is not None], attr)


class CappedCountPaginator(Paginator):
    """Counts rows only up to a cap. Counting a million reports for the page links costs
    more than the page itself; past the cap the list says “超过 N 条” and officials
    narrow it with the filters (templates/admin/pagination.html)."""

    cap = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.cap + 1].count()  # any N+1 rows will do

    @property
    def capped(self):
        return self.count > self.cap


class DepartmentFilter(admin.SimpleListFilter):
    """Projects a department leads or supports: the set its officials answer for."""

    title = "责任单位"
    parameter_name = "department"
    project_path = "project"

    def lookups(self, request, model_admin):
        return [(str(d.pk), d.name) for d in Department.objects.all()]

    def queryset(self, request, queryset):
        if not self.value() or not self.value().isdigit():
            return queryset
        projects = Project.objects.of_departments([int(self.value())]).values("pk")
        return queryset.filter(**{f"{self.project_path}__in": projects})


class ProjectDepartmentFilter(DepartmentFilter):
    project_path = "pk"


class ReportDepartmentFilter(DepartmentFilter):
    project_path = "target__project"


class PlanFilter(admin.SimpleListFilter):
    """年度: a staff list opens on the plan its work is for (`Plan.objects.opened_for`
    the list's `stage`), without ?year= in the address; the picker offers the plans
    still open to that work first, then the other years and 全部年度."""

    title = "年度"
    parameter_name = "year"
    path = "plan"  # from a row to its plan
    stage = Plan.Stage.DELIVERY
    ALL = "all"

    def lookups(self, request, model_admin):
        open_to = Plan.objects.open_to(self.stage).values("pk")
        plans = (
            Plan.objects.served()
            .annotate(serves=ExpressionWrapper(Q(pk__in=open_to), output_field=BooleanField()))
            .order_by("-serves", "-year")
        )
        return [(str(plan.year), f"{plan.year}年 · {plan.get_stage_display()}") for plan in plans]

    @cached_property
    def opened_plan(self):
        return Plan.objects.opened_for(self.stage)

    @cached_property
    def opened(self):
        return str(self.opened_plan.year) if self.opened_plan else self.ALL

    def value(self):
        return super().value() or self.opened

    def choices(self, changelist):
        chosen = self.value()
        for year, label in [*self.lookup_choices, (self.ALL, "全部年度")]:
            yield {
                "selected": chosen == year,
                "query_string": changelist.get_query_string({self.parameter_name: year}),
                "display": label,
            }

    def queryset(self, request, queryset):
        chosen = self.value()
        if chosen == self.ALL:
            return queryset
        if not chosen.isdigit() or len(chosen) > 4:
            raise IncorrectLookupParameters
        if self.opened_plan is not None and chosen == self.opened:
            # By its id, read already: a list of one plan's rows (its matters) then
            # comes in order off an index, not sorted from all of them.
            return queryset.filter(**{self.path: self.opened_plan})
        return queryset.filter(of_year(int(chosen), self.path))


def plan_filter(path, stage=Plan.Stage.DELIVERY):
    """The PlanFilter of a list whose rows reach their plan by `path`."""
    return type("PlanFilter", (PlanFilter,), {"path": path, "stage": stage})


class OpensOnPlan:
    """A new row's plan is, unless the address names one, the plan its work is for; with
    no plan at that stage, the form says so rather than offering an empty list."""

    plan_stage = Plan.Stage.DELIVERY

    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "GET" and not Plan.objects.open_to(self.plan_stage).exists():
            stage = Plan.Stage(self.plan_stage).label
            self.message_user(
                request,
                f"目前没有处于“{stage}”阶段的年度计划，这里无可选项目："
                f"计划进入“{stage}”阶段后才能录入。",
                messages.WARNING,
            )
        return super().add_view(request, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "plan" not in initial and (plan := Plan.objects.opened_for(self.plan_stage)):
            initial["plan"] = plan.pk
        return initial


class WritesFilesLast:
    """An admin whose inline files (evidence, money documents) are written only once
    the entry and every file are valid (`save_formset` calls `store_file` with
    `request.files_written`), inside the admin's transaction; if anything then fails,
    the rows roll back and the files written go too. A disk that refuses a file brings
    the form back, with the input and the reason (`request.files_not_stored`, read by
    the formset), and nothing saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request.files_written = []
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EvidenceNotStored:
            self.remove_written(request)
            request.files_not_stored = True
            return super().changeform_view(request, object_id, form_url, extra_context)
        except BaseException:
            self.remove_written(request)
            raise

    @staticmethod
    def remove_written(request):
        for name in request.files_written:
            default_storage.delete(name)
        request.files_written = []


class PhotoChecks:
    """Photos' findings for one page, each plan's rules read once per day of check, so
    a page of photos costs the queries of one."""

    def __init__(self):
        self.rules = {}

    def check(self, print_, plan):
        """`print_`'s findings, kept on it as `checked` for the include to show."""
        day = timezone.localdate(print_.checked_at)
        if (plan.pk, day) not in self.rules:
            self.rules[plan.pk, day] = rules_for(plan, day)
        print_.checked = print_.findings(self.rules[plan.pk, day])
        return print_.checked


class FilesInline(admin.TabularInline):
    """Files already attached (evidence, money documents): listed with a link through
    our view (`link`), never replaced or removed here. With "photo_checks" among its
    fields, each photo's checks show beside it (a file with none, a PDF, shows —)."""

    extra = 0
    can_delete = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if "photo_checks" in (self.fields or ()):
            prints = PhotoPrint.objects.with_matches()
            queryset = queryset.prefetch_related(Prefetch("print", queryset=prints))
        return queryset

    @admin.display(description="照片核查")
    def photo_checks(self, row):
        print_ = getattr(row, "print", None)  # a PDF, or a file from before the checks
        if print_ is not None:
            self.__dict__.setdefault("checks", PhotoChecks()).check(print_, self.photo_plan(row))
        return render_to_string("admin/projects/includes/photo_checks.html", {"print": print_})

    def photo_plan(self, row):
        """The plan whose rules judge `row`'s photo (an inline may know a shorter way)."""
        return photo_plan(row)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="文件")
    def link(self, row):
        return format_html('<a href="{}">{}</a>', row.get_absolute_url(), row)


class NewFilesInline(admin.StackedInline):
    """New files for an entry being entered or edited, beside those already there,
    written last (`WritesFilesLast`); a disk that refused them says so in the form."""

    extra = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.storage_failed = getattr(request, "files_not_stored", False)
        return formset


# From a row a form may pick to the plan it belongs to (None: it has its jurisdiction).
TO_PLAN = {Plan: None, Department: None, Project: "plan", Target: "project__plan"}


class OfTheJurisdictionWorkedIn:
    """Lists, pages, history and autocomplete hold only the rows of the jurisdiction the
    official works in (the one served in the admin: web/addresses.py), by the path from
    a row to its plan: its list's `plan_filter`, else `plan_path` ("" for a row that
    has a jurisdiction itself, None for one bound to no plan)."""

    plan_path = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        path = self.path_to_plan()
        return queryset if path is None else queryset.filter(in_served_jurisdiction(path or None))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A row's plan, project, target or department is picked among the jurisdiction's."""
        path = TO_PLAN.get(db_field.related_model, False)
        if path is not False:
            queryset = kwargs.get("queryset", db_field.related_model._default_manager.all())
            kwargs["queryset"] = queryset.filter(in_served_jurisdiction(path))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def path_to_plan(self):
        for item in self.list_filter:
            if isinstance(item, type) and issubclass(item, PlanFilter):
                return item.path
        return self.plan_path


class HistoryAdmin(OfTheJurisdictionWorkedIn, SimpleHistoryAdmin):
    """History is a record to read. simple-history's version page would save a POST
    for anyone allowed to view history (reverting a figure without review), so it
    answers GET only; and both history pages show only objects the user may see."""

    def history_view(self, request, object_id, extra_context=None):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        if not self.get_queryset(request).filter(pk=object_id).exists():
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnly:
    """Rows nothing in the admin types (written by the site's own rules): listed and
    read, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedAdmin(HistoryAdmin):
    """Lists, pages, history and autocomplete show only what the user may see."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


def act_on_each(modeladmin, request, objects, act, done="", each=""):
    """A bulk action: `act` on each object, each refusal said with its reason; then
    `done` with the count of those acted on ({n}), or `each` for every one ({obj})."""
    count = 0
    for obj in objects:
        try:
            act(obj)
        except ValidationError as error:
            modeladmin.message_user(request, f"{obj}：{'；'.join(error.messages)}", messages.ERROR)
        else:
            count += 1
            if each:
                modeladmin.message_user(request, each.format(obj=obj))
    if count and done:
        modeladmin.message_user(request, done.format(n=count))
