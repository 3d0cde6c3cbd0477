"""Area collection points: the points, where a property is and the point it is assigned
to, and a support thread about a point with a photo on its message."""


def upgrade(m):
    m.sql("""
CREATE TABLE collection_point (
    id {pk},
    name VARCHAR(255) NOT NULL,
    street VARCHAR(255) NOT NULL,
    municipality VARCHAR(255) NOT NULL,
    latitude DECIMAL(9, 6) NOT NULL,
    longitude DECIMAL(9, 6) NOT NULL,
    fractions VARCHAR(255) NOT NULL,
    emptying_weekdays VARCHAR(255) NOT NULL,
    active BOOLEAN NOT NULL
);
ALTER TABLE property ADD COLUMN latitude DECIMAL(9, 6);
ALTER TABLE property ADD COLUMN longitude DECIMAL(9, 6);
ALTER TABLE property ADD COLUMN collection_point_id INTEGER REFERENCES collection_point (id) ON DELETE SET NULL;
CREATE INDEX property_collection_point_id ON property (collection_point_id);
ALTER TABLE support_thread ADD COLUMN collection_point_id INTEGER REFERENCES collection_point (id) ON DELETE SET NULL;
ALTER TABLE support_message ADD COLUMN attachment VARCHAR(255);
""")
