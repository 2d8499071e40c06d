"""Guess a text file's encoding from its first bytes (UTF-8/UTF-16 BOMs, then charset-normalizer).

Chinese export tools often write GBK; GB18030 is a strict superset of GBK and GB2312, so any of the
three is read as GB18030 (a GBK guess would fail on the rarer characters GB18030 adds).
"""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import codecs

import charset_normalizer

SAMPLE_BYTES = 1 << 18
_GB_FAMILY = {"gbk", "gb2312", "gb18030", "cp936", "hz", "ms936", "euc_cn", "euccn"}


def _decodes(sample: bytes, encoding: str) -> bool:
    # An incremental decoder with final=False tolerates a character cut off at the end of the sample.
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_encoding(sample: bytes) -> str | None:
    """The encoding to read a file with, from its first bytes; ``None`` if nothing fits."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(sample, "utf-8"):
        return "utf-8"
    best = charset_normalizer.from_bytes(sample).best()
    guess = best.encoding.lower().replace("-", "_") if best is not None else ""
    if guess in _GB_FAMILY:
        return "gb18030"
    if guess:
        return guess
    return "gb18030" if _decodes(sample, "gb18030") else None
