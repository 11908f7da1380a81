"""The roles' permissions are kept in one place (projects/rules/roles.py) and every migrate
puts them back exactly, on a fresh install as on an old one."""

from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from projects.rules import roles


def codes(group):
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all())


def test_a_fresh_database_has_every_role_with_exactly_its_permissions(db):
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(roles.NAMES)
    for name, wanted in roles.PERMISSIONS.items():
        assert codes(Group.objects.get(name=name)) == sorted(wanted), name


def test_migrate_puts_back_a_role_changed_by_hand(db):
    reviewer = Group.objects.get(name=roles.REVIEWER)
    reviewer.permissions.remove(Permission.objects.get(codename="review_progressreport"))
    reviewer.permissions.add(Permission.objects.get(codename="delete_plan"))
    Group.objects.filter(name=roles.REPORTER).delete()

    call_command("migrate", verbosity=0)

    assert codes(Group.objects.get(name=roles.REVIEWER)) == sorted(
        roles.PERMISSIONS[roles.REVIEWER]
    )
    assert codes(Group.objects.get(name=roles.REPORTER)) == sorted(
        roles.PERMISSIONS[roles.REPORTER]
    )
