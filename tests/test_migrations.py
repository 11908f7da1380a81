"""The suite builds its databases from the models (`--no-migrations`: eight seconds saved
per test process); so here the migrations themselves are run, on a fresh database of the
same kind, and must build exactly the schema the models declare: the same tables, the
same columns with their types and nullability, the same keys, indexes and checks."""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.apps import apps
from django.db import connection, connections

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
