"""Remove uploaded files that no row refers to: what a crash between writing a file and
committing its row leaves behind, and imports never confirmed; and photos held for a
refused form past their half hour (exchange/held_photos.py). Run it from cron, e.g.
hourly; files younger than --min-age are left alone (their request may still be on)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from projects.exchange import held_photos
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
        root = Path(settings.MEDIA_ROOT)
        before = clock.seconds() - min_age
        kept = set(Evidence.objects.values_list("file", flat=True))
        kept |= set(PublicInput.objects.exclude(photo="").values_list("photo", flat=True))
        kept |= set(SiteReport.objects.exclude(photo="").values_list("photo", flat=True))
        removed = 0
        for folder in ("evidence", "imports", "voice", "sites"):
            for path in sorted((root / folder).glob("*")):
                name = path.relative_to(root).as_posix()
                if path.is_file() and name not in kept and path.stat().st_mtime < before:
                    path.unlink()
                    removed += 1
        self.stdout.write(f"已删除 {removed} 个无人引用的文件。")
        self.stdout.write(f"已删除 {held_photos.sweep()} 张过期的暂存照片。")
