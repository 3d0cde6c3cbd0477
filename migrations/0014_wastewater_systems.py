"""Septic and holding tanks: a property's wastewater systems and their sludge emptyings."""


def upgrade(m):
    m.sql("""
CREATE TABLE wastewater_system (
    id {pk},
    property_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    kind VARCHAR(255) NOT NULL,
    volume_m3 DECIMAL(6, 1) NOT NULL,
    chambers INTEGER NOT NULL,
    greywater_only BOOLEAN NOT NULL,
    dry_toilet BOOLEAN NOT NULL,
    access_notes TEXT NOT NULL,
    hose_distance_m INTEGER NOT NULL,
    interval_weeks INTEGER,
    last_emptied_on DATE,
    created_at {ts} NOT NULL
);
CREATE INDEX wastewater_system_property_id ON wastewater_system (property_id);

CREATE TABLE sludge_order (
    id {pk},
    system_id INTEGER NOT NULL REFERENCES wastewater_system (id) ON DELETE CASCADE,
    property_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    week DATE NOT NULL,
    status VARCHAR(255) NOT NULL,
    planned_day DATE,
    emptied_on DATE,
    emptied_m3 DECIMAL(6, 1),
    price_estimate DECIMAL(12, 2),
    extra_info TEXT NOT NULL,
    scheduled BOOLEAN NOT NULL,
    request_key VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL,
    created_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    done_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    invoice_id INTEGER REFERENCES invoice (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX sludge_order_request_key ON sludge_order (request_key);
CREATE INDEX sludge_order_system_id ON sludge_order (system_id);
CREATE INDEX sludge_order_property_id ON sludge_order (property_id);
CREATE INDEX sludge_order_week ON sludge_order (week);
CREATE INDEX sludge_order_planned_day ON sludge_order (planned_day);
""")
