"""Opening the database named by DATABASE_URL, one connection per request."""
from __future__ import annotations

from playhouse.db_url import connect

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


def open_database(url: str):
    if url.startswith("sqlite"):
        database = connect(url, pragmas=SQLITE_PRAGMAS, timeout=10)
    else:
        database = connect(url)
    db.initialize(database)
    return database


def init_app(app) -> None:
    open_database(app.config["DATABASE_URL"])

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()
