from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command


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
