"""Backups while the app writes, and restoring one into an empty instance (part of #15)."""
import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

import backup
import migrations
from models import AuditLog, Customer, Property, db
from tests import factories
from tests.conftest import POSTGRES_URL, login, make_app

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="the SQLite online backup (pg_dump is documented)")


def test_a_backup_under_write_load_restores_into_an_empty_instance(tmp_path):
    app = make_app(tmp_path / "live")
    with app.app_context(), db.connection_context():
        for _ in range(20):
            factories.resident()
        before = AuditLog.select().count()
        AuditLog.insert_many([{"action": "load", "object_type": "x", "object_id": str(n)} for n in range(500)]).execute()
        before += 500
    stop = threading.Event()
    written = []

    def writer():  # the app keeps writing during the backup
        with app.app_context(), db.connection_context():
            n = 0
            while not stop.is_set():
                with db.atomic():
                    AuditLog.create(action="during", object_type="x", object_id=str(n))
                written.append(n)
                n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with app.app_context(), db.connection_context():
            folder = backup.make_backup(db, app.instance_path, str(tmp_path / "backups"), keep=5)
    finally:
        stop.set()
        thread.join()
    assert written, "the writer ran during the backup"
    manifest = json.loads((folder / "manifest.json").read_text())
    copy = sqlite3.connect(folder / "kotipiha.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = [i for (i,) in copy.execute("SELECT id FROM audit_log ORDER BY id")]
    assert len(ids) >= before and ids == list(range(1, len(ids) + 1))  # one moment: no gap, nothing torn
    assert manifest["rows"]["audit_log"] == len(ids) and manifest["schema_version"] == migrations.latest_version()
    assert (folder / "secret_key").exists() or not (Path(app.instance_path) / "secret_key").exists()

    fresh = make_app(tmp_path / "fresh", SECRET_KEY=None)
    result = fresh.test_cli_runner().invoke(args=["restore", str(folder), "--yes"])
    assert result.exit_code == 0, result.output
    with fresh.app_context(), db.connection_context():
        assert AuditLog.select().count() == len(ids)
        assert Customer.select().count() == manifest["rows"]["customer"] == 20
        assert Property.select().count() == manifest["rows"]["property"]
    restored = sqlite3.connect(Path(tmp_path / "fresh" / "kotipiha.sqlite3"))
    for table, count in manifest["rows"].items():
        assert restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == count, table


def test_restore_refuses_a_damaged_or_newer_backup_and_old_backups_are_pruned(tmp_path):
    app = make_app(tmp_path / "live")
    with app.app_context(), db.connection_context():
        folders = [backup.make_backup(db, app.instance_path, str(tmp_path / "b"), keep=2) for _ in range(3)]
    assert [p.name for p in backup.backups(str(tmp_path / "b"))] == [folders[2].name, folders[1].name]
    newer = tmp_path / "newer"
    shutil.copytree(folders[2], newer)
    with sqlite3.connect(newer / "kotipiha.sqlite3") as conn:
        conn.execute("INSERT INTO schema_version VALUES (999, 'future', '2030-01-01')")
    with app.app_context(), pytest.raises(backup.BackupError, match="newer than this code"):
        backup.restore(str(newer), db, app.instance_path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with app.app_context(), pytest.raises(Exception):
        backup.restore(str(junk), db, app.instance_path)
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "missing"), "--yes"])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_the_jobs_page_shows_the_last_backup(tmp_path):
    app = make_app(tmp_path / "live")
    with app.app_context(), db.connection_context():
        staff = factories.staff()
        backup.make_backup(db, app.instance_path, app.config["BACKUP_DIR"], keep=3)
    client = app.test_client()
    login(client, staff.username)
    page = client.get("/staff/jobs").get_data(as_text=True)
    assert "Viimeisin varmuuskopio" in page and "backups/kotipiha-" in page


def test_db_upgrade_backs_up_first_and_refuses_a_newer_database(tmp_path):
    from app import create_app
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context(), db.connection_context():
        migrations.upgrade(db, target=migrations.latest_version() - 1)  # a database of the previous release
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "backup before upgrading" in result.output
    [folder] = backup.backups(app.config["BACKUP_DIR"])
    assert json.loads((folder / "manifest.json").read_text())["schema_version"] == migrations.latest_version() - 1
    assert runner.invoke(args=["db", "upgrade"]).output.strip().endswith(f"version {migrations.latest_version()}")
    assert len(backup.backups(app.config["BACKUP_DIR"])) == 1  # nothing to apply: no backup
    with sqlite3.connect(tmp_path / "old.sqlite3") as conn:
        conn.execute("INSERT INTO schema_version VALUES (999, 'future', '2030-01-01')")
    refused = runner.invoke(args=["db", "upgrade"])
    assert refused.exit_code != 0 and "upgrade the code" in refused.output


def test_flask_backup_leaves_the_folder_0700_and_every_file_0600_whatever_the_umask(tmp_path):
    import os
    import stat
    target = tmp_path / "backups"
    app = make_app(tmp_path / "live", BACKUP_DIR=str(target))
    (Path(app.instance_path) / "secret_key").write_text("s" * 64)
    old = os.umask(0o002)  # a careless shell: files 0664, folders 0775
    try:
        result = app.test_cli_runner().invoke(args=["backup"])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    [folder] = backup.backups(str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert {f.name for f in files} >= {"kotipiha.sqlite3", "manifest.json", "secret_key"}
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o600 for f in files}
