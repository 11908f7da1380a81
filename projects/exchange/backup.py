"""Backups: the database and the uploaded files in one .tar.gz, and back.

The database goes in as JSON with natural keys (projects/exchange/exactjson.py: Django's JSON
with times kept to the microsecond), so a backup taken on SQLite restores into
PostgreSQL and the other way round, and gives back every record exactly. It is read in
one transaction that sees a single moment (REPEATABLE READ on PostgreSQL; on SQLite the
transaction holds the write lock, so writers wait until the dump is done). Every file
is listed in the archive's manifest with its SHA-256, checked again on restore. Files
are read and written through the storage API (exchange/stored.py), wherever they are
kept; the archive itself is a file on the machine that runs the command.
"""

import hashlib
import io
import json
import os
import tarfile
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings

from projects.exchange import held_photos, stored
from projects.rules import clock
from projects.web import freshness

FORMAT = 1
# Rebuilt by `migrate` on any install, with install-specific ids: not backed up.
EXCLUDE = ["contenttypes", "auth.permission", "sessions"]


class BackupError(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def media_files():
    """The names of the stored files a backup keeps (exchange/stored.py)."""
    # imports/ holds uploads waiting for a confirmation, held/ photos of refused forms
    # for half an hour: not records (and a resident's unsent photo stays out of backups).
    waiting = {"imports", held_photos.FOLDER}
    return [name for name in stored.names() if name.split("/", 1)[0] not in waiting]


def dump_database():
    out = io.StringIO()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        call_command(
            "dumpdata",
            natural_foreign=True,
            natural_primary=True,
            exclude=EXCLUDE,
            format="exactjson",
            stdout=out,
        )
    return out.getvalue().encode()


def write_backup(path):
    """Write the archive to `path` (through a temporary name, so a failed run leaves
    no half archive). Returns the manifest."""
    path = Path(path)
    database = dump_database()
    files = {name: stored.read(name) for name in media_files()}
    manifest = {
        "format": FORMAT,
        "created_at": clock.now().isoformat(),
        "database_engine": connection.vendor,
        "database": {"name": "database.json", "sha256": sha256(database)},
        "files": {name: sha256(data) for name, data in files.items()},
    }
    partial = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(partial, "w:gz") as archive:
        add(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
        add(archive, "database.json", database)
        for name, data in files.items():
            add(archive, f"media/{name}", data)
    partial.replace(path)
    return manifest


def add(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o640
    archive.addfile(info, io.BytesIO(data))


def read_backup(path):
    """The manifest, the database dump and the files, every checksum verified."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = {m.name: m for m in archive.getmembers() if m.isfile()}
            manifest = json.loads(archive.extractfile(members["manifest.json"]).read())
            database = archive.extractfile(members["database.json"]).read()
            files = {
                name: archive.extractfile(members[f"media/{name}"]).read()
                for name in manifest["files"]
            }
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as error:
        raise BackupError(f"不是完整的备份文件：{error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("备份格式版本不符。")
    if sha256(database) != manifest["database"]["sha256"]:
        raise BackupError("数据库内容校验失败，备份文件已损坏。")
    for name, data in files.items():
        if sha256(data) != manifest["files"][name] or ".." in Path(name).parts:
            raise BackupError(f"文件 {name} 校验失败，备份文件已损坏。")
    return manifest, database, files


def restore_backup(path):
    """Bring a fresh install (migrated, no data yet) to the state of the backup."""
    manifest, database, files = read_backup(path)
    from projects.models import Plan, ProgressReport

    existing = Plan.objects.exists() or ProgressReport.objects.exists()
    if existing or get_user_model().objects.exists():
        raise BackupError("目标数据库已有数据。请在新安装（已 migrate、尚无数据）上恢复。")
    handle, name = tempfile.mkstemp(suffix=".exactjson")  # loaddata reads fixtures from files
    fixture = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(database)
        # The history being restored is the history: loading must not add to it (the
        # many-to-many handler of simple-history would, for members and supporters).
        with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
            call_command("loaddata", str(fixture), verbosity=0)
    finally:
        fixture.unlink(missing_ok=True)
    for name, data in files.items():
        stored.write(name, data)
    # Once the files are there too: every server process renders afresh from now on.
    freshness.bump()
    return manifest
