"""A property's number of dwellings: the annual waste basic fee is charged per dwelling."""


def upgrade(m):
    m.sql("""
ALTER TABLE property ADD COLUMN dwellings INTEGER NOT NULL DEFAULT 1;
""")
