"""What `flask import` brought from the previous system: for every imported row its id in
that system, the Kotipiha object it became and the values it had, so that a second run
changes nothing, a corrected file updates, and what changed in Kotipiha since is kept."""


def upgrade(m):
    m.sql("""
CREATE TABLE import_record (
    id {pk},
    entity VARCHAR(255) NOT NULL,
    source_id VARCHAR(255) NOT NULL,
    object_id INTEGER NOT NULL,
    values_json TEXT NOT NULL,
    imported_at {ts} NOT NULL
);
CREATE UNIQUE INDEX import_record_entity_source_id ON import_record (entity, source_id);
""")
