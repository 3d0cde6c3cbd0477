"""Backups of the database and the instance secrets, and restoring one (part of #15).

`make_backup` writes a folder `kotipiha-YYYYMMDD-HHMMSS` into the backup directory:
- `kotipiha.sqlite3`, a consistent copy made with SQLite's online backup API while the app
  runs and writes (each step copies pages under a read lock; a write during the copy
  restarts it, so what is copied is one moment of the database), checked with
  `PRAGMA integrity_check`;
- for PostgreSQL `kotipiha.dump` from `pg_dump --format=custom` (restore it with
  `pg_restore --clean --dbname=…`, see the README);
- `secret_key` and `vapid.pem` from the instance folder (sessions, unsubscribe links and
  the installed apps' push subscriptions need them after a restore);
- `manifest.json`: when, the schema version, and the row count of every table.
The newest BACKUP_KEEP folders are kept, older ones removed.

`restore` (SQLite) checks the copy's integrity and its schema version (not newer than this
code) before it replaces the database's contents, then brings the schema up to date.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from peewee import PostgresqlDatabase

import migrations
from domain.backups import PREFIX, backups
from models.clock import now

SECRETS = ("secret_key", "vapid.pem")
DB_FILE = "kotipiha.sqlite3"


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason for the operator."""


def _real(database):
    """The database behind peewee's proxy."""
    return database.obj if hasattr(database, "obj") else database


def _sqlite_path(database) -> Path:
    return Path(_real(database).database)


def _row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [t for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'sorting_search_%' ORDER BY name")]
    return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def make_backup(database, instance_path: str, target_dir: str, keep: int) -> Path:
    """A consistent copy of the database and the instance secrets in a new folder of
    `target_dir`; the newest `keep` folders stay."""
    stamp = now().strftime("%Y%m%d-%H%M%S")
    folder = Path(target_dir) / f"{PREFIX}{stamp}"
    n = 1
    while folder.exists():  # two backups within a second
        n += 1
        folder = Path(target_dir) / f"{PREFIX}{stamp}-{n}"
    partial = folder.with_name(folder.name + ".partial")
    _private_dir(Path(target_dir))
    partial.mkdir(mode=0o700)
    partial.chmod(0o700)
    manifest = {"created_at": now().isoformat(), "code_schema_version": migrations.latest_version()}
    if isinstance(_real(database), PostgresqlDatabase):
        _private_file(partial / "kotipiha.dump")
        _pg_dump(database, partial / "kotipiha.dump")
        manifest["database"] = "postgresql"
    else:
        source = sqlite3.connect(_sqlite_path(database), timeout=30)
        _private_file(partial / DB_FILE)  # SQLite keeps the mode of a file that exists
        target = sqlite3.connect(partial / DB_FILE)
        try:
            source.backup(target, pages=256)  # in steps, so writers are never held up for long
            if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("the copy failed its integrity check")
            manifest.update(database="sqlite", schema_version=_version(target), rows=_row_counts(target))
        finally:
            target.close()
            source.close()
    for name in SECRETS:
        if (Path(instance_path) / name).exists():
            shutil.copy2(Path(instance_path) / name, partial / name)
            (partial / name).chmod(0o600)
    _private_file(partial / "manifest.json")
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    for path in partial.iterdir():  # whatever else SQLite or pg_dump left, and whatever the umask
        path.chmod(0o600)
    partial.rename(folder)  # a folder without ".partial" is always complete
    prune(target_dir, keep)
    return folder


def _private_dir(path: Path) -> None:
    """The backup folder: only the app's user may enter it (password hashes and the secret
    key are inside), whatever the umask."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid():
        path.chmod(0o700)


def _private_file(path: Path) -> None:
    """An empty file only the app's user may read, made before anything is written to it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    path.chmod(0o600)


def _version(conn: sqlite3.Connection) -> int:
    try:
        return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
    except sqlite3.DatabaseError:
        raise BackupError("the file has no schema version: it is not a Kotipiha database") from None


def _pg_dump(database, path: Path) -> None:
    if not shutil.which("pg_dump"):
        raise BackupError("pg_dump is not installed (Debian: postgresql-client)")
    obj = _real(database)
    params = obj.connect_params
    env = {"PGPASSWORD": str(params.get("password") or "")}
    command = ["pg_dump", "--format=custom", f"--file={path}", f"--dbname={obj.database}"]
    for key, flag in (("host", "--host"), ("port", "--port"), ("user", "--username")):
        if params.get(key):
            command.append(f"{flag}={params[key]}")
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")


def prune(target_dir: str, keep: int) -> None:
    for old in backups(target_dir)[max(keep, 1):]:
        shutil.rmtree(old)


def restore(source: str, database, instance_path: str) -> dict:
    """Replace the SQLite database's contents with a backup (a folder from make_backup or a
    .sqlite3 file), after checking it; copy its secrets into an instance without them.
    Returns the backup's manifest (or what was read of the file)."""
    obj = _real(database)
    if isinstance(obj, PostgresqlDatabase):
        raise BackupError("restore a PostgreSQL backup with pg_restore (see the README)")
    path = Path(source)
    folder = path if path.is_dir() else path.parent
    file = path / DB_FILE if path.is_dir() else path
    if not file.exists():
        raise BackupError(f"{file} does not exist")
    copy = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the backup failed its integrity check")
        version = _version(copy)
        if version > migrations.latest_version():
            raise BackupError(f"the backup is of schema version {version}, newer than this code "
                              f"({migrations.latest_version()}): upgrade the code first")
        rows = _row_counts(copy)
        live = sqlite3.connect(_sqlite_path(obj), timeout=30)
        try:
            copy.backup(live)  # replaces every page of the live database, as one write
        finally:
            live.close()
    finally:
        copy.close()
    for name in SECRETS:
        if (folder / name).exists() and not (Path(instance_path) / name).exists():
            shutil.copy2(folder / name, Path(instance_path) / name)
    with obj.connection_context():
        migrations.upgrade(obj)
    return {"schema_version": version, "rows": rows}
