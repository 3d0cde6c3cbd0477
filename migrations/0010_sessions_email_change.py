"""Server-side login sessions (logout, password change and "log out everywhere" end them;
a remember token is single-use), and email changes that the old address can undo."""


def upgrade(m):
    m.sql("""
CREATE TABLE user_session (
    id {pk},
    user_id INTEGER NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    token_hash VARCHAR(255) NOT NULL,
    remember {bool} NOT NULL,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL
);
CREATE UNIQUE INDEX user_session_token_hash ON user_session (token_hash);
CREATE INDEX user_session_user_id ON user_session (user_id);

CREATE TABLE email_change (
    id {pk},
    user_id INTEGER NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    old_email VARCHAR(255) NOT NULL,
    new_email VARCHAR(255) NOT NULL,
    token_hash VARCHAR(255) NOT NULL,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL,
    undone_at {ts}
);
CREATE UNIQUE INDEX email_change_token_hash ON email_change (token_hash);
CREATE INDEX email_change_user_id ON email_change (user_id);
""")
