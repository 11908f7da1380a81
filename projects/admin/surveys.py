"""The supervision office's side of the residents' surveys (满意度抽样调查, issue 37).

Only the office (审核员: view, add and change a survey) opens any of it: it creates a
survey, imports the list of households on a page of its own, draws the sample, prints
the slips and closes the survey. Every other role is refused every page, 管理员
included: "only the office sees the list", and the slips carry the codes that answer.
The households and the codes have no admin of their own: the list shows only as its
count and SHA-256, the codes only on the slips, and those only while the survey is
open. A superuser, the install's operator, holds every permission, as everywhere.
"""

import segno
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from projects.admin.base import OfTheJurisdictionWorkedIn, OpensOnPlan, plan_filter
from projects.exchange import survey_list
from projects.models import Plan, Survey
from projects.rules import clock, formatting
from projects.rules import surveys as arithmetic

OFFICE = "projects.change_survey"  # the office's own: the list, the draw, slips, close


class SurveyListForm(forms.Form):
    text = forms.CharField(
        label="粘贴名单",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 60}),
        help_text="每行一户：门牌号、地址或编号。不填姓名，也不填电话。数万户的名单请上传文件。",
    )
    file = forms.FileField(
        label="或上传文件",
        required=False,
        help_text="第一列每行一户（.csv、.xlsx 或 .ods）；第一行若是“门牌号”“地址”等列名则跳过。",
    )

    def clean(self):
        data = super().clean()
        if data.get("file") and data.get("text", "").strip():
            raise ValidationError("请只用一种方式导入：粘贴名单或上传文件。")
        return data

    def identifiers(self):
        """The list as given, in its order (ValidationError for an unreadable file)."""
        upload = self.cleaned_data.get("file")
        if upload:
            return survey_list.from_upload(upload)
        return survey_list.from_text(self.cleaned_data.get("text", ""))


@admin.register(Survey)
class SurveyAdmin(OpensOnPlan, OfTheJurisdictionWorkedIn, admin.ModelAdmin):
    list_display = [
        "title",
        "project",
        "site",
        "state",
        "population",
        "sample_size",
        "drawn_at",
        "closed_at",
    ]
    list_filter = ["state", plan_filter("plan")]
    list_select_related = ["project", "site"]
    search_fields = ["title", "project__title"]
    autocomplete_fields = ["project", "site"]
    change_form_template = "admin/projects/survey/change_form.html"
    SETTING = ["plan", "project", "site", "title"]
    DRAW = ["population", "list_sha256", "seed", "sample_size", "drawn_at", "drawn_by"]
    CLOSE = ["closed_at", "closed_by", "min_responses", "results_display"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.SETTING
        fields = [*self.SETTING, "state", "list_state"]
        if obj.state == Survey.State.OPEN:
            fields += [*self.DRAW, "answered"]
        if obj.state == Survey.State.CLOSED:
            fields += [*self.DRAW, *self.CLOSE]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["state", "list_state", *self.DRAW, "answered", *self.CLOSE]

    def has_change_permission(self, request, obj=None):
        # Who and what a survey is can be corrected until the draw; then it is a record.
        if obj is not None and obj.state != Survey.State.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # a survey drawn is on record, its results published

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "plan":
            kwargs["queryset"] = Plan.objects.open_to(self.plan_stage)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["survey_steps"] = self.steps(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def steps(self, request, survey):
        """The office's next steps for `survey`, as (label, address)."""
        if survey is None or not request.user.has_perm(OFFICE):
            return []
        steps = {
            Survey.State.DRAFT: [("导入名单", "import"), ("抽样", "draw")],
            Survey.State.OPEN: [("打印调查单", "slips"), ("结束调查", "close")],
        }.get(survey.state, [])
        return [
            (label, reverse(f"admin:projects_survey_{name}", args=[survey.pk]))
            for label, name in steps
        ]

    # What the change page shows --------------------------------------------------------

    @admin.display(description="住户名单")
    def list_state(self, survey):
        if survey.state == Survey.State.DRAFT:
            identifiers = survey.identifiers()
            if not identifiers:
                return "尚未导入。"
            return f"{len(identifiers)} 户；SHA-256：{arithmetic.list_digest(identifiers)}"
        if survey.state == Survey.State.OPEN:
            return f"{survey.population} 户，保存至调查结束；抽样后不能再改。"
        closed = timezone.localtime(survey.closed_at).strftime("%Y-%m-%d %H:%M")
        return f"已于 {closed} 随调查结束删除，调查码同时作废；抽样记录保留。"

    @admin.display(description="已收回答卷")
    def answered(self, survey):
        return f"{survey.answers.count()} 份"

    @admin.display(description="调查结果")
    def results_display(self, survey):
        results = survey.results()
        if results is None:
            return "—"
        shares = [
            (
                share.label,
                share.count,
                formatting.percent(share.share * 100),
                formatting.percent(share.margin * 100) if share.margin is not None else "—",
            )
            for share in results.shares
        ]
        return render_to_string(
            "admin/projects/survey/results.html",
            {
                "results": results,
                "rate": formatting.percent(results.rate * 100),
                "shares": shares,
                "minimum": survey.min_responses,
            },
        )

    # The office's own pages ------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/list/", view(self.import_view), name="projects_survey_import"),
            path("<int:pk>/draw/", view(self.draw_view), name="projects_survey_draw"),
            path("<int:pk>/slips/", view(self.slips_view), name="projects_survey_slips"),
            path("<int:pk>/close/", view(self.close_view), name="projects_survey_close"),
            *super().get_urls(),
        ]

    def office_survey(self, request, pk):
        if not request.user.has_perm(OFFICE):
            raise PermissionDenied
        return get_object_or_404(Survey.objects.select_related("plan", "project", "site"), pk=pk)

    def page(self, request, template, survey, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{title} · {survey}",
            "survey": survey,
            "back": reverse("admin:projects_survey_change", args=[survey.pk]),
            **context,
        }
        return TemplateResponse(request, f"admin/projects/survey/{template}", context)

    def refuse(self, request, survey, message):
        messages.error(request, message)
        return redirect("admin:projects_survey_change", survey.pk)

    def import_view(self, request, pk):
        """The list, pasted or uploaded, replacing the one before, until the draw."""
        survey = self.office_survey(request, pk)
        if survey.state != Survey.State.DRAFT:
            return self.refuse(request, survey, "已经抽样，名单不能再改。")
        form = SurveyListForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = survey.import_households(form.identifiers())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.log_change(request, survey, f"导入住户名单：{count} 户。")
                messages.success(request, f"已导入名单：{count} 户。")
                return redirect("admin:projects_survey_import", survey.pk)
        identifiers = survey.identifiers()
        return self.page(
            request,
            "import.html",
            survey,
            "导入住户名单",
            form=form,
            count=len(identifiers),
            digest=arithmetic.list_digest(identifiers) if identifiers else "",
            draw=reverse("admin:projects_survey_draw", args=[survey.pk]),
        )

    def draw_view(self, request, pk):
        """What the draw will record, then (POST) the draw: the survey opens."""
        survey = self.office_survey(request, pk)
        if survey.state != Survey.State.DRAFT:
            return self.refuse(request, survey, "该调查已经抽过样。")
        if request.method == "POST":
            try:
                survey.draw(request.user)
            except ValidationError as error:
                return self.refuse(request, survey, "；".join(error.messages))
            self.log_change(
                request, survey, f"抽样：{survey.population} 户中抽取 {survey.sample_size} 户。"
            )
            messages.success(
                request,
                f"已从 {survey.population} 户中抽取 {survey.sample_size} 户，调查开始。"
                "请打印调查单并逐户投递。",
            )
            return redirect("admin:projects_survey_change", survey.pk)
        identifiers = survey.identifiers()
        if not identifiers:
            messages.error(request, "请先导入住户名单。")
            return redirect("admin:projects_survey_import", survey.pk)
        return self.page(
            request,
            "draw.html",
            survey,
            "抽样",
            population=len(identifiers),
            digest=arithmetic.list_digest(identifiers),
            planned=survey.planned_size(clock.today()),
        )

    def slips_view(self, request, pk):
        """The slips to print, while the survey is open: each sampled household's
        identifier on a strip cut off before delivery, and on the slip its code and a
        QR code of the answer page's address with the code after # (a fragment never
        reaches the server, so no log holds a code with the address it opened)."""
        survey = self.office_survey(request, pk)
        if survey.state != Survey.State.OPEN:
            return self.refuse(request, survey, "只有调查中的调查可以打印调查单。")
        address = request.build_absolute_uri(reverse("projects:survey"))
        slips = [
            {
                "household": household,
                "code": code,
                "qr": segno.make(f"{address}#{code}", error="m").svg_inline(
                    border=4, omitsize=True
                ),
            }
            for household, code in survey.slips()
        ]
        context = {
            "survey": survey,
            "slips": slips,
            "address": address,
            "back": reverse("admin:projects_survey_change", args=[survey.pk]),
        }
        return TemplateResponse(request, "admin/projects/survey/slips.html", context)

    def close_view(self, request, pk):
        """What closing does, then (POST) the close: the list and the codes go."""
        survey = self.office_survey(request, pk)
        if survey.state != Survey.State.OPEN:
            return self.refuse(request, survey, "只有调查中的调查可以结束。")
        if request.method == "POST":
            try:
                survey.close(request.user)
            except ValidationError as error:
                return self.refuse(request, survey, "；".join(error.messages))
            self.log_change(request, survey, "结束调查：住户名单和调查码已删除。")
            messages.success(
                request,
                f"调查已结束：住户名单（{survey.population} 户）和调查码已删除，"
                "抽样记录和结果保留。",
            )
            return redirect("admin:projects_survey_change", survey.pk)
        return self.page(request, "close.html", survey, "结束调查", answered=survey.answers.count())
