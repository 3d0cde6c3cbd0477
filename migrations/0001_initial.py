"""The core: customers, users, properties, waste contracts, prices, water, invoices, mail, audit."""


def upgrade(m):
    m.sql("""
CREATE TABLE customer (
    id {pk},
    number VARCHAR(255) NOT NULL,
    kind VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL,
    business_id VARCHAR(255),
    language VARCHAR(255) NOT NULL,
    email VARCHAR(255),
    phone VARCHAR(255),
    billing_name VARCHAR(255) NOT NULL,
    billing_street VARCHAR(255) NOT NULL,
    billing_postal_code VARCHAR(255) NOT NULL,
    billing_post_office VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX customer_number ON customer (number);

CREATE TABLE "user" (
    id {pk},
    customer_id INTEGER REFERENCES customer (id) ON DELETE SET NULL,
    username VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    first_name VARCHAR(255) NOT NULL,
    last_name VARCHAR(255) NOT NULL,
    phone VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(255) NOT NULL,
    language VARCHAR(255) NOT NULL,
    session_version INTEGER NOT NULL,
    active {bool} NOT NULL,
    terms_accepted_at {ts},
    created_at {ts} NOT NULL,
    last_login_at {ts}
);
CREATE UNIQUE INDEX user_username ON "user" (username);
CREATE UNIQUE INDEX user_email ON "user" (email);
CREATE INDEX user_customer_id ON "user" (customer_id);

CREATE TABLE property (
    id {pk},
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
    street VARCHAR(255) NOT NULL,
    postal_code VARCHAR(255) NOT NULL,
    post_office VARCHAR(255) NOT NULL,
    municipality VARCHAR(255) NOT NULL,
    collection_area VARCHAR(255) NOT NULL,
    building_type VARCHAR(255) NOT NULL,
    occupancy VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX property_customer_id ON property (customer_id);

CREATE TABLE waste_contract (
    id {pk},
    property_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    waste_type VARCHAR(255) NOT NULL,
    bin_size INTEGER NOT NULL,
    bin_count INTEGER NOT NULL,
    interval_weeks INTEGER NOT NULL,
    route_weekday INTEGER NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE
);
CREATE INDEX waste_contract_property_id ON waste_contract (property_id);

CREATE TABLE price_list_row (
    id {pk},
    component VARCHAR(255) NOT NULL,
    waste_type VARCHAR(255),
    bin_size INTEGER,
    meter_size VARCHAR(255),
    unit VARCHAR(255) NOT NULL,
    unit_price DECIMAL(12, 4) NOT NULL,
    vat_rate DECIMAL(5, 2) NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE
);
CREATE INDEX price_list_row_component ON price_list_row (component, valid_from);

CREATE TABLE consumption_point (
    id {pk},
    number VARCHAR(255) NOT NULL,
    property_id INTEGER NOT NULL REFERENCES property (id) ON DELETE CASCADE,
    customer_class VARCHAR(255) NOT NULL,
    billing_group VARCHAR(255) NOT NULL,
    persons INTEGER NOT NULL,
    annual_estimate_m3 INTEGER
);
CREATE UNIQUE INDEX consumption_point_number ON consumption_point (number);
CREATE INDEX consumption_point_property_id ON consumption_point (property_id);

CREATE TABLE meter (
    id {pk},
    point_id INTEGER NOT NULL REFERENCES consumption_point (id) ON DELETE CASCADE,
    number VARCHAR(255) NOT NULL,
    size VARCHAR(255) NOT NULL,
    kind VARCHAR(255) NOT NULL,
    installed_on DATE NOT NULL,
    removed_on DATE,
    start_reading INTEGER NOT NULL
);
CREATE UNIQUE INDEX meter_number ON meter (number);
CREATE INDEX meter_point_id ON meter (point_id);

CREATE TABLE reading (
    id {pk},
    meter_id INTEGER NOT NULL REFERENCES meter (id) ON DELETE CASCADE,
    read_on DATE NOT NULL,
    value INTEGER NOT NULL,
    source VARCHAR(255) NOT NULL,
    status VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX reading_meter_id_read_on ON reading (meter_id, read_on);

CREATE TABLE invoice (
    id {pk},
    customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
    number VARCHAR(255) NOT NULL,
    reference VARCHAR(255) NOT NULL,
    kind VARCHAR(255) NOT NULL,
    invoice_date DATE NOT NULL,
    due_date DATE NOT NULL,
    period_start DATE,
    period_end DATE,
    total DECIMAL(12, 2) NOT NULL,
    status VARCHAR(255) NOT NULL
);
CREATE UNIQUE INDEX invoice_number ON invoice (number);
CREATE UNIQUE INDEX invoice_reference ON invoice (reference);
CREATE INDEX invoice_customer_id_invoice_date ON invoice (customer_id, invoice_date);

CREATE TABLE outbox (
    id {pk},
    recipient VARCHAR(255) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    message_id VARCHAR(255) NOT NULL,
    kind VARCHAR(255) NOT NULL,
    language VARCHAR(255) NOT NULL,
    status VARCHAR(255) NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at {ts} NOT NULL,
    last_error TEXT,
    created_at {ts} NOT NULL,
    sent_at {ts}
);
CREATE UNIQUE INDEX outbox_message_id ON outbox (message_id);
CREATE INDEX outbox_status_next_attempt_at ON outbox (status, next_attempt_at);

CREATE TABLE audit_log (
    id {pk},
    created_at {ts} NOT NULL,
    actor_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    action VARCHAR(255) NOT NULL,
    object_type VARCHAR(255) NOT NULL,
    object_id VARCHAR(255),
    before_json TEXT,
    after_json TEXT,
    ip VARCHAR(255)
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
CREATE INDEX audit_log_actor_id ON audit_log (actor_id);

CREATE TABLE login_attempt (
    id {pk},
    created_at {ts} NOT NULL,
    login VARCHAR(255) NOT NULL,
    ip VARCHAR(255) NOT NULL,
    success {bool} NOT NULL
);
CREATE INDEX login_attempt_created_at ON login_attempt (created_at);
CREATE INDEX login_attempt_login ON login_attempt (login);
CREATE INDEX login_attempt_ip ON login_attempt (ip);

CREATE TABLE password_reset (
    id {pk},
    user_id INTEGER NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    token_hash VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL,
    used_at {ts}
);
CREATE UNIQUE INDEX password_reset_token_hash ON password_reset (token_hash);
CREATE INDEX password_reset_user_id ON password_reset (user_id);
""")
