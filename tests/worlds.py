"""Worlds built once per test run and put back for each test that reads them.

Building the demo takes about ten seconds of Python (every figure is judged and
approved as an official's would be), and some forty tests read it. So the world is
built once, inside a transaction that is then rolled back, after its rows and files were
copied; each test that asks for it gets those rows written back into its own
transaction (a few milliseconds), and its files into the test's file store (through
the storage API, like the product: projects/exchange/stored.py). The test's
rollback (or flush, for a test with a live server) then leaves the database as empty as
before.

A snapshot is every table that holds rows, the ones `migrate` fills included (content
types, permissions, the roles' groups): a flush and its post_migrate make those again
under new ids, and the world's rows refer to the ids it was built with. Every other table
is empty when a test starts, so a world is restored first, before a test adds its own.

Under pytest-xdist each world is built by the first worker that asks for it and kept in
a file that the others read (`built_once_per_run`): the demo takes as long to build as a
few hundred tests take to run.
"""

import copy
import fcntl
import pickle
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction

from projects.exchange import stored

# Rows no world changes, and that SQLite keeps for itself.
UNTOUCHED = {"django_migrations", "sqlite_sequence"}


@dataclass(frozen=True)
class Snapshot:
    """Every table's rows at one moment, and the stored files."""

    tables: dict  # table → (columns, rows on SQLite | COPY text on PostgreSQL), if any
    models: list  # their models' labels: their id sequences follow them on PostgreSQL
    files: dict  # stored name → bytes

    @classmethod
    def take(cls):
        """The database as this connection sees it now (inside its transaction), and
        every file in the file store."""
        tables = {}
        with connection.cursor() as cursor:
            names = set(connection.introspection.table_names(cursor)) - UNTOUCHED
            for table in sorted(names - _kept_by_the_database(cursor, names)):
                columns = [
                    c.name for c in connection.introspection.get_table_description(cursor, table)
                ]
                if rows := _read(cursor, table, columns):
                    tables[table] = (columns, rows)
        models = [
            model._meta.label
            for model in apps.get_models(include_auto_created=True)
            if model._meta.db_table in tables
        ]
        return cls(tables, models, {name: stored.read(name) for name in stored.names()})

    def restore(self):
        """Make the database the snapshot, in one transaction (nested in the
        test's own when it has one), and write its files into the file store."""
        with transaction.atomic(), connection.cursor() as cursor:
            # Django's foreign keys are checked at commit, so the order does not matter.
            _run(cursor, [f"DELETE FROM {_quoted(table)}" for table in self.tables])  # noqa: S608
            for table, (columns, rows) in self.tables.items():
                _write(cursor, table, columns, rows)
            models = [apps.get_model(label) for label in self.models]
            _run(cursor, connection.ops.sequence_reset_sql(no_style(), models))
        ContentType.objects.clear_cache()
        for name, data in self.files.items():
            stored.write(name, data)


@dataclass(frozen=True)
class World:
    """A snapshot and what its builder returned (model instances, as it made them)."""

    snapshot: Snapshot
    made: object

    def restored(self):
        """Put the world into the test's database; a copy of what the builder returned,
        so that a test changing an instance leaves the next test's as they were."""
        self.snapshot.restore()
        return copy.deepcopy(self.made)


def built_once_per_run(folder, build):
    """The World `build()` makes, made by the first worker of this test run to ask and
    read from `folder` by the others: a folder that all of one run's workers share."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held until the file closes: the others wait
        kept = folder / "world.pickle"
        if kept.exists():
            return pickle.loads(kept.read_bytes())  # noqa: S301 - written just now, below
        world = build()
        kept.write_bytes(pickle.dumps(world))
        return world


def _kept_by_the_database(cursor, names):
    """SQLite's full-text tables and their shadow tables (the matters' text index):
    filled by triggers as the rows they index are written back, never by hand."""
    if connection.vendor != "sqlite":
        return set()
    cursor.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
    virtual = [name for (name,) in cursor.fetchall()]
    return {name for name in names for v in virtual if name == v or name.startswith(v + "_")}


def _quoted(name):
    return connection.ops.quote_name(name)


def _run(cursor, statements):
    """Statements without parameters, in one round trip where the database allows it."""
    if connection.vendor == "postgresql":
        if statements:
            cursor.execute(";".join(statements))
        return
    for statement in statements:
        cursor.execute(statement)


def _read(cursor, table, columns):
    if connection.vendor == "postgresql":
        names = ", ".join(map(_quoted, columns))
        with cursor.cursor.copy(f"COPY {_quoted(table)} ({names}) TO STDOUT") as copy:
            return b"".join(bytes(block) for block in copy)
    # `+column` is the stored value as it is: an expression has no declared type, so
    # the sqlite3 module's converters (dates, booleans) leave it alone, and writing the
    # plain value back stores exactly what was read.
    names = ", ".join(f"+{_quoted(c)}" for c in columns)
    return cursor.execute(f"SELECT {names} FROM {_quoted(table)}").fetchall()  # noqa: S608


def _write(cursor, table, columns, rows):
    names = ", ".join(map(_quoted, columns))
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {_quoted(table)} ({names}) FROM STDIN") as copy:
            copy.write(rows)
        return
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {_quoted(table)} ({names}) VALUES ({marks})"  # noqa: S608
    cursor.connection.executemany(sql, rows)
