"""Dashboard state: content approval, patron departures, national figures from bundles.

Also an index so figures over every prison for one month do not scan the whole events table.
Times are ISO 8601 UTC text, as in m0001.
"""

SQL = """
CREATE INDEX events_type_time ON events(type, occurred_at);

-- Uploaded e-books and audio; only approved items may be published or listed in /opds.
CREATE TABLE content_items (
    content_id  TEXT PRIMARY KEY,
    sha256      TEXT NOT NULL REFERENCES content_files(sha256),
    title       TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    licence     TEXT NOT NULL DEFAULT '',
    language    TEXT NOT NULL DEFAULT 'km',
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    approved_by TEXT,
    approved_at TEXT
);

-- A patron marked transferred or released; reading history is purged once purge_after passes.
CREATE TABLE patron_departures (
    prison_id   TEXT NOT NULL,
    card        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('transferred', 'released')),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    open_loans  INTEGER NOT NULL,
    loans       TEXT NOT NULL CHECK (loans IN ('closed', 'flagged')),
    purge_after TEXT,
    purged_at   TEXT,
    PRIMARY KEY (prison_id, card)
);

-- National hub: one prison's figures for one month, from the newest signed bundle.
CREATE TABLE national_figures (
    prison_id     TEXT NOT NULL,
    month         TEXT NOT NULL,
    figures       TEXT NOT NULL,
    bundle_sha256 TEXT NOT NULL,
    generated_at  TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    PRIMARY KEY (prison_id, month)
);

CREATE TABLE imported_bundles (
    bundle_sha256 TEXT PRIMARY KEY,
    prison_id     TEXT NOT NULL,
    month         TEXT NOT NULL,
    imported_at   TEXT NOT NULL
);
"""
