"""Create a local administrator with a random password, once, if there is none."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "若尚无管理员账号，则创建一个并打印一次随机密码（不使用固定默认密码）。"

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("已有管理员账号，未作更改。")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建管理员账号：用户名 {username}，密码 {password}\n"
                "密码只显示这一次，请立即记下；忘记时可运行 "
                f"`.venv/bin/python manage.py changepassword {username}`。"
            )
        )
