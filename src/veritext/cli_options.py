"""Option value types shared by the command groups (one definition, so `--has-loan` means the same everywhere)."""

from __future__ import annotations

from enum import StrEnum


class YesNo(StrEnum):
    """An answer the person may not know."""

    yes = "yes"
    no = "no"
    unknown = "unknown"


class Lang(StrEnum):
    """Interface language."""

    zh = "zh"
    en = "en"


class Where(StrEnum):
    """A jurisdiction Veritext has facts for."""

    CN = "CN"
    US = "US"
    UK = "UK"


def decode_input(data: bytes) -> str:
    """Standard input as text; a ``ValueError`` with one clear line when it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"standard input is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. iconv -f GB18030 -t UTF-8"
        ) from None
