"""The suite builds its databases from the models (`--no-migrations`: eight seconds saved
per test process); so here the migrations themselves are run, on a fresh database of the
same kind, and must build exactly the schema the models declare: the same tables, the
same columns with their types and nullability, the same keys, indexes and checks. And
each migration added after 0024 must leave the previous release running (below)."""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.apps import apps
from django.db import connection, connections, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings

from .conftest import database_url

ROOT = Path(__file__).resolve().parents[1]


def schema(wrapper):
    """Every table of the app: its columns and constraints, without the names a history
    may give them. (Django's own apps are left out: on PostgreSQL its migrations made
    auth's link tables with integer ids where its models now declare big ones.)"""
    ours = {
        model._meta.db_table
        for model in apps.get_app_config("projects").get_models(include_auto_created=True)
    }
    found = {}
    with wrapper.cursor() as cursor:
        for table in set(wrapper.introspection.table_names(cursor)) & ours:
            columns = {
                (c.name, c.type_code, c.null_ok)
                for c in wrapper.introspection.get_table_description(cursor, table)
            }
            constraints = Counter(
                (
                    tuple(c["columns"]),
                    c["primary_key"],
                    c["unique"],
                    bool(c["foreign_key"]),
                    c["index"],
                    c["check"],
                )
                for c in wrapper.introspection.get_constraints(cursor, table).values()
            )
            found[table] = (columns, constraints)
    return found


def in_cluster(*statements):
    """Statements outside any database of the PostgreSQL cluster (CREATE DATABASE)."""
    import psycopg

    s = connection.settings_dict
    host, port = s["HOST"] or s["OPTIONS"].get("host"), s["PORT"] or s["OPTIONS"].get("port")
    with psycopg.connect(
        dbname="postgres", host=host, port=port, user=s["USER"], autocommit=True
    ) as cluster:
        for statement in statements:
            cluster.execute(statement)


def migrated_database(tmp_path):
    """A fresh database of the test database's kind, migrated by `manage.py migrate`."""
    if connection.vendor == "sqlite":
        name = str(tmp_path / "migrated.sqlite3")
        url = f"sqlite:///{name}"
    else:
        name = f"{connection.settings_dict['NAME']}_migrated"
        in_cluster(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        parts = urlsplit(database_url())
        url = urlunsplit(parts._replace(path=f"/{name}"))
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    assert done.returncode == 0, done.stderr[-3000:]
    wrapper = type(connections["default"])
    return wrapper({**connection.settings_dict, "NAME": name}, alias="default"), name


def test_the_migrations_build_the_schema_the_models_declare(db, tmp_path):
    migrated, name = migrated_database(tmp_path)
    try:
        built, declared = schema(migrated), schema(connection)
    finally:
        migrated.close()
        if connection.vendor != "sqlite":
            in_cluster(f'DROP DATABASE "{name}"')
    assert len(declared) > 50 and sorted(built) == sorted(declared)
    differing = {t: (built[t], declared[t]) for t in declared if built[t] != declared[t]}
    assert differing == {}


# Migrations a running site survives (README › Deployment): `migrate` runs once, while
# the previous release still serves, so a migration added after the baseline may only
# add (nullable columns, columns with a database default, new tables). A column or table
# is dropped or renamed a release after no running code reads it, and that migration is
# allowed here by name with the reason it was judged safe. django-migration-linter was
# tried and left: it judges the SQL of one database, and on SQLite every table rebuilt
# (any AlterField, even to nullable) reads as a new NOT NULL column.
BASELINE = 24  # 0024_receipts: the last migration written before this check

# {(migration, rule, "model.field"): why it is safe} — reviewed like code.
ALLOWED = {}

RULES = {
    "RemoveField": ("删除列", "drops a column"),
    "RenameField": ("重命名列", "renames a column"),
    "RenameModel": ("重命名表", "renames a table"),
    "AlterModelTable": ("重命名表", "renames a table"),
    "DeleteModel": ("删除表", "drops a table"),
    "AlterField.column": ("重命名列", "renames a column"),
    "AlterField.not_null": (
        "把列改为非空而无数据库默认值",
        "makes a column NOT NULL without a db_default",
    ),
    "AddField.not_null": (
        "给已有的表加非空列而无数据库默认值",
        "adds a NOT NULL column without a db_default to an existing table",
    ),
}
LATER = (
    "上一版本仍在运行时它会出错：先只增不删，等不再有代码读它的下一个版本再删改",
    "the previous release fails on it while it still serves: add first, drop or rename"
    " a release later, once no running code reads it",
)


def column(field, name):
    """The column a field of that name has in the database (None: it has none)."""
    field = field.clone()
    field.set_attributes_from_name(name)
    return field.column if field.concrete and not field.many_to_many else None


def needs_a_value(field):
    """Whether a row written without this column fails: NOT NULL and no db_default."""
    return not (field.null or field.many_to_many or getattr(field, "generated", False)) and (
        field.db_default is models.NOT_PROVIDED
    )


def unsafe_operations(app_label, operations, before, existing=None):
    """(rule, "model.field") for each of the operations that the previous release does not
    survive, given the project state `before` them (and the tables that existed before
    their migration: a table made in the same migration may take NOT NULL columns)."""
    existing = set(before.models) if existing is None else existing
    state = before.clone()
    found = []
    for op in operations:
        kind = type(op).__name__
        if isinstance(op, migrations.SeparateDatabaseAndState):
            # Only its database half touches the tables the running release reads.
            found += unsafe_operations(app_label, op.database_operations, state, existing)
        elif isinstance(op, migrations.RemoveField):
            found.append((kind, f"{op.model_name_lower}.{op.name_lower}"))
        elif isinstance(op, migrations.RenameField):
            found.append((kind, f"{op.model_name_lower}.{op.old_name_lower}"))
        elif isinstance(op, migrations.RenameModel):
            found.append((kind, op.old_name_lower))
        elif isinstance(op, migrations.DeleteModel | migrations.AlterModelTable):
            found.append((kind, op.name_lower))
        elif isinstance(op, migrations.AlterField):
            old = state.models[app_label, op.model_name_lower].fields[op.name]
            where = f"{op.model_name_lower}.{op.name_lower}"
            if column(old, op.name) != column(op.field, op.name):
                found.append(("AlterField.column", where))
            if old.null and needs_a_value(op.field):
                found.append(("AlterField.not_null", where))
        elif isinstance(op, migrations.AddField):
            table_existed = (app_label, op.model_name_lower) in existing
            if table_existed and needs_a_value(op.field):
                found.append(("AddField.not_null", f"{op.model_name_lower}.{op.name_lower}"))
        op.state_forwards(app_label, state)
    return found


def checked(loader, baseline):
    """(migration name, rule, "model.field") for the app's migrations above the baseline."""
    for app_label, name in sorted(loader.disk_migrations):
        if app_label == "projects" and int(name[:4]) > baseline:
            before = loader.project_state((app_label, name), at_end=False)
            operations = loader.get_migration(app_label, name).operations
            for rule, where in unsafe_operations(app_label, operations, before):
                yield name, rule, where


def refusals(loader, baseline=BASELINE, allowed=ALLOWED):
    """One Chinese and English line per unsafe operation above the baseline that is not
    allowed by name."""
    return [
        f"projects.{name}: {where} {RULES[rule][0]}，{LATER[0]}。"
        f" / {where} {RULES[rule][1]} ({rule}); {LATER[1]}."
        for name, rule, where in checked(loader, baseline)
        if (name, rule, where) not in allowed
    ]


@pytest.fixture(scope="module")
def loader():
    """The migrations on disk: the suite's databases are built without them (pytest-django
    sets MIGRATION_MODULES so that none is found), so that setting is emptied here."""
    with override_settings(MIGRATION_MODULES={}):
        return MigrationLoader(None, ignore_no_migrations=True)


def test_migrations_after_the_baseline_leave_the_previous_release_running(loader):
    assert ("projects", "0024_receipts") in loader.disk_migrations
    assert refusals(loader) == []
    refused = set(checked(loader, BASELINE))
    assert set(ALLOWED) <= refused, "an allowed exception no migration needs any more"


def test_below_the_baseline_0024_is_refused_for_a_not_null_column_with_a_python_default(
    loader,
):
    # follow.sealed_link came with default="": Django drops that default once the column
    # is filled, so the previous release's new follows would have failed to insert.
    assert refusals(loader, baseline=23) == [
        "projects.0024_receipts: follow.sealed_link 给已有的表加非空列而无数据库默认值，"
        "上一版本仍在运行时它会出错：先只增不删，等不再有代码读它的下一个版本再删改。"
        " / follow.sealed_link adds a NOT NULL column without a db_default to an existing"
        " table (AddField.not_null); the previous release fails on it while it still"
        " serves: add first, drop or rename a release later, once no running code reads it."
    ]
    allowed = {("0024_receipts", "AddField.not_null", "follow.sealed_link"): "reviewed"}
    assert refusals(loader, baseline=23, allowed=allowed) == []


@pytest.fixture(scope="module")
def latest(loader):
    """The project state after every migration: the tables a new one finds."""
    return loader.project_state()


def test_dropping_renaming_or_tightening_what_the_running_release_reads_is_refused(latest):
    unsafe = [
        migrations.RemoveField("project", "title_en"),
        migrations.RenameField("project", "pledge_text", "pledge"),
        migrations.RenameModel("Department", "Office"),
        migrations.DeleteModel("PlanArchive"),
        migrations.AlterModelTable("plan", "plans"),
        migrations.AlterField("project", "due_date", models.DateField(db_column="due")),
        migrations.AlterField(
            "project",
            "lead_department",
            models.ForeignKey("projects.office", on_delete=models.PROTECT),
        ),
        migrations.AddField(
            "project", "budget", models.DecimalField(max_digits=12, decimal_places=2, default=0)
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField("project", "number")],
            database_operations=[migrations.RemoveField("project", "number")],
        ),
    ]
    assert unsafe_operations("projects", unsafe, latest) == [
        ("RemoveField", "project.title_en"),
        ("RenameField", "project.pledge_text"),
        ("RenameModel", "department"),
        ("DeleteModel", "planarchive"),
        ("AlterModelTable", "plan"),
        ("AlterField.column", "project.due_date"),
        ("AlterField.not_null", "project.lead_department"),
        ("AddField.not_null", "project.budget"),
        ("RemoveField", "project.number"),
    ]


def test_adding_nullable_or_db_defaulted_columns_and_new_tables_passes(latest):
    safe = [
        migrations.AddField("project", "note", models.TextField(null=True)),
        migrations.AddField(
            "project", "budget", models.DecimalField(max_digits=12, decimal_places=2, db_default=0)
        ),
        migrations.AddField("project", "tags", models.ManyToManyField("projects.department")),
        migrations.CreateModel("Voucher", [("id", models.BigAutoField(primary_key=True))]),
        migrations.AddField(
            "voucher", "amount", models.DecimalField(max_digits=12, decimal_places=2)
        ),
        migrations.AlterField("project", "due_date", models.DateField(null=True)),
        # The code stops knowing a column the running release still reads; the column
        # itself goes in a later release.
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField("project", "title_en")]
        ),
    ]
    assert unsafe_operations("projects", safe, latest) == []
