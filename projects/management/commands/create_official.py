"""Create an official's account for a department and role from the command line."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from projects.models import Assignment, Department, Jurisdiction
from projects.rules import roles


class Command(BaseCommand):
    help = (
        "创建工作人员账号：指定单位和角色（填报员、审核员、管理员、留言审核员），打印一次随机密码。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=roles.NAMES, help="角色")
        parser.add_argument(
            "--department",
            action="append",
            default=[],
            help="所属单位名称，可重复；填报员至少一个",
        )
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument(
            "--jurisdiction",
            default=None,
            help="所属行政区划代码，如 411781；默认为本站所属的行政区划",
        )

    def handle(self, *args, username, role, department, name, jurisdiction, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户名 {username} 已存在。")
        if role == roles.REPORTER and not department:
            raise CommandError("填报员必须指定所属单位（--department）。")
        place = None
        if jurisdiction is not None:
            place = Jurisdiction.objects.filter(code=jurisdiction).first()
            if place is None:
                raise CommandError(f"没有代码为 {jurisdiction} 的行政区划，请先在管理后台添加。")
        departments = []
        for department_name in department:
            try:
                departments.append(Department.objects.get(name=department_name))
            except Department.DoesNotExist:
                known = "、".join(Department.objects.values_list("name", flat=True))
                raise CommandError(
                    f"没有名为“{department_name}”的单位。现有单位：{known}"
                ) from None
        password = secrets.token_urlsafe(12)
        user = User(username=username, last_name=name, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as error:  # pragma: no cover - a random 16-character key passes
            raise CommandError("；".join(error.messages)) from None
        with transaction.atomic():
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=role))
            for d in departments:
                d.members.add(user)
            if place is not None:
                Assignment.objects.create(user=user, jurisdiction=place)
        where = "、".join(d.name for d in departments) or "全部单位"
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建{role}账号：用户名 {username}（{where}），密码 {password}\n"
                "密码只显示这一次，请当面或经安全渠道交给本人，并提醒其登录后修改。"
            )
        )
