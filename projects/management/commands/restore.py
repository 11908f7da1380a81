from django.core.management.base import BaseCommand, CommandError

from projects.exchange.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "在新安装（已 migrate、尚无数据）上从备份文件恢复数据库和上传文件。"

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            manifest = restore_backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"已恢复 {manifest['created_at']} 的备份：数据库和 {len(manifest['files'])} 个文件。"
        )
