"""Catalogue, patron and rule records: the columns librarians import and the hub sends on.

The same models validate a row of a kiosk import, a row of a hub import and a record in a pull
response, so a field means the same thing everywhere. ``Change`` is one pulled change.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Barcode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[\x21-\x7e]+$"
    ),
]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]

PATRON_STATUSES = ("active", "transferred", "released")
COPY_STATUSES = ("available", "on_loan", "lost", "withdrawn")

CATALOG_COLUMNS = ("barcode", "title", "title_latin", "author", "isbn", "category", "reading_level")
CATALOG_REQUIRED = ("barcode", "title")
PATRON_COLUMNS = ("card", "detainee_no", "name", "name_latin", "category", "cell")
PATRON_REQUIRED = ("card", "name")


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TitleRecord(_Record):
    title_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    title_latin: Short = ""
    author: Short = ""
    isbn: Word = ""
    category: Word = ""
    reading_level: Word = ""
    cover: Short = ""


class CopyRecord(_Record):
    barcode: Barcode
    title_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    item_type: Word = "book"
    location: Short = ""
    status: Literal["available", "on_loan", "lost", "withdrawn"] = "available"


class PatronRecord(_Record):
    card: Barcode
    detainee_no: Word = ""
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    name_latin: Short = ""
    category: Word = "adult"
    cell: Word = ""
    status: Literal["active", "transferred", "released"] = "active"

    @field_validator("category")
    @classmethod
    def _default_category(cls, value: str) -> str:
        return value or "adult"


class RuleRecord(_Record):
    """A row of the circulation matrix; ``*`` matches any patron category or item type."""

    patron_category: Word = "*"
    item_type: Word = "*"
    loan_days: int = Field(default=14, ge=1, le=365)
    max_loans: int = Field(default=3, ge=0, le=100)
    max_renewals: int = Field(default=1, ge=0, le=20)


class Change(BaseModel):
    """One change pulled from the hub; ``record`` None means the record was deleted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["title", "copy", "patron", "rule"]
    key: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    record: dict | None


def title_id_for(isbn: str, title: str, author: str) -> str:
    """A stable title identity: the ISBN when there is one, else a hash of title and author."""
    if isbn:
        return f"isbn:{isbn}"
    digest = hashlib.sha256(f"{title.strip()}\x1f{author.strip()}".encode()).hexdigest()
    return f"t:{digest[:16]}"
