"""An OPDS 1.2 acquisition feed (Atom) of approved content, for e-readers on the prison LAN.

Lists only approved items (``hub.approvals``); each entry links to ``/opds/files/<sha256>``.
Built with ElementTree so every title is escaped. No FastAPI here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from hub.clock import iso

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
ET.register_namespace("", ATOM)
ET.register_namespace("dc", DC)
ET.register_namespace("opds", OPDS)


def _sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def feed(items: list[dict], base_url: str, now: datetime, title: str = "Bannalai") -> bytes:
    root = ET.Element(f"{{{ATOM}}}feed")
    _sub(root, f"{{{ATOM}}}id", "urn:bannalai:opds:approved")
    _sub(root, f"{{{ATOM}}}title", title)
    updated = max((i["approved_at"] for i in items), default=iso(now))
    _sub(root, f"{{{ATOM}}}updated", updated)
    _sub(root, f"{{{ATOM}}}author").append(_name("Bannalai hub"))
    _sub(root, f"{{{ATOM}}}link", rel="self", href=f"{base_url}/opds", type=ACQUISITION)
    _sub(root, f"{{{ATOM}}}link", rel="start", href=f"{base_url}/opds", type=ACQUISITION)
    for item in items:
        entry = _sub(root, f"{{{ATOM}}}entry")
        _sub(entry, f"{{{ATOM}}}id", f"urn:sha256:{item['sha256']}")
        _sub(entry, f"{{{ATOM}}}title", item["title"])
        _sub(entry, f"{{{ATOM}}}updated", item["approved_at"])
        _sub(entry, f"{{{DC}}}language", item["language"])
        if item["category"]:
            _sub(entry, f"{{{ATOM}}}category", term=item["category"], label=item["category"])
        if item["licence"]:
            _sub(entry, f"{{{ATOM}}}rights", item["licence"])
        _sub(
            entry, f"{{{ATOM}}}link", rel="http://opds-spec.org/acquisition/open-access",
            href=f"{base_url}/opds/files/{item['sha256']}", type=item["media_type"],
            length=str(item["size"]),
        )  # fmt: skip
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _name(text: str) -> ET.Element:
    el = ET.Element(f"{{{ATOM}}}name")
    el.text = text
    return el
