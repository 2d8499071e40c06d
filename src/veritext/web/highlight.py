"""The original message cut into pieces for display, each piece with the signals whose spans cover it.

Pure presentation of a verdict: the spans come from the signals (offsets into the ORIGINAL text, see
:class:`veritext.Span`), the tone is the sign of each signal's weight as the verdict states it. The
template escapes every piece; :func:`reveal` additionally makes invisible format and control
characters (zero-width spaces, bidi overrides …) visible, so they can neither hide nor reorder text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from markupsafe import Markup, escape

__all__ = ["Segment", "reveal", "segments"]


@dataclass(frozen=True, slots=True)
class Segment:
    """``text[start:end]`` of the original message and the indexes of the signals that point at it.

    ``tone`` is ``warn`` when any of them raised the fraud score, ``ok`` when they only lowered it,
    ``cue`` when they carry no weight (kind cues), and empty for plain text.
    """

    start: int
    end: int
    text: str
    signals: tuple[int, ...]
    tone: str


def _tone(weights: Sequence[float]) -> str:
    if not weights:
        return ""
    if any(w > 0 for w in weights):
        return "warn"
    if any(w < 0 for w in weights):
        return "ok"
    return "cue"


def segments(text: str, signals: Sequence[Mapping[str, Any]]) -> tuple[Segment, ...]:
    """Cut ``text`` at every span boundary of ``signals`` (dicts as in ``Verdict.to_dict()``)."""
    n = len(text)
    cover: list[tuple[int, int, int]] = []
    for index, sig in enumerate(signals):
        for span in sig.get("spans", ()):
            start = max(0, min(n, int(span["start"])))
            end = max(start, min(n, int(span["end"])))
            if end > start:
                cover.append((start, end, index))
    cuts = sorted({0, n, *(s for s, _, _ in cover), *(e for _, e, _ in cover)})
    out: list[Segment] = []
    for start, end in pairwise(cuts):
        if end <= start:
            continue
        hits = tuple(sorted({i for s, e, i in cover if s <= start and end <= e}))
        tone = _tone([float(signals[i].get("weight", 0.0)) for i in hits])
        if out and out[-1].signals == hits and out[-1].end == start:
            prev = out[-1]
            out[-1] = Segment(prev.start, end, text[prev.start : end], hits, prev.tone)
        else:
            out.append(Segment(start, end, text[start:end], hits, tone))
    return tuple(out)


_KEEP = frozenset("\n\t\r")


def reveal(text: str) -> Markup:
    """``text`` HTML-escaped, with each invisible format or control character shown as a visible badge."""
    parts: list[str] = []
    plain: list[str] = []
    for ch in text:
        if ch not in _KEEP and unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cs", "Zl", "Zp"):
            if plain:
                parts.append(escape("".join(plain)))
                plain = []
            code = f"U+{ord(ch):04X}"
            parts.append(Markup('<span class="cc" title="{0}">[{0}]</span>').format(code))
        else:
            plain.append(ch)
    if plain:
        parts.append(escape("".join(plain)))
    return Markup("").join(parts)
