"""Generate a demo history for the 2021 plan, so a newcomer sees every status, chart and
bulletin at work. For `make demo` only, which runs on its own database (var/demo.sqlite3):
the plan is flagged `demo_data`, and every page then says the figures are demo data.

The figures go through the same path as real ones: a demo reporter enters each report
(the same validation, with reasons where a figure is behind pace), a demo reviewer
approves it. Month-end figures through 2021 give, at some month, every status: 未填报
early in the year, 正常推进, 推进缓慢 and 严重滞后 mid-year, 已完成 and 逾期未完成 after.
"""

import calendar
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from projects import pace, roles
from projects.models import Evidence, Plan, ProgressReport, Target

# Cumulative share of each target reached at the end of each month of 2021, by
# (project number, target order); None: nothing reported that month.
TRAJECTORIES = {
    (1, 1): [0.06, 0.13, 0.21, 0.29, 0.37, 0.45, 0.53, 0.62, 0.71, 0.80, 0.92, 1.05],
    (1, 2): [None, 0.10, 0.20, 0.31, 0.42, 0.52, 0.60, 0.69, 0.78, 0.88, 1.02, 1.07],
    (2, 1): [None, None, None, None, 0.0, 0.05, 0.12, 0.2, 0.3, 0.45, 0.62, 0.80],
    (3, 1): [None, 0.0, 1 / 6, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1.0, None, None, None],
    (4, 1): [None, None, 0, 0, 0, 0, 0, 1, None, None, None, None],
    (4, 2): [None, None, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    (5, 1): [None, None, 1 / 7, 1 / 7, 2 / 7, 3 / 7, 3 / 7, 4 / 7, 5 / 7, 5 / 7, 6 / 7, 1.0],
    (6, 1): [None, 0.03, 0.08, 0.14, 0.20, 0.27, 0.33, 0.42, 0.55, 0.66, 0.80, 0.92],
    (7, 1): [0.08, 0.16, 0.25, 0.34, 0.44, 0.55, 0.65, 0.76, 0.86, 0.96, 1.06, 1.15],
    (8, 1): [None, None, 0, 1 / 16, 1 / 16, 2 / 16, 4 / 16, 7 / 16, 10 / 16, 12 / 16, 14 / 16, 1.0],
    (9, 1): [None, None, None, 0, 0, 0, 0, 0, 0, 0, 1, None],
    (10, 1): [None, None, None, None, None, 0, 0, 0, 0.4, 0.6, 0.8, 1.0],
    (11, 1): [None, 0.05, 0.12, 0.2, 0.28, 0.36, 0.44, 0.52, 0.6, 0.76, 0.88, 1.0],
}
# Corrections of figures already public: (project, target, month, share, note).
CORRECTIONS = [
    (8, 1, 7, 3 / 16, "经复核，7月上报的4座中有1座尚未完成绿化验收，更正为3座。"),
    (11, 1, 10, 0.745, "10月数据误计入一段市政道路，更正为29.8公里。"),
]
REASONS = {
    2: (
        "土地报批手续未完成，项目未能按期开工。",
        "协调自然资源和规划部门加快土地报批，力争下月开工。",
    ),
    4: ("项目选址调整，施工图设计尚未完成。", "完成施工图审查后办理施工许可，立即进场施工。"),
    6: (
        "强弱电入地、管线迁移涉及多个产权单位，协调进度慢于预期。",
        "建立周调度机制，逐户做好群众工作。",
    ),
    8: ("部分游园用地征迁尚未完成。", "加快征迁补偿，EPC 项目同步开展设计。"),
    9: ("农发行贷款审批尚未完成，征地拆迁仍在推进。", "督促放款，同步推进苗木预订和土地平整。"),
    10: ("前期手续办理用时较长，施工许可晚于计划。", "实行并联审批，许可证办结后立即开工。"),
}
GENERIC_REASON = ("阶段性任务较重，进度略慢于序时进度。", "加强调度，下月赶上序时进度。")


def month_end(month):
    return date(2021, month, calendar.monthrange(2021, month)[1])


def demo_photo(text):
    image = Image.new("RGB", (960, 640), (214, 226, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 920, 600), outline=(47, 95, 167), width=8)
    draw.text((80, 300), text, fill=(27, 27, 31))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


class Command(BaseCommand):
    help = (
        "为2021年计划生成演示进度数据（仅用于 make demo 的独立数据库，所有页面会标明“演示数据”）。"
    )

    def handle(self, *args, **options):
        plan = Plan.objects.filter(year=2021).first()
        if plan is None:
            call_command("load_plan", "2021", stdout=self.stdout)
            plan = Plan.objects.get(year=2021)
        if plan.demo_data:
            self.stdout.write("演示数据已存在，未作更改。")
            return
        if ProgressReport.objects.filter(target__project__plan=plan).exists():
            raise CommandError(
                "该数据库已有真实填报，不能写入演示数据。请使用 make demo 的独立数据库。"
            )
        with transaction.atomic():
            reporter, reviewer = self.demo_accounts()
            count = self.generate(plan, reporter, reviewer)
            plan.demo_data = True
            plan.save(update_fields=["demo_data"])
        self.stdout.write(
            self.style.SUCCESS(f"已生成 {count} 条演示填报（已审核）。所有页面会标明“演示数据”。")
        )

    def demo_accounts(self):
        User = get_user_model()
        reporter, _ = User.objects.get_or_create(
            username="demo-reporter", defaults={"last_name": "演示填报员", "is_active": False}
        )
        reviewer, _ = User.objects.get_or_create(
            username="demo-reviewer", defaults={"last_name": "演示审核员", "is_active": False}
        )
        for user in (reporter, reviewer):
            user.set_unusable_password()
            user.save()
        reporter.groups.add(Group.objects.get(name=roles.REPORTER))
        reviewer.groups.add(Group.objects.get(name=roles.REVIEWER))
        return reporter, reviewer

    def generate(self, plan, reporter, reviewer):
        count = 0
        targets = Target.objects.filter(project__plan=plan).select_related("project")
        for target in targets:
            shares = TRAJECTORIES[(target.project.number, target.order)]
            for month, share in enumerate(shares, start=1):
                if share is None:
                    continue
                report = self.report(target, month, share, reporter, "")
                self.approve(report, reporter, reviewer)
                count += 1
                if (target.project.number, month) in {(3, 9), (10, 9), (1, 12)}:
                    self.attach_photo(report, reporter, f"DEMO {target.project.number}-{month}")
            for number, order, month, share, note in CORRECTIONS:
                if (target.project.number, target.order) == (number, order):
                    report = self.report(target, month, share, reporter, note)
                    self.approve(report, reporter, reviewer, days=12)
                    count += 1
        for milestone in plan.projects.get(number=10).milestones.all():
            milestone.done_on = milestone.due_date + timedelta(days=10)
            milestone.save()
        return count

    def report(self, target, month, share, reporter, note):
        value = (target.target_value * Decimal(str(share))).quantize(Decimal("0.01"))
        if target.kind == Target.Kind.MILESTONE:
            value = Decimal(1 if share >= 1 else 0)
        report = ProgressReport(
            target=target, value=value, as_of=month_end(month), note=note, created_by=reporter
        )
        if report.pace_status() in pace.BEHIND:
            report.delay_reason, report.next_steps = REASONS.get(
                target.project.number, GENERIC_REASON
            )
        report.full_clean()
        report.save()
        return report

    def approve(self, report, reporter, reviewer, days=5):
        report.submit(reporter)
        report.approve(reviewer)
        entered = timezone.make_aware(
            datetime.combine(report.as_of + timedelta(days=days), time(10))
        )
        ProgressReport.objects.filter(pk=report.pk).update(
            created_at=entered, submitted_at=entered, reviewed_at=entered + timedelta(days=1)
        )
        report.refresh_from_db()

    def attach_photo(self, report, reporter, text):
        content = demo_photo(text)
        evidence = Evidence(
            report=report,
            kind=Evidence.Kind.IMAGE,
            content_type="image/jpeg",
            original_name="demo.jpg",
            size=len(content),
            caption="演示图片",
            uploaded_by=reporter,
        )
        evidence.file.save("demo.jpg", ContentFile(content), save=False)
        evidence.save()
