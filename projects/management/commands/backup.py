from django.conf import settings
from django.core.management.base import BaseCommand

from projects.exchange.backup import write_backup
from projects.rules import clock


class Command(BaseCommand):
    help = "把数据库和上传文件备份为一个 .tar.gz 文件（数据一致的同一时刻）。"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="默认 var/backups/yicheng-<时间>.tar.gz")

    def handle(self, *args, path=None, **options):
        if path is None:
            stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
            path = settings.VAR_DIR / "backups" / f"yicheng-{stamp}.tar.gz"
        manifest = write_backup(path)
        self.stdout.write(f"已备份到 {path}：数据库和 {len(manifest['files'])} 个文件。")
