"""Numbered schema migrations: `NNNN_name.py` modules with `upgrade(m)`.

The applied version is recorded in the table `schema_version`. Each migration runs in its
own transaction, so a failed one leaves the database at the version before it. DDL is
written once with a few placeholders that stand for what differs between SQLite and
PostgreSQL.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from peewee import PostgresqlDatabase

from models.clock import utcnow

_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^(\d{4})_(\w+)\.py$")

_DIALECTS = {
    "sqlite": {"pk": "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT", "ts": "DATETIME",
               "bool": "INTEGER", "true": "1", "false": "0"},
    "postgresql": {"pk": "SERIAL NOT NULL PRIMARY KEY", "ts": "TIMESTAMP",
                   "bool": "BOOLEAN", "true": "TRUE", "false": "FALSE"},
}


@dataclass
class Migration:
    version: int
    name: str
    module: object


class Context:
    """What a migration gets: the database and `sql()` that fills in the dialect."""

    def __init__(self, database):
        self.db = database
        self.dialect = "postgresql" if _is_postgres(database) else "sqlite"

    def sql(self, script: str) -> None:
        for statement in script.format(**_DIALECTS[self.dialect]).split(";"):
            if statement.strip():
                self.db.execute_sql(statement)


def available() -> list[Migration]:
    found = []
    for path in sorted(_DIR.iterdir()):
        match = _NAME.match(path.name)
        if match:
            module = importlib.import_module(f"migrations.{path.stem}")
            found.append(Migration(int(match[1]), match[2], module))
    return found


def _is_postgres(database) -> bool:
    return isinstance(getattr(database, "obj", database), PostgresqlDatabase)  # a proxy too


def _ensure_version_table(database) -> None:
    ts = "TIMESTAMP" if _is_postgres(database) else "DATETIME"
    database.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        f"version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at {ts} NOT NULL)")


def current_version(database) -> int:
    _ensure_version_table(database)
    row = database.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
    return row[0] or 0


def latest_version() -> int:
    return max((m.version for m in available()), default=0)


class NewerDatabase(Exception):
    """The database was migrated by newer code than this: running would break it."""


def pending(database) -> list[Migration]:
    """The migrations this code has that the database has not had yet."""
    done = current_version(database)
    return [m for m in available() if m.version > done]


def upgrade(database, target: int | None = None) -> list[Migration]:
    """Apply every migration above the recorded version (up to `target`); refuse a database
    newer than the code."""
    done = current_version(database)
    if done > latest_version():
        raise NewerDatabase(f"the database is at schema version {done}, this code knows {latest_version()}: "
                            "upgrade the code (git pull) instead")
    applied = []
    for migration in available():
        if migration.version <= done or (target is not None and migration.version > target):
            continue
        with database.atomic():
            migration.module.upgrade(Context(database))
            database.execute_sql(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)"
                .replace("%s", database.param),
                (migration.version, migration.name, utcnow()))
        applied.append(migration)
    return applied
