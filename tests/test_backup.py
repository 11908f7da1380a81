"""A backup round trip: every record and every file identical afterwards."""

from io import StringIO

import pytest
from django.apps import apps
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.exchange import stored
from projects.models import Evidence, MoneyDocument, SiteReport
from projects.rules import roles
from projects.web import freshness

from .conftest import make_official

pytestmark = pytest.mark.django_db(transaction=True)


def everything():
    """Every record with natural keys (ids of content types and permissions differ
    between installs), sorted so that the order of a table does not matter."""
    models = [
        m
        for m in apps.get_models()
        if m._meta.label_lower not in ("sessions.session",)
        and m._meta.app_label not in ("contenttypes",)
        and m._meta.label != "auth.Permission"
    ]
    dump = serializers.serialize(
        "python",
        [o for m in models for o in m._default_manager.all()],
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )
    return sorted(repr(sorted(o.items())) for o in dump)


def files():
    return {name: stored.read(name) for name in stored.names()}


def test_backup_and_restore_bring_back_every_record_and_file(tmp_path, demo):
    make_official("wang", roles.REPORTER)
    before, before_files = everything(), files()
    photos = SiteReport.objects.exclude(photo="").count()  # the demo's parks, 已完工
    papers = MoneyDocument.objects.count()  # the demo's 施工许可证, redacted copies
    assert len(before_files) == Evidence.objects.count() + photos + papers
    assert photos > 0 and papers > 0

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=StringIO())

    call_command("flush", interactive=False, stdout=StringIO())
    for name in stored.names():
        default_storage.delete(name)
    assert everything() != before

    version = freshness.content_version()
    out = StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "已恢复" in out.getvalue()
    assert freshness.content_version() != version  # no server keeps a page from before
    after = everything()
    missing = [r for r in before if r not in after][:3]
    extra = [r for r in after if r not in before][:3]
    assert (missing, extra) == ([], [])
    assert files() == before_files


def test_restore_refuses_an_install_that_already_has_data(tmp_path):
    call_command("load_plan", "2021", stdout=StringIO())
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), stdout=StringIO())
    with pytest.raises(CommandError, match="目标数据库已有数据"):
        call_command("restore", str(archive), stdout=StringIO())


def test_a_damaged_backup_is_refused(tmp_path):
    damaged = tmp_path / "b.tar.gz"
    damaged.write_bytes(b"not an archive")
    call_command("flush", interactive=False, stdout=StringIO())
    with pytest.raises(CommandError, match="不是完整的备份文件"):
        call_command("restore", str(damaged), stdout=StringIO())
