"""The message text inside an iOS ``attributedBody`` blob (an NSArchiver "typedstream").

Newer iOS versions leave ``message.text`` NULL and keep the text only in ``attributedBody``, an
archived ``NSAttributedString``. No installable PyPI reader fits (dependencies.md §6), and the text is
the first string after the ``NSString`` class record: ``… NSString <version> … 0x84 0x01 '+' <length>
<UTF-8 bytes>``. Lengths use typedstream's integer encoding: one byte below 0x80, ``0x81`` + 2 bytes
little-endian, ``0x82`` + 4 bytes little-endian.
"""

from __future__ import annotations

_CLASS = b"NSString"
_CSTRING = b"\x84\x01+"  # "new object, 1 item, type '+' (a C string of bytes)"
_MAX_GAP = 16  # bytes between the class name and the string marker in every archive seen


def _length(blob: bytes, i: int) -> tuple[int, int] | None:
    if i >= len(blob):
        return None
    tag = blob[i]
    if tag < 0x80:
        return tag, i + 1
    if tag == 0x81 and i + 3 <= len(blob):
        return int.from_bytes(blob[i + 1 : i + 3], "little"), i + 3
    if tag == 0x82 and i + 5 <= len(blob):
        return int.from_bytes(blob[i + 1 : i + 5], "little"), i + 5
    return None


def attributed_body_text(blob: bytes | None) -> str | None:
    """The plain text of an ``attributedBody`` value, or ``None`` if it holds none we can read."""
    if not blob:
        return None
    at = blob.find(_CLASS)
    if at < 0:
        return None
    marker = blob.find(_CSTRING, at + len(_CLASS), at + len(_CLASS) + _MAX_GAP)
    if marker < 0:
        return None
    found = _length(blob, marker + len(_CSTRING))
    if found is None:
        return None
    n, start = found
    if start + n > len(blob):
        return None  # a truncated blob: better no text than half a message
    return blob[start : start + n].decode("utf-8", "replace")


def encode_attributed_body(text: str) -> bytes:
    """Build a minimal ``attributedBody`` blob holding ``text`` (the layout iOS writes; for tests and fixtures)."""
    data = text.encode("utf-8")
    n = len(data)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x10000:
        length = b"\x81" + n.to_bytes(2, "little")
    else:
        length = b"\x82" + n.to_bytes(4, "little")
    head = (
        b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00"
        b"\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94"
    )
    tail = (
        b"\x86\x84\x02iI\x01"
        + bytes([min(len(text), 0x7F)])
        + b"\x92\x84\x84\x84\x0cNSDictionary\x00\x94\x84\x01i\x00\x86\x86"
    )
    return head + _CSTRING + length + data + tail
