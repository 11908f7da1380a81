"""Admin pages beyond lists and forms: Excel import, the ledger, review of one report,
a deputy's own opinions.

Wired in by ProgressReportAdmin.get_urls and PublicInputAdmin.get_urls, behind
admin_site.admin_view (staff login); each view checks its own permission as well.
"""

import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from projects.exchange.ledger import build_ledger, ledger_sheets
from projects.exchange.money_import import check_upload, import_upload, template_xlsx
from projects.exchange.spreadsheets import XLSX_TYPE, attachment, xlsx_response
from projects.models import (
    Assignment,
    Jurisdiction,
    Plan,
    ProgressReport,
    Project,
    PublicInput,
    Target,
    served_code,
    with_answer_dues,
)
from projects.rules import clock
from projects.web.addresses import WORKING

IMPORT_SESSION_KEY = "pending_import"


class PendingImport:
    """An upload that passed its dry run, kept (under a random token, named in the
    uploader's session) until it is confirmed; then read from there, checked again and
    imported all or nothing. A token that is not this session's is refused. Shared by
    the imports of reports and of practical matters."""

    def __init__(self, request, key):
        self.request, self.key = request, key

    def keep(self, data, name, **extra):
        token = secrets.token_hex(16)
        default_storage.save(f"imports/{token}", ContentFile(data))
        self.request.session[self.key] = {"token": token, "name": name, **extra}
        return token

    def take(self):
        """(the file as uploaded, what `keep` was given), or None for a foreign token."""
        pending = self.request.session.get(self.key) or {}
        token = self.request.POST.get("token", "")
        if not token or pending.get("token") != token:
            messages.error(self.request, "导入已失效或不是您上传的文件，请重新上传。")
            return None
        with default_storage.open(f"imports/{token}") as stored:
            data = stored.read()
        return ContentFile(data, name=pending["name"]), pending

    def done(self):
        pending = self.request.session.pop(self.key)
        default_storage.delete(f"imports/{pending['token']}")


def require(request, permission):
    if not request.user.has_perm(f"projects.{permission}"):
        raise PermissionDenied


def admin_context(request, title):
    return {**admin.site.each_context(request), "title": title, "opts": ProgressReport._meta}


def chosen_plan(request):
    """The plan named by ?plan=<year>, else the year being delivered."""
    year = request.GET.get("plan", "")
    if year:
        if not year.isdigit():
            raise Http404("年度格式有误。")
        return get_object_or_404(Plan.objects.of_year(int(year)))
    plan = Plan.objects.opened_by_staff()
    if plan is None:
        raise Http404("尚无计划。")
    return plan


def import_template(request):
    require(request, "add_progressreport")
    plan = chosen_plan(request)
    targets = (
        Target.objects.visible_to(request.user)
        .filter(project__plan=plan)
        .with_progress()
        .select_related("project__plan")
        .order_by("project__number", "order")
    )
    projects = Project.objects.visible_to(request.user).filter(plan=plan)
    response = HttpResponse(template_xlsx(plan, targets, projects), content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment(
        f"进度填报模板-{plan.year}.xlsx", f"report-template-{plan.year}.xlsx"
    )
    return response


class ImportForm(forms.Form):
    file = forms.FileField(
        label="填报文件",
        help_text="使用下载的模板填写后上传；支持 .xlsx、.ods（LibreOffice），"
        "或 UTF-8 / GBK 编码的 .csv。",
        error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的。"},
    )


def import_reports(request):
    require(request, "add_progressreport")
    context = admin_context(request, "从 Excel 导入进度")
    context["columns"] = ["指标编号", "新累计值", "截至日期"]  # what each row shows
    # A template for each plan taking figures, the year being delivered first.
    opened = Plan.objects.opened_by_staff()
    plans = Plan.objects.open_to(Plan.Stage.DELIVERY).order_by("-year")
    context["plans"] = sorted(plans, key=lambda plan: plan != opened)
    form = ImportForm()
    if request.method == "POST" and "confirm" in request.POST:
        return confirm_import(request, context)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            check = check_upload(ContentFile(data, name=upload.name), request.user)
            if check.ok and check.new_count:
                context["token"] = PendingImport(request, IMPORT_SESSION_KEY).keep(
                    data, upload.name
                )
            context.update(upload=check, check=check.figures, file_name=upload.name)
    context["form"] = form
    return TemplateResponse(request, "admin/projects/import.html", context)


def confirm_import(request, context):
    pending = PendingImport(request, IMPORT_SESSION_KEY)
    taken = pending.take()
    if taken is None:
        return redirect("admin:projects_import")
    upload, kept = taken
    confirmed = "confirm_warnings" in request.POST  # the money rows' warnings, read
    check, created = import_upload(upload, request.user, confirmed)
    if not check.savable:  # unconfirmed warnings keep the file for another try
        token = request.POST["token"] if check.ok else None
        if check.ok:
            messages.error(request, "有需要确认的行：请核对后勾选确认，再点“确认导入”。")
        context.update(upload=check, check=check.figures, file_name=kept["name"], token=token)
        context["form"] = ImportForm()
        return TemplateResponse(request, "admin/projects/import.html", context)
    pending.done()
    messages.success(request, f"已导入 {created} 条填报，状态为“已提交”，审核通过后公开。")
    url = reverse("admin:projects_progressreport_changelist")
    return redirect(f"{url}?state__exact=submitted")


def ledger(request):
    require(request, "view_ledger")
    plan = chosen_plan(request)
    book = build_ledger(plan, clock.today())
    if request.GET.get("format") == "xlsx":
        name = f"{plan.year}-{book.day:%Y%m%d}.xlsx"
        return xlsx_response(f"督查台账-{name}", ledger_sheets(book), f"ledger-{name}")
    context = admin_context(request, f"督查台账 · {plan}")
    context.update(ledger=book, plans=Plan.objects.served().order_by("-year"), plan=plan)
    return TemplateResponse(request, "admin/projects/ledger.html", context)


@require_POST
def review_report(request, pk):
    require(request, "review_progressreport")
    report = get_object_or_404(ProgressReport.objects.visible_to(request.user), pk=pk)
    try:
        if request.POST.get("decision") == "approve":
            report.approve(request.user)
            messages.success(request, f"已审核通过：{report}。")
        elif request.POST.get("decision") == "return":
            report.return_to_reporter(request.user, request.POST.get("reason", ""))
            messages.success(request, f"已退回：{report}。")
        else:
            messages.error(request, "请选择审核通过或退回。")
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect("admin:projects_progressreport_change", pk)
    return redirect("admin:projects_submittedreport_changelist")


def return_reports(model_admin, request, queryset):
    """The list action's second step: one reason for the selected reports."""
    reason = request.POST.get("reason", "").strip()
    if "confirm" in request.POST:
        if not reason:
            messages.error(request, "退回时必须说明原因。")
        else:
            done = 0
            for report in queryset:
                try:
                    report.return_to_reporter(request.user, reason)
                    done += 1
                except ValidationError as error:
                    messages.error(request, f"{report}：{'；'.join(error.messages)}")
            if done:
                messages.success(request, f"已退回 {done} 条填报，填报人会看到退回原因。")
            return None
    context = admin_context(request, "退回填报")
    context.update(reports=queryset, reason=reason, action=request.POST.get("action", ""))
    return TemplateResponse(request, "admin/projects/return_reports.html", context)


def my_opinions(request):
    """我的代表意见: a deputy's own opinions, each with what became of it and its answer
    once public; and the projects they concern, with their progress."""
    require(request, "send_deputy_opinion")
    today = clock.today()
    opinions = list(
        PublicInput.objects.filter(kind=PublicInput.Kind.DEPUTY, deputy=request.user)
        .select_related("plan", "project__plan", "answer__department")
        .order_by("-received_at", "-pk")
    )
    for item in opinions:
        item.shown_state = item.get_state_display()
        if item.state == PublicInput.State.DECLINED:
            item.shown_state += f"：{item.get_decline_reason_display()}"
        item.shown_answer = item.public_answer()
    with_answer_dues(
        [o for o in opinions if o.state == PublicInput.State.PUBLISHED and not o.shown_answer],
        today,
    )
    projects = (
        Project.objects.filter(pk__in={item.project_id for item in opinions})
        .with_progress()
        .select_related("plan")
        .order_by("-plan__year", "number")
    )
    context = admin_context(request, "我的代表意见")
    context.update(opinions=opinions, projects=projects, opts=PublicInput._meta)
    return TemplateResponse(request, "admin/projects/my_opinions.html", context)


def working(request):
    """工作的行政区划: an official's own jurisdiction and the levels below delegated to
    them, to act in, and the other levels below theirs, to see only; choosing one serves
    it in the admin (`web.addresses.WORKING`) until another is chosen. Anyone signed in
    may open it; only their own choices are offered."""
    assignment = Assignment.objects.filter(user=request.user).select_related("jurisdiction").first()
    acting = [assignment.jurisdiction] if assignment else [Jurisdiction.objects.home()]
    seeing = []
    if assignment:
        below = Jurisdiction.objects.within(assignment.jurisdiction).exclude(
            pk=assignment.jurisdiction.pk
        )
        delegated = set(assignment.delegated.values_list("pk", flat=True))
        acting += [j for j in below if j.pk in delegated]
        seeing = [j for j in below if j.pk not in delegated]
    if request.method == "POST":
        code = request.POST.get("code")
        chosen = next((j for j in acting + seeing if j.code == code), None)
        if chosen is None:
            messages.error(request, "只能选择本人所属、受托办理或下辖的行政区划。")
        else:
            request.session[WORKING] = chosen.code
            how = "办理" if chosen in acting else "只读查看"
            messages.success(request, f"现在{how}：{chosen.name}。")
            return redirect("admin:index")
    context = {
        **admin.site.each_context(request),
        "title": "工作的行政区划",
        "acting": acting,
        "seeing": seeing,
        "current": served_code(),
    }
    return TemplateResponse(request, "admin/projects/working.html", context)
