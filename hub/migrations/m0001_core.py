"""Kiosks, enrolment, events, loans, conflicts, users, records for kiosks to pull, content files.

Times are ISO 8601 UTC text (``2026-01-31T09:15:00.123456+00:00``) so they sort as text.
"""

SQL = """
CREATE TABLE kiosks (
    kiosk_id        TEXT PRIMARY KEY,
    prison_id       TEXT NOT NULL,
    credential_hash TEXT UNIQUE,           -- sha256 of the kiosk's secret; NULL until enrolled
    enrolled_at     TEXT,
    revoked_at      TEXT,                  -- set: every call with the credential is refused
    last_seen       TEXT,
    version         TEXT,
    pending         INTEGER NOT NULL DEFAULT 0,   -- outbox size the kiosk reported last
    clock_offset_s  REAL,                  -- kiosk clock minus hub clock at the last push
    clock_synced    INTEGER,
    contiguous_seq  INTEGER NOT NULL DEFAULT 0,   -- every seq 1..this has been received
    max_seq         INTEGER NOT NULL DEFAULT 0,
    events_received INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX kiosks_prison ON kiosks(prison_id);

CREATE TABLE enrolment_tokens (
    token_hash TEXT PRIMARY KEY,
    kiosk_id   TEXT NOT NULL,
    prison_id  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

-- Every event ever accepted, exactly once (id is the kiosk's UUID).
CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    kiosk_id     TEXT NOT NULL,
    prison_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    boot_id      TEXT NOT NULL,
    type         TEXT NOT NULL,
    at           TEXT NOT NULL,            -- the kiosk's clock, as recorded
    clock_synced INTEGER NOT NULL,
    occurred_at  TEXT NOT NULL,            -- the hub's best estimate of when it happened
    time_source  TEXT NOT NULL,            -- kiosk | corrected | received
    data         TEXT NOT NULL,            -- the payload, JSON
    received_at  TEXT NOT NULL             -- the hub's clock when it arrived
);
CREATE INDEX events_kiosk_seq ON events(kiosk_id, seq);
CREATE INDEX events_prison_type_time ON events(prison_id, type, occurred_at);

-- Per boot of an unsynchronised kiosk: how far its clock was off (kiosk minus hub).
CREATE TABLE boot_offsets (
    kiosk_id    TEXT NOT NULL,
    boot_id     TEXT NOT NULL,
    offset_s    REAL NOT NULL,
    observed_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, boot_id)
);

-- Loans projected from checked_out / renewed / checked_in events.
CREATE TABLE loans (
    loan_id      TEXT PRIMARY KEY,
    prison_id    TEXT NOT NULL,
    barcode      TEXT NOT NULL,
    card         TEXT NOT NULL,
    due          TEXT,
    renewals     INTEGER NOT NULL DEFAULT 0,
    out_kiosk_id TEXT,
    out_event_id TEXT,                     -- NULL: a return arrived before its check-out
    out_at       TEXT,
    in_kiosk_id  TEXT,
    in_event_id  TEXT,                     -- NULL: still on loan
    in_at        TEXT,
    days_late    INTEGER
);
CREATE INDEX loans_open ON loans(prison_id, barcode) WHERE in_event_id IS NULL;
CREATE INDEX loans_prison_out ON loans(prison_id, out_at);

-- Things a librarian must look at; never deleted, only resolved.
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY,
    prison_id   TEXT NOT NULL,
    kiosk_id    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,  -- copy_already_on_loan | return_without_open_loan | ...
    barcode     TEXT,
    loan_id     TEXT,
    detail      TEXT NOT NULL,  -- JSON
    detected_at TEXT NOT NULL,
    resolved_at TEXT,
    resolution  TEXT
);
CREATE INDEX conflicts_open ON conflicts(prison_id) WHERE resolved_at IS NULL;
CREATE INDEX conflicts_loan ON conflicts(loan_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,           -- scrypt$n$r$p$salt$hash (base64)
    role          TEXT NOT NULL CHECK (role IN ('admin', 'librarian', 'viewer')),
    prison_id     TEXT,                    -- NULL: every prison (admins)
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);

-- Current catalogue, patrons, rules and published content per prison; kiosks pull the rows
-- whose change_seq is above their cursor. record NULL = deleted (a tombstone kiosks must see).
CREATE TABLE records (
    prison_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,  -- title | copy | patron | rule | content
    key        TEXT NOT NULL,
    record     TEXT,
    change_seq INTEGER NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (prison_id, kind, key)
);
CREATE UNIQUE INDEX records_feed ON records(prison_id, change_seq);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters(name, value) VALUES ('change_seq', 0);

-- Original content files (EPUB, PDF, audio), stored once by sha256 under content/.
CREATE TABLE content_files (
    sha256        TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,
    media_type    TEXT NOT NULL,
    original_name TEXT NOT NULL,
    stored_at     TEXT NOT NULL
);
"""
