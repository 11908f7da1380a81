"""Send the alerts that are due, once each, and exit (cron or a systemd timer runs it).

    manage.py send_alerts                 # as of today (Asia/Shanghai)
    manage.py send_alerts --day 2026-11-25

First every rule's due alerts are written, each with its deliveries, in its own
transaction (`alerting.record`); then every delivery due is sent and marked at once
(`sending.deliver`), failed ones of earlier runs included. A run killed halfway loses
nothing: what was written is sent by the next run, and only the one delivery in flight
may go twice (after ALERT_LEASE_SECONDS)."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects.alerts import due as alerting
from projects.alerts import sending
from projects.rules import clock


class Command(BaseCommand):
    help = "发送到期的提醒（每件事每个周期一次），然后退出。"

    def add_arguments(self, parser):
        parser.add_argument("--day", help="按这一天判断（YYYY-MM-DD），默认今天。")

    def handle(self, *args, day=None, **options):
        if day:
            try:
                day = date.fromisoformat(day)
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{day}") from None
        else:
            day = clock.today()
        written = 0
        for due in alerting.due_alerts(day, settings.ALERT_DIGEST_WEEKDAY):
            if alerting.record(due, day) is not None:
                written += 1
        sent, failed = sending.deliver()
        self.stdout.write(
            f"{day:%Y-%m-%d}：新提醒 {written} 条；发出 {sent} 次，失败 {failed} 次。"
        )
