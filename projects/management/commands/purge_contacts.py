"""Empty the names and phone numbers the public left, once they are no longer needed:
CONTACT_RETENTION_DAYS after the item's plan was archived (PIPL: personal information
kept no longer than its purpose needs). The text, the answer and the history stay; the
history never held the contact details. Also empties the keyed hashes that counted
online ratings (码上评) once their month is over, and deletes the e-mail addresses that
follow a project: unconfirmed ones after FOLLOW_CONFIRM_DAYS, all of a plan once it is
archived (no news will come). Run it daily from cron, like sweep_files."""

from django.core.management.base import BaseCommand
from django.db import transaction

from projects.models import Follow, OnlineRating, PublicInput
from projects.rules import clock


class Command(BaseCommand):
    help = (
        "删除留言人的姓名和电话：所属年度计划归档满 CONTACT_RETENTION_DAYS 天后；"
        "往月码上评的浏览器和网络标识；以及未确认或所属计划已归档的邮件关注。"
    )

    def handle(self, *args, **options):
        purged = 0
        with transaction.atomic():
            for item in PublicInput.objects.contacts_expired().select_for_update():
                item.purge_contact()
                purged += 1
            hashes = OnlineRating.purge_fingerprints(clock.today())
            follows = Follow.purge(clock.now())
        self.stdout.write(f"已删除 {purged} 条留言的姓名和电话。")
        self.stdout.write(f"已删除 {hashes} 条往月码上评的浏览器和网络标识。")
        self.stdout.write(f"已删除 {follows} 个未确认或所属计划已归档的邮件关注。")
