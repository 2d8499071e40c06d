"""Reading the report stage's data files (``veritext/data/report/``) and the text helpers they need."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from veritext.message import I18nText

__all__ = ["ReportDataError", "i18n", "load"]


class ReportDataError(ValueError):
    """A file under ``data/report/`` is malformed; the message names the file and the problem."""


@cache
def load(path: str) -> Any:
    """The parsed YAML file ``data/report/<path>`` (cached; treat it as read-only)."""
    node = resources.files("veritext").joinpath("data").joinpath("report")
    for part in path.split("/"):
        node = node.joinpath(part)
    try:
        return yaml.safe_load(node.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportDataError(f"data/report/{path}: no such file") from None
    except yaml.YAMLError as exc:
        raise ReportDataError(f"data/report/{path}: not valid YAML ({exc})") from None


def i18n(value: Any, where: str) -> I18nText:
    """``{zh, en}`` from a data file as :class:`I18nText`; both must be non-empty strings."""
    if not isinstance(value, dict):
        raise ReportDataError(f"{where}: expected {{zh, en}}, got {type(value).__name__}")
    zh, en = value.get("zh"), value.get("en")
    if not (isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip()):
        raise ReportDataError(f"{where}: both zh and en must be non-empty strings")
    return I18nText(zh=zh.strip(), en=en.strip())
