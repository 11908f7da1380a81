"""The officials' side of the register of practical matters (为群众办实事).

- 填报员: their departments' matters, one by one or from a sheet (the import); every save
  goes (back) to review;
- 审核员: approves or returns them, as figures (never one they entered or changed);
- 管理员: reads them.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from projects.admin.base import CappedCountPaginator, plan_filter
from projects.admin.pages import PendingImport
from projects.admin.sites import ReviewedEntryAdmin
from projects.exchange import matters_import
from projects.exchange.forms import MatterForm
from projects.exchange.spreadsheets import XLSX_TYPE, attachment
from projects.models import Matter, Plan

SESSION_KEY = "pending_matter_import"


class MatterImportForm(forms.Form):
    plan = forms.ModelChoiceField(
        label="年度计划",
        queryset=Plan.objects.taking_input(),
        empty_label=None,
        error_messages={"invalid_choice": "请选择未归档的年度计划。"},
    )
    file = forms.FileField(
        label="事项清单",
        help_text="使用下载的模板填写后上传；支持 .xlsx、.ods（LibreOffice），"
        "或 UTF-8 / GBK 编码的 .csv。",
        error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的。"},
    )


@admin.register(Matter)
class MatterAdmin(ReviewedEntryAdmin):
    form = MatterForm
    list_display = [
        "title",
        "department",
        "category",
        "done_on",
        "place",
        "beneficiaries",
        "state",
        "created_by",
        "photo_link",
    ]
    # Years of matters: no full count and no date hierarchy (each a scan of all of
    # them); the done_on filter (this month, this year …) and the plan narrow instead.
    list_filter = ["state", plan_filter("plan"), "category", "department", "done_on"]
    list_select_related = ["department", "created_by"]
    search_fields = ["title", "place", "description"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    add_permission = "projects.add_matter"
    photo_url = "projects:matter_photo"
    approve_related = ["plan"]
    checks_photos = True
    # A matter's photo is judged by the plan's period up to the day it was done.
    photo_period_fields = ["done_on", "plan"]
    done_approving = "已审核通过 {n} 项，已公开。"
    done_returning = "已退回 {n} 项。"

    def has_change_permission(self, request, obj=None):
        # An archived plan's register is closed, approved or not.
        if obj is not None and obj.plan.archived_at:
            return False
        return super().has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        if (
            request.method == "GET"
            and item is not None
            and item.state == Matter.State.APPROVED
            and self.has_change_permission(request, item)
        ):
            messages.warning(
                request,
                "该事项已审核公开。保存更正后将重新进入待审核，审核通过前不在公开清单中；"
                "更正前的内容保留在“历史”中。",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="projects_matter_import"),
            path("template/", view(self.template_view), name="projects_matter_template"),
            *super().get_urls(),
        ]

    def require_add(self, request):
        if not request.user.has_perm("projects.add_matter"):
            raise PermissionDenied

    def template_view(self, request):
        self.require_add(request)
        plan = Plan.objects.opened_by_staff()
        if request.GET.get("plan", "").isdigit():
            plan = Plan.objects.of_year(int(request.GET["plan"])).first() or plan
        if plan is None:
            raise PermissionDenied("尚无可登记的年度计划。")
        departments = list(request.user.departments.order_by("name"))
        data = matters_import.template_xlsx(plan, departments)
        response = HttpResponse(data, content_type=XLSX_TYPE)
        response["Content-Disposition"] = attachment(
            f"为群众办实事模板-{plan.year}.xlsx", f"matters-template-{plan.year}.xlsx"
        )
        return response

    def import_view(self, request):
        """Upload → dry run (nothing saved) → confirm: all or nothing, as for reports."""
        self.require_add(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "从 Excel 导入为群众办实事",
            "opts": self.opts,
            "columns": ["责任单位", "事项", "办结日期"],  # what each row shows
        }
        form = MatterImportForm()
        if request.method == "POST" and "confirm" in request.POST:
            return self.confirm_import(request, context)
        if request.method == "POST":
            form = MatterImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload, plan = form.cleaned_data["file"], form.cleaned_data["plan"]
                data = upload.read()
                check = matters_import.check_file(
                    ContentFile(data, name=upload.name), request.user, plan
                )
                if check.ok and check.new_rows:
                    context["token"] = PendingImport(request, SESSION_KEY).keep(
                        data, upload.name, plan=plan.pk
                    )
                context.update(check=check, file_name=upload.name)
        context["form"] = form
        return TemplateResponse(request, "admin/projects/matter_import.html", context)

    def confirm_import(self, request, context):
        pending = PendingImport(request, SESSION_KEY)
        taken = pending.take()
        if taken is None:
            return redirect("admin:projects_matter_import")
        upload, kept = taken
        plan = Plan.objects.get(pk=kept["plan"])
        check, created = matters_import.import_file(upload, request.user, plan)
        if not check.ok:
            context.update(check=check, file_name=kept["name"], form=MatterImportForm())
            return TemplateResponse(request, "admin/projects/matter_import.html", context)
        pending.done()
        messages.success(request, f"已导入 {created} 项，状态为“待审核”，审核通过后公开。")
        return redirect(reverse("admin:projects_matter_changelist") + "?state__exact=submitted")
