"""The history of a shared bin's shares (audit #22, 4): each set of custom shares, or the
return to equal shares when a member leaves, from the day it applies; an emptying is billed
with the shares in force on its day. Custom shares set before this are taken to apply from
the bin's start."""


def upgrade(m):
    m.sql("""
CREATE TABLE shared_bin_share (
    id {pk},
    shared_bin_id INTEGER NOT NULL REFERENCES shared_bin (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES shared_bin_member (id) ON DELETE CASCADE,
    valid_from DATE NOT NULL,
    share_percent DECIMAL(6, 2)
);
CREATE UNIQUE INDEX shared_bin_share_member_valid_from ON shared_bin_share (member_id, valid_from);
CREATE INDEX shared_bin_share_shared_bin_id ON shared_bin_share (shared_bin_id);
INSERT INTO shared_bin_share (shared_bin_id, member_id, valid_from, share_percent)
SELECT b.id, mb.id, b.start_date, mb.share_percent
FROM shared_bin b JOIN shared_bin_member mb ON mb.shared_bin_id = b.id
WHERE b.split = 'custom' AND mb.share_percent IS NOT NULL
""")
