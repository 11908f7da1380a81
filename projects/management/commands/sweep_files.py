"""Remove uploaded files that no row refers to: what a crash between writing a file and
committing its row leaves behind, and imports never confirmed; and photos held for a
refused form past their half hour (exchange/held_photos.py). Run it from cron, e.g.
hourly; files younger than --min-age are left alone (their request may still be on)."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from projects.exchange import held_photos, stored
from projects.models import Evidence, PublicInput, SiteReport
from projects.rules import clock


class Command(BaseCommand):
    help = (
        "删除无人引用的上传文件（崩溃遗留的佐证材料、群众照片和点位照片、未确认的导入文件）"
        "和过期的暂存照片（表单未通过时保留的照片）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=int, default=24 * 3600, help="秒，默认一天")

    def handle(self, *args, min_age, **options):
        before = clock.now() - timedelta(seconds=min_age)
        kept = set(Evidence.objects.values_list("file", flat=True))
        kept |= set(PublicInput.objects.exclude(photo="").values_list("photo", flat=True))
        kept |= set(SiteReport.objects.exclude(photo="").values_list("photo", flat=True))
        removed = unknown = 0
        for folder in ("evidence", "imports", "voice", "sites"):
            for name in stored.names(folder):
                if name in kept:
                    continue
                try:
                    old = default_storage.get_modified_time(name) < before
                except NotImplementedError:
                    # A store that cannot tell a file's age: it is kept, for its request
                    # may still be on; the count says so.
                    unknown += 1
                    continue
                if old:
                    default_storage.delete(name)
                    removed += 1
        self.stdout.write(f"已删除 {removed} 个无人引用的文件。")
        if unknown:
            self.stdout.write(f"另有 {unknown} 个无人引用的文件无法得知时间，未删除。")
        self.stdout.write(f"已删除 {held_photos.sweep()} 张过期的暂存照片。")
