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
