"""Build ISO 2709 bytes by hand, so tests can make exactly the damage real catalogues carry.

pymarc refuses to write what we need to read: text in one charset under a leader that claims
another, records over 99,999 bytes (offsets wrapped to five digits), broken leaders.
"""

from __future__ import annotations

FT, SF, RT = b"\x1e", b"\x1f", b"\x1d"


def field(tag: str, *subfields: tuple[str, str], ind: str = "  ") -> tuple[str, object]:
    return tag, (ind, list(subfields))


def control(tag: str, data: str) -> tuple[str, object]:
    return tag, data


def iso2709(
    fields: list[tuple[str, object]],
    charset: str = "a",
    encode=lambda text: text.encode("utf-8"),
    status: str = "n",
) -> bytes:
    """One record; offsets and lengths wrap to their digit counts like careless exporters do."""
    bodies = []
    for tag, value in fields:
        if isinstance(value, str):
            bodies.append((tag, encode(value) + FT))
        else:
            ind, subs = value
            data = ind.encode("ascii") + b"".join(SF + c.encode() + encode(v) for c, v in subs)
            bodies.append((tag, data + FT))
    directory, offset = b"", 0
    for tag, body in bodies:
        directory += f"{tag}{len(body) % 10000:04d}{offset % 100000:05d}".encode()
        offset += len(body)
    base = 24 + len(directory) + 1
    length = base + offset + 1
    leader = f"{length % 100000:05d}{status}am {charset}22{base:05d}   4500".encode()
    return leader + directory + FT + b"".join(body for _, body in bodies) + RT


def item(barcode: str, call: str = "", itype: str = "BK", lost: str = "", withdrawn: str = ""):
    subs = [("p", barcode), ("o", call), ("y", itype), ("1", lost), ("0", withdrawn)]
    return field("952", *[(c, v) for c, v in subs if v])


def book(title: str, author: str = "", isbns=(), items=(), subjects=(), extra=()) -> list:
    fields = [control("001", title[:12])]
    fields += [field("020", ("a", i)) for i in isbns]
    if author:
        fields.append(field("100", ("a", author + ","), ind="1 "))
    fields.append(field("245", ("a", title + " /"), ind="10"))
    fields += [field("650", ("a", s + "."), ind=" 0") for s in subjects]
    fields += list(extra)
    fields += list(items)
    return fields
