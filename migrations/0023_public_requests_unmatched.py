"""A public request is stored whatever customer number and address it names (audit #22, 12):
the answer and the work are the same for a right and a wrong pair until the emailed link is
opened, so the property and customer may be empty and the typed pair is kept."""


def upgrade(m):
    if m.dialect == "postgresql":
        m.sql("""
ALTER TABLE public_request ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE public_request ALTER COLUMN property_id DROP NOT NULL;
ALTER TABLE public_request ADD COLUMN customer_number VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE public_request ADD COLUMN street VARCHAR(255) NOT NULL DEFAULT ''
""")
        return
    m.sql("""
CREATE TABLE public_request_new (
    id {pk},
    kind VARCHAR(255) NOT NULL,
    customer_id INTEGER REFERENCES customer (id) ON DELETE CASCADE,
    property_id INTEGER REFERENCES property (id) ON DELETE CASCADE,
    customer_number VARCHAR(255) NOT NULL DEFAULT '',
    street VARCHAR(255) NOT NULL DEFAULT '',
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
INSERT INTO public_request_new (id, kind, customer_id, property_id, customer_number, street, email, phone, day,
    details, language, token_hash, expires_at, confirmed_at, result, request_key, created_at)
SELECT r.id, r.kind, r.customer_id, r.property_id, c.number, p.street, r.email, r.phone, r.day, r.details,
    r.language, r.token_hash, r.expires_at, r.confirmed_at, r.result, r.request_key, r.created_at
FROM public_request r JOIN customer c ON c.id = r.customer_id JOIN property p ON p.id = r.property_id;
DROP TABLE public_request;
ALTER TABLE public_request_new RENAME TO public_request;
CREATE UNIQUE INDEX public_request_token_hash ON public_request (token_hash);
CREATE UNIQUE INDEX public_request_request_key ON public_request (request_key);
CREATE INDEX public_request_customer_id ON public_request (customer_id);
CREATE INDEX public_request_property_id ON public_request (property_id)
""")
