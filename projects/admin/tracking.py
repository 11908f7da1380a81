"""The tracker's admin: plans, projects, targets, reports and their review.

Who may do what (roles are groups; their permissions are in rules/roles.py):
- 填报员 sees and reports on the targets of projects their departments lead or support;
  every list, form, inline and action here starts from `visible_to(request.user)`, so a
  forged URL or POST for another department's data finds nothing.
- 审核员 sees everything and approves or returns submitted reports (never their own).
- 管理员 keeps plans, projects, targets, departments and accounts.
Entered reports are never deleted; an approved figure is corrected by a new report.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from projects.admin import pages
from projects.admin.base import (
    CappedCountPaginator,
    DepartmentFilter,
    FilesInline,
    HistoryAdmin,
    NewFilesInline,
    OfTheJurisdictionWorkedIn,
    PhotoChecks,
    ProjectDepartmentFilter,
    ReportDepartmentFilter,
    SafeAutocompleteSelect,
    ScopedAdmin,
    WritesFilesLast,
    plan_filter,
)
from projects.exchange.forms import (
    EvidenceForm,
    EvidenceFormSet,
    ProgressReportForm,
    store_file,
)
from projects.models import (
    Department,
    Evidence,
    Jurisdiction,
    Measure,
    Milestone,
    Plan,
    PlannedValue,
    PlanRule,
    ProgressReport,
    Project,
    StepReport,
    SubmittedReport,
    Target,
)
from projects.models.photos import PhotoPrint
from projects.rules import clock
from projects.rules.formatting import figure, percent


class PlanRuleInline(admin.TabularInline):
    """A plan not yet public: its rules may still be set as wanted."""

    model = PlanRule
    extra = 0
    fields = ["name", "value", "valid_from", "reason"]
    verbose_name_plural = "规则（计划公开前可直接修改）"

    def has_delete_permission(self, request, obj=None):
        return False


class RuleRecordInline(admin.TabularInline):
    """A public plan's rules as recorded: read only, for the record stays as published."""

    model = PlanRule
    extra = 0
    fields = ["name", "value", "valid_from_display", "reason", "recorded_by", "recorded_at"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "规则（已公开：每一天按当天有效的数值判断）"

    @admin.display(description="起用日期")
    def valid_from_display(self, rule):
        return rule.valid_from_display

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RuleChangeInline(admin.TabularInline):
    """A change of a public plan's rule: a new value from a later day, with the reason."""

    model = PlanRule
    extra = 0
    fields = ["name", "value", "valid_from", "reason"]
    verbose_name = "规则调整"
    verbose_name_plural = "记录规则调整（从明天或以后起用，之前的日子不受影响）"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OfTheJurisdictionServed:
    """Plans and departments of the jurisdiction the official works in: the lists hold
    its own (`plan_path`), and a new one is its (the picker offers it alone)."""

    plan_path = ""  # the row has its jurisdiction itself

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = Jurisdiction.objects.filter(pk=Jurisdiction.objects.served().pk)
            kwargs["empty_label"] = None
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "jurisdiction":  # no other to add, change or pick from here
            widget = field.widget
            widget.can_add_related = widget.can_change_related = widget.can_view_related = False
        return field


@admin.register(Plan)
class PlanAdmin(OfTheJurisdictionServed, HistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["year", "title", "stage", "period_start", "period_end", "is_published"]
    search_fields = ["title"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "jurisdiction",
                    "year",
                    "title",
                    "title_en",
                    "period_start",
                    "period_end",
                    "is_published",
                ]
            },
        ),
        ("来源", {"fields": ["announced_on", "source_name", "source_url", "source_text"]}),
        ("项目公示牌", {"fields": ["supervision_phone"]}),
        ("年度流程（票决制）", {"fields": ["stage", "call_opens", "call_closes", "call_rules"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # A plan's jurisdiction is chosen once: its addresses and package name follow it.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "jurisdiction"] if obj is not None else fields

    def get_inlines(self, request, obj):
        if obj is None:
            return []  # a new plan takes its rules from the settings, then they show here
        if obj.rules_fixed:
            return [RuleRecordInline, RuleChangeInline]
        return [PlanRuleInline]

    def save_formset(self, request, form, formset, change):
        for rule in formset.save(commit=False):
            rule.recorded_by = request.user
            rule.save()
        formset.save_m2m()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Jurisdiction)
class JurisdictionAdmin(HistoryAdmin):
    """行政区划: the tree a deployment keeps; the administrators add and correct it."""

    list_display = ["name", "code", "level", "parent", "slug"]
    list_select_related = ["parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    fields = ["code", "name", "name_en", "slug", "level", "parent"]

    def get_queryset(self, request):
        """The jurisdiction worked in and the levels below it; every level for a
        superuser, who keeps the tree."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.within(Jurisdiction.objects.served())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":  # a new level below, not beside or above
            kwargs["queryset"] = self.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("working/", view(pages.working), name="projects_working"), *super().get_urls()]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(OfTheJurisdictionServed, HistoryAdmin):
    list_display = ["name", "jurisdiction", "member_count"]
    list_select_related = ["jurisdiction"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="工作人员数", ordering="member_count")
    def member_count(self, department):
        return department.member_count

    def get_fields(self, request, obj=None):
        # Who works where is for those who manage accounts, not for every reporter.
        if request.user.has_perm("projects.change_department"):
            return ["jurisdiction", "name", "name_en", "members"]
        return ["jurisdiction", "name", "name_en"]

    def has_view_history_or_change_history_permission(self, request, obj=None):
        return request.user.has_perm("projects.change_department")

    def has_delete_permission(self, request, obj=None):
        return False


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ["order", "name", "unit", "target_value", "kind", "is_construction", "counted_stage"]
    can_delete = False


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["order", "text"]


def step_targets(user, project=None):
    """The targets a procedure step may feed: milestone targets not counted by sites."""
    targets = Target.objects.visible_to(user).filter(
        kind=Target.Kind.MILESTONE, counted_stage__isnull=True
    )
    if project is not None:
        targets = targets.filter(project=project)
    return targets.select_related("project")


class MilestoneInline(admin.TabularInline):
    """The project's procedure steps as planned; the actual date is written only by an
    approved step report (`StepReport.approve`)."""

    model = Milestone
    extra = 0
    fields = ["step", "title", "due_date", "target", "done_on"]
    readonly_fields = ["done_on"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if "target" in formset.form.base_fields:
            targets = step_targets(request.user, obj) if obj else Target.objects.none()
            formset.form.base_fields["target"].queryset = targets
        return formset


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    list_display = [
        "__str__",
        "plan",
        "lead_department",
        "percent_display",
        "status_display",
        "last_reported_display",
        "due_date",
    ]
    list_filter = [plan_filter("plan"), ProjectDepartmentFilter]
    search_fields = ["title", "pledge_text"]
    autocomplete_fields = ["lead_department", "supporting_departments"]
    inlines = [TargetInline, MeasureInline, MilestoneInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).with_progress()

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="完成率")
    def percent_display(self, project):
        return percent(project.percent)

    @admin.display(description="状态")
    def status_display(self, project):
        return project.get_status_display()

    @admin.display(description="最近填报")
    def last_reported_display(self, project):
        return project.last_reported_on or "—"


class ReportHistoryInline(admin.TabularInline):
    """A target's reports, newest first, read-only: a correction is a new report."""

    model = ProgressReport
    fk_name = "target"
    verbose_name_plural = "填报记录（最新在前）"
    fields = ["as_of", "value", "state", "note", "created_by", "reviewed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by", "reviewed_by")
            .order_by("-as_of", "-id")
        )


class PlannedValueInline(admin.TabularInline):
    """A planned schedule: where entered, it replaces the straight line as 序时进度."""

    model = PlannedValue
    extra = 0
    fields = ["date", "value"]
    verbose_name_plural = "计划进度（可选：按月等填写计划累计值；不填则按时间均匀推进）"


@admin.register(Target)
class TargetAdmin(ScopedAdmin):
    list_display = [
        "name",
        "project",
        "current_display",
        "target_display",
        "unit",
        "percent_display",
        "status_display",
        "last_reported_display",
        "report_link",
    ]
    list_filter = [plan_filter("project__plan"), DepartmentFilter]
    search_fields = ["name", "project__title"]
    list_select_related = ["project"]
    inlines = [PlannedValueInline, ReportHistoryInline]
    fields = [
        "project",
        "order",
        "name",
        "name_en",
        "unit",
        "target_value",
        "kind",
        "is_construction",
        "counted_stage",
    ]
    change_form_template = "admin/projects/target/change_form.html"
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).with_progress()

    def get_search_results(self, request, queryset, search_term):
        """The report form's target picker offers only targets a person may report."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "progressreport":
            found = found.reported_by_hand()
        return found, duplicates

    def get_list_display(self, request):
        if request.user.has_perm("projects.add_progressreport"):
            return self.list_display
        return [name for name in self.list_display if name != "report_link"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="当前值（已审核）", ordering="current_value")
    def current_display(self, target):
        return figure(target.current_value)

    @admin.display(description="目标值", ordering="target_value")
    def target_display(self, target):
        return figure(target.target_value)

    @admin.display(description="完成率", ordering="percent")
    def percent_display(self, target):
        return percent(target.percent)

    @admin.display(description="状态", ordering="status")
    def status_display(self, target):
        return target.get_status_display()

    @admin.display(description="最近填报", ordering="last_reported_on")
    def last_reported_display(self, target):
        return target.last_reported_on or "—"

    @admin.display(description="填报")
    def report_link(self, target):
        url = reverse("admin:projects_progressreport_add") + f"?target={target.pk}"
        return format_html('<a href="{}">填报进度</a>', url)


class StepReportInline(admin.TabularInline):
    """A step's reports, read-only: each is reviewed on its own page."""

    model = StepReport
    fields = ["done_on", "state", "created_by", "reviewed_by", "review_note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "完成日期填报（审核通过后写入实际完成日期）"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "reviewed_by")


@admin.register(Milestone)
class MilestoneAdmin(ScopedAdmin):
    """A procedure step: planned by those who keep plans; its actual date comes from an
    approved step report, which its department enters (`report_link`)."""

    list_display = ["title", "step", "project", "due_date", "done_on", "target"]
    list_filter = [plan_filter("project__plan"), "step", "done_on"]
    search_fields = ["title", "project__title"]
    list_select_related = ["project", "target"]
    fields = ["project", "step", "title", "due_date", "target", "done_on", "report_link"]
    inlines = [StepReportInline]

    def get_readonly_fields(self, request, obj=None):
        return ["project", "done_on", "report_link"]

    def get_fields(self, request, obj=None):
        if request.user.has_perm("projects.add_stepreport"):
            return self.fields
        return [field for field in self.fields if field != "report_link"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "target":
            kwargs["queryset"] = step_targets(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False  # dated steps are added on their project's page

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="完成日期填报")
    def report_link(self, step):
        url = reverse("admin:projects_stepreport_add") + f"?milestone={step.pk}"
        return format_html('<a href="{}">填报实际完成日期（附材料）</a>', url)


class EvidenceInline(FilesInline):
    """A report's files already attached: shown, never replaced or removed."""

    model = Evidence
    fields = ["link", "photo_checks", "caption", "kind", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The photo checks read each row's plan: with the uploader, in the rows' query.
        related = super().get_queryset(request).select_related
        return related("uploaded_by", "report__target__project__plan")


class NewEvidenceInline(NewFilesInline):
    """New files for a draft or returned report."""

    model = Evidence
    form = EvidenceForm
    formset = EvidenceFormSet
    fields = ["file", "caption"]
    verbose_name = "上传佐证材料"
    verbose_name_plural = "上传佐证材料"


class ReviewActions:
    """Approve and return, shared by the report list and the review queue."""

    def has_review_permission(self, request):
        return request.user.has_perm("projects.review_progressreport")

    @staticmethod
    def as_reports(queryset):
        """The selected rows as ProgressReport. The queue lists SubmittedReport, a proxy,
        and a report saved as one sends its signals as another model: the page cache's
        version, followers' news and the history, which listen for ProgressReport,
        would never hear of the review. In the list's order."""
        ids = list(queryset.values_list("pk", flat=True))
        found = ProgressReport.objects.select_related("target__project__plan").in_bulk(ids)
        return [found[pk] for pk in ids]

    @admin.action(description="审核通过所选填报", permissions=["review"])
    def approve_selected(self, request, queryset):
        done = 0
        for report in self.as_reports(queryset):
            try:
                report.approve(request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{report}：{'；'.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(request, f"已审核通过 {done} 条填报，已在公开页面显示。")

    @admin.action(description="退回所选填报（需说明原因）", permissions=["review"])
    def return_selected(self, request, queryset):
        return pages.return_reports(self, request, self.as_reports(queryset))


@admin.register(ProgressReport)
class ProgressReportAdmin(WritesFilesLast, ReviewActions, ScopedAdmin):
    list_display = [
        "target",
        "value_display",
        "as_of",
        "state",
        "created_by",
        "created_at",
        "review_note",
    ]
    list_filter = ["state", plan_filter("target__project__plan"), ReportDepartmentFilter, "as_of"]
    search_fields = ["target__name", "target__project__title", "note"]
    list_select_related = ["target__project", "created_by"]
    autocomplete_fields = ["target"]
    form = ProgressReportForm
    inlines = [EvidenceInline, NewEvidenceInline]
    actions = ["submit_selected", "withdraw_selected", "approve_selected", "return_selected"]
    change_form_template = "admin/projects/progressreport/change_form.html"
    change_list_template = "admin/projects/progressreport/change_list.html"
    show_full_result_count = False
    paginator = CappedCountPaginator
    readonly_fields = [
        "state",
        "created_by",
        "created_at",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "corrects",
    ]

    def get_fieldsets(self, request, obj=None):
        entry = ["target", "value", "as_of", "note", "delay_reason", "next_steps"]
        if obj is None or obj.is_editable:
            entry.append("confirm_large")
        fieldsets = [(None, {"fields": entry})]
        if obj is not None:
            fieldsets.append(("流程", {"fields": self.readonly_fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            entry = ["target", "value", "as_of", "note", "delay_reason", "next_steps"]
            return [*entry, *self.readonly_fields]
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "target":
            kwargs["queryset"] = Target.objects.visible_to(request.user).select_related("project")
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        # Only drafts and returned reports are edited: nothing public changes in place.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_editable)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is None:
            return [i for i in inlines if isinstance(i, NewEvidenceInline)]
        if not self.has_change_permission(request, obj):
            return [i for i in inlines if not isinstance(i, NewEvidenceInline)]
        return inlines

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(pages.import_reports), name="projects_import"),
            path(
                "import/template.xlsx",
                view(pages.import_template),
                name="projects_import_template",
            ),
            path("ledger/", view(pages.ledger), name="projects_ledger"),
            path("<int:pk>/review/", view(pages.review_report), name="projects_review"),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change and {"as_of", "target"} & set(form.changed_data):
            # The photos already attached were checked against the old period.
            for print_ in PhotoPrint.objects.filter(evidence__report=obj):
                print_.recheck_period()

    def save_formset(self, request, form, formset, change):
        for evidence in formset.save(commit=False):
            evidence.uploaded_by = request.user
            store_file(evidence, request.files_written)
        for each in formset.forms:
            checked = getattr(each, "checked", None)  # the readonly inline has none
            if checked and checked.prints and each.instance.pk:  # a PDF has no prints
                PhotoPrint.record(each.instance, checked.prints, checked.capture)

    def response_add(self, request, obj, post_url_continue=None):
        self.submit_if_asked(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self.submit_if_asked(request, obj)
        return super().response_change(request, obj)

    def submit_if_asked(self, request, report):
        if "_submit_for_review" not in request.POST:
            return
        try:
            report.submit(request.user)
            self.message_user(
                request, f"“{report}”已提交审核。审核通过前，公开页面仍显示上次审核通过的数值。"
            )
        except ValidationError as error:
            self.message_user(request, "；".join(error.messages), messages.ERROR)

    @admin.action(description="提交所选草稿审核", permissions=["change"])
    def submit_selected(self, request, queryset):
        done = 0
        for report in queryset.filter(state__in=ProgressReport.EDITABLE_STATES):
            try:
                report.submit(request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{report}：{'；'.join(error.messages)}", messages.ERROR)
        self.message_user(request, f"已提交 {done} 条填报审核。")

    @admin.action(description="撤回所选草稿", permissions=["change"])
    def withdraw_selected(self, request, queryset):
        done = 0
        for report in queryset.filter(state__in=ProgressReport.EDITABLE_STATES):
            report.withdraw(request.user)
            done += 1
        self.message_user(request, f"已撤回 {done} 条草稿（记录仍保留，不会公开）。")

    @admin.display(description="累计完成值", ordering="value")
    def value_display(self, report):
        return f"{figure(report.value)} {report.target.unit}"


@admin.register(SubmittedReport)
class ReviewQueueAdmin(ReviewActions, OfTheJurisdictionWorkedIn, admin.ModelAdmin):
    """Submitted reports, oldest first, each beside the figure the public sees now."""

    list_display = [
        "target",
        "department",
        "value_display",
        "previous_display",
        "as_of",
        "submitted_by",
        "submitted_at",
        "waited",
        "delay_reason",
        "evidence_display",
        "photo_flags",
        "open_link",
    ]
    list_filter = [plan_filter("target__project__plan"), ReportDepartmentFilter]
    list_select_related = [
        "target__project__lead_department",
        "target__project__plan",
        "submitted_by",
    ]
    actions = ["approve_selected", "return_selected"]
    ordering = ["submitted_at", "id"]
    list_display_links = None
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_queryset(self, request):
        prints = Prefetch("evidence__print", queryset=PhotoPrint.objects.with_matches())
        return (
            super()
            .get_queryset(request)
            .waiting()
            .with_previous_value()
            .with_evidence_count()
            .prefetch_related(prints)
        )

    def get_changelist_instance(self, request):
        """The page's reports, each with how many of its photos the checks flag
        (`flagged_photos`): the photos and their matches are read for the page at once."""
        changelist = super().get_changelist_instance(request)
        checks = PhotoChecks()
        for report in changelist.result_list:
            plan = report.target.project.plan
            prints = [e.print for e in report.evidence.all() if hasattr(e, "print")]
            report.flagged_photos = sum(
                any(line.level == "flag" for line in checks.check(print_, plan))
                for print_ in prints
            )
        return changelist

    def has_view_permission(self, request, obj=None):
        return self.has_review_permission(request)

    def has_module_permission(self, request):
        return self.has_review_permission(request)

    @admin.display(description="已等待", ordering="submitted_at")
    def waited(self, report):
        days = (clock.today() - timezone.localdate(report.submitted_at)).days
        return f"{days} 天"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="牵头单位")
    def department(self, report):
        return report.target.project.lead_department or "—"

    @admin.display(description="新数值")
    def value_display(self, report):
        return f"{figure(report.value)} {report.target.unit}"

    @admin.display(description="上次审核值")
    def previous_display(self, report):
        return figure(report.previous_value) if report.previous_value is not None else "无"

    @admin.display(description="佐证", ordering="evidence_count")
    def evidence_display(self, report):
        return report.evidence_count

    @admin.display(description="照片核查")
    def photo_flags(self, report):
        flagged = getattr(report, "flagged_photos", 0)
        return f"⚠ {flagged}" if flagged else "—"

    @admin.display(description="审核")
    def open_link(self, report):
        url = reverse("admin:projects_progressreport_change", args=[report.pk])
        return format_html('<a href="{}">查看并审核</a>', url)
