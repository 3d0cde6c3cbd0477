"""Migrations: numbered, recorded, repeatable, and matching the models."""
import pytest
from peewee import IntegrityError, OperationalError, SqliteDatabase

import migrations
from models import ALL_MODELS, db
from tests.conftest import POSTGRES_URL


def test_fresh_database_is_migrated_to_the_latest_version(app):
    assert migrations.current_version(db) == migrations.latest_version() >= 1
    rows = db.execute_sql("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [m.version for m in migrations.available()]


def test_upgrade_twice_applies_nothing_the_second_time(app):
    assert migrations.upgrade(db) == []


def test_every_model_matches_its_migrated_table(app):
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {c.name: c for c in db.get_columns(table)}
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        assert set(columns) == set(fields), table
        for name, field in fields.items():
            assert columns[name].null == field.null, f"{table}.{name} nullability"
        unique_db = {tuple(i.columns) for i in db.get_indexes(table) if i.unique}
        for name, field in fields.items():
            if field.unique:
                assert (name,) in unique_db, f"{table}.{name} should be unique"
        for fields_, unique in model._meta.indexes:
            if unique:
                columns_ = tuple(model._meta.fields[f].column_name for f in fields_)
                assert columns_ in unique_db, f"{table}{columns_} should be unique"


def test_a_failing_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    database = SqliteDatabase(str(tmp_path / "broken.sqlite3"))
    migrations.upgrade(database)
    version = migrations.current_version(database)

    class Broken:
        @staticmethod
        def upgrade(m):
            m.sql("CREATE TABLE half_done (id {pk}); SELECT * FROM no_such_table")

    real = migrations.available()
    monkeypatch.setattr(migrations, "available",
                        lambda: real + [migrations.Migration(version + 1, "broken", Broken)])
    with pytest.raises(OperationalError, match="no_such_table"):
        migrations.upgrade(database)
    assert migrations.current_version(database) == version
    assert "half_done" not in database.get_tables()


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite pragmas")
def test_sqlite_is_tuned_for_a_server(app, tmp_path):
    pragma = lambda name: db.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") >= 5000
    assert pragma("synchronous") == 1  # NORMAL


def test_foreign_keys_are_enforced(app):
    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        db.execute_sql("INSERT INTO property (customer_id, street, postal_code, post_office, "
                       "municipality, collection_area, building_type, occupancy, created_at) "
                       "VALUES (999999, 'x', 'x', 'x', 'x', 'x', 'x', 'x', '2024-01-01')")


def test_cli_upgrade_reports_the_version(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0
    assert f"database at version {migrations.latest_version()}" in result.output
