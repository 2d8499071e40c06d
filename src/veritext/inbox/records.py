"""What every inbox reader yields: a message with a stable id and where it came from, and the row issues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import blake2b
from typing import Literal

from veritext.message import I18nText, Message

OnError = Literal["skip", "stop"]
ON_ERROR: tuple[str, ...] = ("skip", "stop")


@dataclass(frozen=True, slots=True)
class InboxRecord:
    """One message read from an inbox file.

    ``position`` is the record's 0-based ordinal within its source (stable across runs of the same
    file); ``location`` says where it is for a person ("line 12", "ROWID 42"); ``message_id`` is stable
    for the same file: the source's own id when it has one, otherwise a hash of source name, position
    and content.
    """

    message: Message
    message_id: str
    source: str
    position: int
    location: str


@dataclass(frozen=True, slots=True)
class InboxIssue:
    """A problem with one row. ``skipped`` rows were not read; the others were read with a field dropped."""

    source: str
    location: str
    reason: I18nText
    skipped: bool = True

    def line(self, lang: str = "en") -> str:
        """One human line: ``file:location: reason``."""
        return f"{self.source}:{self.location}: {self.reason.get(lang)}"


class InboxError(Exception):
    """The file cannot be read (or reading stopped at a bad row); ``text`` says why in both languages."""

    def __init__(self, text: I18nText, *, source: str = "", location: str = "") -> None:
        self.text = text
        self.source = source
        self.location = location
        where = f"{source}:{location}: " if location else f"{source}: " if source else ""
        super().__init__(f"{where}{text.zh} / {text.en}")

    def bilingual(self) -> str:
        """``file:location: 中文 / English``."""
        return str(self)


IssueSink = Callable[[InboxIssue], None]


@dataclass(slots=True)
class ReadStats:
    """Counts a reader keeps while it streams, so the scan summary can say that nothing was lost."""

    records: int = 0
    skipped: int = 0
    warnings: int = 0
    not_received: int = 0  # sent / draft messages, which are not triaged
    units_done: int = 0  # bytes or rows consumed, for progress and ETA
    units_total: int = 0
    issues: list[InboxIssue] = field(default_factory=list)

    MAX_KEPT = 1000  # issues kept in memory; a sink (e.g. the scan checkpoint) gets every one


# One message as the scan's input columns (message_id, source, position, text, sender, received_at as
# ISO 8601 text or None): what the scan deals to its workers, with no record or message object per row.
ScanRow = tuple[str, str, int, str, str | None, str | None]


def stable_id(source: str, position: int, text: str, sender: str | None, received_at: datetime | None) -> str:
    """A 16-hex-digit id from where the message is and what it says (same file → same ids)."""
    return stable_id_iso(source, position, text, sender, received_at.isoformat() if received_at else "")


def stable_id_iso(source: str, position: int, text: str, sender: str | None, received_iso: str) -> str:
    """:func:`stable_id` from the time's ISO text (``""`` for none), for a reader that has it already."""
    key = "\x1f".join((source, str(position), text, sender or "", received_iso))
    return blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def tr(zh: str, en: str) -> I18nText:
    """Shorthand for a bilingual message."""
    return I18nText(zh=zh, en=en)
