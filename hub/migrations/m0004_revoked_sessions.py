"""Dashboard sessions ended by logging out: their nonce is refused until the cookie would expire."""

SQL = """
CREATE TABLE revoked_sessions (
    nonce      TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
"""
