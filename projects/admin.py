from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from .forms import ProgressReportForm
from .models import Department, Measure, Milestone, Plan, ProgressReport, Project, Target
from .templatetags.progress import figure, percent


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
        department = int(self.value())
        projects = Project.objects.filter(
            Q(lead_department=department) | Q(supporting_departments=department)
        ).values("pk")
        return queryset.filter(**{f"{self.project_path}__in": projects})


class ProjectDepartmentFilter(DepartmentFilter):
    project_path = "pk"


class ReportDepartmentFilter(DepartmentFilter):
    project_path = "target__project"


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "period_start", "period_end", "is_published"]
    search_fields = ["title"]
    fieldsets = [
        (None, {"fields": ["year", "title", "period_start", "period_end", "is_published"]}),
        ("来源", {"fields": ["announced_on", "source_name", "source_url", "source_text"]}),
    ]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ["order", "name", "unit", "target_value", "kind"]


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["order", "text"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_date", "done_on"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "plan",
        "lead_department",
        "percent_display",
        "last_reported_display",
        "due_date",
    ]
    list_filter = ["plan", ProjectDepartmentFilter]
    search_fields = ["title", "pledge_text"]
    autocomplete_fields = ["lead_department", "supporting_departments"]
    inlines = [TargetInline, MeasureInline, MilestoneInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_progress()

    @admin.display(description="完成率")
    def percent_display(self, project):
        return percent(project.percent)

    @admin.display(description="最近填报")
    def last_reported_display(self, project):
        return project.last_reported_on or "—"


class ReportHistoryInline(admin.TabularInline):
    """A target's reports, newest first; read-only, since a correction is a new report."""

    model = ProgressReport
    verbose_name_plural = "填报记录（最新在前）"
    fields = ["as_of", "value", "note", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by").order_by("-as_of", "-id")


class NewReportInline(admin.StackedInline):
    """The one-row form to add a report from the target's page."""

    model = ProgressReport
    form = ProgressReportForm
    verbose_name = "新增填报"
    verbose_name_plural = "新增填报"
    fields = ["value", "as_of", "note"]
    extra = 1
    max_num = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "project",
        "current_display",
        "target_display",
        "unit",
        "percent_display",
        "last_reported_display",
        "report_link",
    ]
    list_filter = ["project__plan", DepartmentFilter]
    search_fields = ["name", "project__title"]
    list_select_related = ["project"]
    inlines = [NewReportInline, ReportHistoryInline]
    fields = ["project", "order", "name", "unit", "target_value", "kind"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_progress()

    def save_formset(self, request, form, formset, change):
        for report in formset.save(commit=False):
            report.created_by = request.user
            report.save()

    @admin.display(description="当前值", ordering="current_value")
    def current_display(self, target):
        return figure(target.current_value)

    @admin.display(description="目标值", ordering="target_value")
    def target_display(self, target):
        return figure(target.target_value)

    @admin.display(description="完成率", ordering="percent")
    def percent_display(self, target):
        return percent(target.percent)

    @admin.display(description="最近填报", ordering="last_reported_on")
    def last_reported_display(self, target):
        return target.last_reported_on or "—"

    @admin.display(description="填报")
    def report_link(self, target):
        url = reverse("admin:projects_progressreport_add") + f"?target={target.pk}"
        return format_html('<a href="{}">填报进度</a>', url)


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["target", "value_display", "as_of", "note", "created_by", "created_at"]
    list_filter = ["target__project__plan", ReportDepartmentFilter, "as_of"]
    search_fields = ["target__name", "target__project__title", "note"]
    list_select_related = ["target__project", "created_by"]
    autocomplete_fields = ["target"]
    form = ProgressReportForm
    fields = ["target", "value", "as_of", "note"]
    date_hierarchy = "as_of"

    def has_change_permission(self, request, obj=None):
        # A correction is a new report: an entered figure is never edited in place.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="累计完成值", ordering="value")
    def value_display(self, report):
        return f"{figure(report.value)} {report.target.unit}"
