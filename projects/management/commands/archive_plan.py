"""Archive a plan (实事档案馆): its data package is built once and kept with its
checksum, and the plan takes no more reports (projects/api/archive.py). Run by the
administrator on the server once the year's figures are final; it cannot be undone
from here, on purpose."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from projects.api import archive
from projects.models import Plan, serving


class Command(BaseCommand):
    help = "归档某一年度计划：生成并保存数据包（带校验值），此后该计划不再接受填报。"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--user", help="记为归档人的账号（可选）")
        parser.add_argument(
            "--jurisdiction", help="行政区划代码（可选），默认为本站所属的行政区划，如 411702"
        )

    def handle(self, *args, year, user=None, jurisdiction=None, **options):
        # its package is built as its own pages serve it: of its jurisdiction
        with serving(jurisdiction or settings.HOME_JURISDICTION):
            self.archive(year, user)

    def archive(self, year, user):
        plan = Plan.objects.of_year(year).first()
        if plan is None:
            raise CommandError(f"没有 {year} 年度的计划。")
        archivist = None
        if user:
            archivist = get_user_model().objects.filter(username=user).first()
            if archivist is None:
                raise CommandError(f"没有账号 {user}。")
        try:
            kept = archive.archive(plan, archivist)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"{year} 年度计划已归档：{archive.zip_name(plan)}，"
            f"{len(kept.package)} 字节，SHA-256 {kept.sha256}"
        )
