"""What administrators set on the admin pages instead of environment variables or the
database: billing settings, collection areas with their emptying weekdays, and the days a
utility announces (an extra non-working day, a moved emptying day). A route change of an
area reaches its contracts as an approved order with the new weekday."""


def upgrade(m):
    m.sql("""
CREATE TABLE setting (
    key VARCHAR(255) NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    changed_at {ts} NOT NULL,
    changed_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE TABLE collection_area (
    id {pk},
    name VARCHAR(255) NOT NULL,
    route_weekday INTEGER NOT NULL,
    biowaste {bool} NOT NULL,
    recycling TEXT NOT NULL
);
CREATE UNIQUE INDEX collection_area_name ON collection_area (name);
CREATE TABLE calendar_exception (
    id {pk},
    day DATE NOT NULL,
    moved_to DATE,
    name_fi VARCHAR(255) NOT NULL,
    name_sv VARCHAR(255) NOT NULL,
    name_en VARCHAR(255) NOT NULL
);
CREATE UNIQUE INDEX calendar_exception_day ON calendar_exception (day);
ALTER TABLE waste_order ADD COLUMN route_weekday INTEGER
""")
