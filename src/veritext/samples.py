"""Demonstration messages for ``veritext demo`` (written by the team; see data/samples.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from veritext.datafiles import load_yaml
from veritext.message import Context, I18nText


@dataclass(frozen=True, slots=True)
class Sample:
    """One demonstration message with what the person answered."""

    title: I18nText
    text: str
    sender: str | None
    context: Context


def _load() -> tuple[Sample, ...]:
    raw = load_yaml(resources.files("veritext").joinpath("data/samples.yaml").read_text(encoding="utf-8"))
    return tuple(
        Sample(
            title=I18nText(**item["title"]),
            text=str(item["text"]),
            sender=item.get("sender"),
            context=Context(**item.get("context", {})),
        )
        for item in raw
    )


SAMPLES = _load()
