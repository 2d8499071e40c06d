"""A byte-stream filter that makes SMS Backup & Restore's surrogate-pair character references parseable.

The Android app writes an emoji as two UTF-16 surrogate references, ``&#55357;&#56832;`` for 😀. XML
forbids references to surrogates, so every XML parser rejects the file (dependencies.md §6). The
filter rewrites each pair into one reference to the real code point, and a lone surrogate into
U+FFFD. Each replacement is zero-padded to the exact length of what it replaces, so the line and
column of any later parse error still point at the original file.
"""

from __future__ import annotations

import re
from typing import BinaryIO

_REF = rb"&#(?:[xX][0-9A-Fa-f]{1,8}|[0-9]{1,10});"
_PAIR_OR_REF = re.compile(rb"(" + _REF + rb")(" + _REF + rb")?")
_REF_AT_END = re.compile(_REF + rb"$")
_WINDOW = 64  # longer than any pair of references, so a pair is never split between two chunks


def _value(ref: bytes) -> int:
    body = ref[2:-1]
    return int(body[1:], 16) if body[:1] in (b"x", b"X") else int(body)


def _padded(code_point: int, length: int) -> bytes:
    return b"&#" + str(code_point).zfill(length - 3).encode("ascii") + b";"


def _fix(m: re.Match[bytes]) -> bytes:
    first, second = m.group(1), m.group(2)
    hi = _value(first)
    if 0xD800 <= hi <= 0xDBFF and second is not None:
        lo = _value(second)
        if 0xDC00 <= lo <= 0xDFFF:
            return _padded(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), len(first) + len(second))
    out = _padded(0xFFFD, len(first)) if 0xD800 <= hi <= 0xDFFF else first
    if second is None:
        return out
    lo = _value(second)
    return out + (_padded(0xFFFD, len(second)) if 0xD800 <= lo <= 0xDFFF else second)


def rewrite(data: bytes) -> bytes:
    """Rewrite surrogate references in a complete piece of XML (same length in, same length out)."""
    if b"&#" not in data:
        return data
    return _PAIR_OR_REF.sub(_fix, data)


class CharRefFilter:
    """A read-only binary stream over ``raw`` with :func:`rewrite` applied, chunk by chunk.

    ``prefix`` is fed first (used to resume parsing inside a synthetic root element).
    """

    def __init__(self, raw: BinaryIO, *, prefix: bytes = b"", chunk_size: int = 1 << 16) -> None:
        self._raw = raw
        self._carry = prefix
        self._chunk = chunk_size
        self._eof = False

    def read(self, size: int = -1) -> bytes:
        """Return up to about ``max(size, chunk_size)`` filtered bytes; ``b""`` at the end."""
        while not self._eof:
            data = self._raw.read(max(size, self._chunk) if size > 0 else self._chunk)
            if not data:
                self._eof = True
                break
            buf = self._carry + data
            cut = self._safe_cut(buf)
            out, self._carry = buf[:cut], buf[cut:]
            if out:
                return rewrite(out)
        out, self._carry = self._carry, b""
        return rewrite(out)

    @staticmethod
    def _safe_cut(buf: bytes) -> int:
        """Where to split so that no reference, nor a pair of them, straddles the split."""
        start = max(0, len(buf) - _WINDOW)
        amp = buf.find(b"&", start)
        if amp < 0:
            return len(buf)
        # A complete reference just before the split may be the first half of a pair: keep it too.
        m = _REF_AT_END.search(buf, max(0, amp - 16), amp)
        return m.start() if m else amp

    def tell(self) -> int:
        """Bytes consumed from the underlying file (for progress)."""
        return self._raw.tell()
