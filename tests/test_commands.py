from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from projects.rules import roles


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_ensure_admin_creates_one_admin_with_a_random_password_printed_once():
    output = run("ensure_admin")
    password = output.split("密码 ")[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(password)
    assert len(password) >= 16

    again = run("ensure_admin")
    assert "已有管理员账号" in again
    assert password not in again
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_two_installs_get_different_admin_passwords():
    first = run("ensure_admin").split("密码 ")[1].split()[0]
    get_user_model().objects.all().delete()
    second = run("ensure_admin").split("密码 ")[1].split()[0]
    assert first != second


@pytest.mark.django_db
def test_create_official_makes_a_reporter_of_a_department():
    from projects.models import Department

    Department.objects.create(name="区人社局")
    args = ["wang", "--role", roles.REPORTER, "--department", "区人社局", "--name", "王"]
    output = run("create_official", *args)
    password = output.split("密码 ")[1].split()[0]
    user = get_user_model().objects.get(username="wang")
    assert user.is_staff and not user.is_superuser
    assert user.check_password(password)
    assert [g.name for g in user.groups.all()] == [roles.REPORTER]
    assert [d.name for d in user.departments.all()] == ["区人社局"]


@pytest.mark.django_db
def test_create_official_refuses_unknown_departments_and_reporters_without_one():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有名为“区不存在局”的单位"):
        run("create_official", "li", "--role", roles.REPORTER, "--department", "区不存在局")
    with pytest.raises(CommandError, match="填报员必须指定所属单位"):
        run("create_official", "li", "--role", roles.REPORTER)
    assert not get_user_model().objects.filter(username="li").exists()
