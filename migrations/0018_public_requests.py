"""E-form requests without an account, confirmed by email."""


def upgrade(m):
    m.sql("""
CREATE TABLE public_request (
    id {pk},
    kind VARCHAR(255) NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
    property_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    email VARCHAR(255) NOT NULL,
    phone VARCHAR(255) NOT NULL,
    day DATE,
    details TEXT NOT NULL,
    language VARCHAR(255) NOT NULL,
    token_hash VARCHAR(255) NOT NULL,
    expires_at {ts} NOT NULL,
    confirmed_at {ts},
    result VARCHAR(255) NOT NULL,
    request_key VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX public_request_token_hash ON public_request (token_hash);
CREATE UNIQUE INDEX public_request_request_key ON public_request (request_key);
CREATE INDEX public_request_customer_id ON public_request (customer_id);
CREATE INDEX public_request_property_id ON public_request (property_id);
""")
