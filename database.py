"""Opening the database named by DATABASE_URL, one connection per request."""
from __future__ import annotations

import datetime as dt

from flask import request
from peewee import (BooleanField, CharField, DateField, DateTimeField, DecimalField, ForeignKeyField,
                    IntegerField, PostgresqlDatabase, TextField, fn)
from playhouse.db_url import connect, register_database

from models import db

# SQLite as a server database: WAL so readers never wait for the writer, enforced foreign
# keys, a busy timeout so concurrent writers queue instead of failing, and NORMAL sync,
# which is safe with WAL.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": 1,
    "cache_size": -16_000,
}


class SerialWritesPostgresqlDatabase(PostgresqlDatabase):
    """PostgreSQL with one write transaction at a time, as SQLite's BEGIN IMMEDIATE gives:
    every transaction takes one advisory lock first, so a transaction that reads and then
    writes (a reading of the same day, an import of the same payment) never races another."""

    WRITE_LOCK = 7_361_001  # any number; the same in every process of the installation

    def begin(self, *args, **kwargs):
        super().begin(*args, **kwargs)
        self.cursor().execute("SELECT pg_advisory_xact_lock(%s)", (self.WRITE_LOCK,))


register_database(SerialWritesPostgresqlDatabase, "postgres", "postgresql")


def open_database(url: str):
    if url.startswith("sqlite"):
        # Every transaction takes the write lock when it begins (BEGIN IMMEDIATE): one that
        # reads and then writes can never fail with "database is locked" half-way, it waits
        # its turn (busy timeout) before reading. Reads outside transactions never wait.
        database = connect(url, pragmas=SQLITE_PRAGMAS, timeout=10, lock_type="IMMEDIATE")
    else:
        database = connect(url)
    db.initialize(database)
    return database


def init_app(app) -> None:
    open_database(app.config["DATABASE_URL"])

    @app.before_request
    def _connect():
        if request.endpoint == "monitoring.health":
            return  # /healthz connects itself: a database that does not answer is its answer
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()


def as_date(value):
    """A date read through the cursor or an aliased column: SQLite hands dates back as ISO
    text, PostgreSQL as dates."""
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    return dt.date.fromisoformat(str(value)[:10])


def bulk_insert(model, rows: list[dict]) -> None:
    """INSERT many rows with one prepared statement and executemany.

    For heavy runs (billing, demo data): peewee builds SQL for every row of an
    insert_many, which costs more than the database does. Values still go through each
    field's db_value, so they are stored exactly as peewee would store them."""
    if not rows:
        return
    fields = [model._meta.fields[name] for name in rows[0]]
    database = db.obj
    placeholders = ", ".join([database.param] * len(fields))
    columns = ", ".join(f'"{f.column_name}"' for f in fields)  # SQLite and PostgreSQL quoting
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({placeholders})'
    names = list(rows[0])
    # sqlite3 (with peewee's Decimal adapter) and psycopg2 take these types as they are;
    # only other fields go through db_value.
    plain = (IntegerField, CharField, TextField, DecimalField, DateField, DateTimeField,
             BooleanField, ForeignKeyField)
    if all(isinstance(f, plain) for f in fields):
        params = [[row[name] for name in names] for row in rows]
    else:
        converters = [f.db_value for f in fields]
        params = [[convert(row[name]) for name, convert in zip(names, converters)] for row in rows]
    database.cursor().executemany(sql, params)


def first_free_id(model) -> int:
    """The id after the largest one in use, for rows written with explicit ids inside the
    current transaction (then `advance_sequence`)."""
    return (model.select(fn.MAX(model.id)).scalar() or 0) + 1


def next_ids(model, count: int) -> range:
    """`count` ids for rows written with explicit ids inside the current transaction."""
    start = first_free_id(model)
    return range(start, start + count)


def advance_sequence(model) -> None:
    """PostgreSQL: move the id sequence past explicitly written ids (no-op on SQLite)."""
    if isinstance(db.obj, PostgresqlDatabase):
        table = model._meta.table_name
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                       f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))")
