"""Uploaded e-books and audio waiting for approval, and publishing approved ones to a prison.

The file itself is in the hub's content store (``hub.content``); this module keeps the title and
who approved it. Only an approved item can be published to a prison's kiosks or listed in /opds.
Runs inside the writer's transaction (reads: any connection); no FastAPI.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

from hub.clock import iso
from hub.content import publish, register_file, withdraw
from hub.errors import Forbidden, Invalid, NotFound

_CONTENT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def add_item(
    conn: sqlite3.Connection, content_id: str, sha256: str, size: int, filename: str,
    title: str, category: str, licence: str, language: str, user: str, now: datetime,
) -> None:  # fmt: skip
    if not _CONTENT_ID.match(content_id):
        raise Invalid("content id: letters, digits, '.', '_' or '-', at most 64")
    title = title.strip()
    if not title or len(title) > 300:
        raise Invalid("a title of 1-300 characters is required")
    register_file(conn, sha256, size, filename, now)
    if conn.execute("SELECT 1 FROM content_items WHERE content_id=?", (content_id,)).fetchone():
        raise Invalid(f"content id {content_id} is already used")
    conn.execute(
        "INSERT INTO content_items(content_id, sha256, title, category, licence, language,"
        " uploaded_by, uploaded_at) VALUES (?,?,?,?,?,?,?,?)",
        (content_id, sha256, title, category.strip()[:40], licence.strip()[:300],
         language if language in ("km", "en", "fr") else "km", user, iso(now)),
    )  # fmt: skip


def approve(conn: sqlite3.Connection, content_id: str, user: str, now: datetime) -> None:
    cur = conn.execute(
        "UPDATE content_items SET approved_by=?, approved_at=? WHERE content_id=?",
        (user, iso(now), content_id),
    )
    if cur.rowcount == 0:
        raise NotFound(f"no content {content_id}")


def publish_item(conn: sqlite3.Connection, content_id: str, prison_id: str, now: datetime) -> None:
    item = get_item(conn, content_id)
    if item["approved_at"] is None:
        raise Forbidden("approve this item before publishing it")
    publish(conn, prison_id, content_id, item["sha256"], now, title=item["title"],
            category=item["category"], licence=item["licence"])  # fmt: skip


def withdraw_item(conn: sqlite3.Connection, content_id: str, prison_id: str, now: datetime) -> None:
    get_item(conn, content_id)
    withdraw(conn, prison_id, content_id, now)


def get_item(conn: sqlite3.Connection, content_id: str) -> dict:
    row = conn.execute(
        "SELECT i.*, f.size, f.media_type, f.original_name FROM content_items i"
        " JOIN content_files f ON f.sha256=i.sha256 WHERE i.content_id=?",
        (content_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no content {content_id}")
    return dict(row)


def list_items(conn: sqlite3.Connection, *, approved_only: bool = False) -> list[dict]:
    sql = (
        "SELECT i.*, f.size, f.media_type, f.original_name FROM content_items i"
        " JOIN content_files f ON f.sha256=i.sha256"
    )
    if approved_only:
        sql += " WHERE i.approved_at IS NOT NULL"
    return [dict(r) for r in conn.execute(sql + " ORDER BY i.uploaded_at DESC")]


def published_to(conn: sqlite3.Connection, prison_id: str) -> set[str]:
    rows = conn.execute(
        "SELECT key FROM records WHERE prison_id=? AND kind='content' AND record IS NOT NULL",
        (prison_id,),
    )
    return {r[0] for r in rows}
