"""Category lexicons (data/lexicons.yaml) matched in one pass over a message.

Literal terms of every category go into a single Aho-Corasick automaton (pyahocorasick), so the cost
of a message does not grow with the number of terms; the few regex patterns run separately.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import ahocorasick
import regex

from veritext.datafiles import load_yaml

# Regex patterns come from a data file: a time limit keeps a slow pattern from hanging triage.
_PATTERN_TIMEOUT_S = 0.25


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A compiled set of categories: literal terms plus regex patterns."""

    automaton: Any
    patterns: tuple[tuple[str, regex.Pattern[str], tuple[str, ...]], ...]
    categories: frozenset[str]
    # Every pattern's ``needs`` words in one automaton: one pass finds which of them occur, instead of
    # a substring test per word per pattern. ``None`` when no pattern has needs.
    needs_automaton: Any = None
    # Whether some pattern has no needs (it runs on every text): when none has, a text without any
    # needs word runs no pattern, and the loop over them is skipped.
    unconditional: bool = True

    def match(self, lower: str) -> dict[str, list[tuple[int, int]]]:
        """Every category found in ``lower`` (the lower-cased normalised text), with its spans."""
        hits: dict[str, list[tuple[int, int]]] = {}
        if lower and self.automaton is not None:
            last = len(lower) - 1
            for end, (length, cats, lead, trail) in self.automaton.iter(lower):
                start = end - length + 1
                # ASCII terms must not match inside a longer ASCII word ("otp" in "potpourri").
                if lead and start > 0 and lower[start - 1] in _WORD_CHARS:
                    continue
                if trail and end < last and lower[end + 1] in _WORD_CHARS:
                    continue
                for cat in cats:
                    hits.setdefault(cat, []).append((start, end + 1))
        present: set[str] = set()
        if self.needs_automaton is not None and lower:
            present = {word for _, word in self.needs_automaton.iter(lower)}
        for cat, pattern, needs in self.patterns if present or self.unconditional else ():
            # A pattern whose category lists `needs` runs only when one of those words is present:
            # a substring search costs far less than a regex scan with look-behinds.
            if needs and present.isdisjoint(needs):
                continue
            try:
                # One timed search first: most runs find nothing, and finditer restarts its timer per
                # match (each timed call costs a few microseconds before it scans anything).
                if pattern.search(lower, timeout=_PATTERN_TIMEOUT_S) is None:
                    continue
                found = [(m.start(), m.end()) for m in pattern.finditer(lower, timeout=_PATTERN_TIMEOUT_S)]
            except TimeoutError:
                # A pathological input for one pattern loses that pattern's evidence, not the verdict.
                continue
            if found:
                hits.setdefault(cat, []).extend(found)
        return hits


# ASCII letters and digits (``ch.isascii() and ch.isalnum()``), as a set: a membership test per hit.
_WORD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _is_word_char(ch: str) -> bool:
    return ch in _WORD_CHARS


def build(spec: Mapping[str, Mapping[str, Any]]) -> Lexicon:
    """Compile a lexicon from a mapping ``category -> {terms: [...], patterns: [...], needs: [...]}``.

    ``needs`` (optional) lists words at least one of which every match of the patterns contains.
    """
    by_term: dict[str, set[str]] = {}
    patterns: list[tuple[str, regex.Pattern[str], tuple[str, ...]]] = []
    for cat, body in spec.items():
        for term in body.get("terms", []) or []:
            key = str(term).lower()
            if key:
                by_term.setdefault(key, set()).add(cat)
        needs = tuple(str(n).lower() for n in body.get("needs", []) or [])
        if "" in needs:
            needs = ()  # the empty word occurs in every text: the patterns always run
        for pat in body.get("patterns", []) or []:
            patterns.append((cat, regex.compile(str(pat), regex.IGNORECASE), needs))
    automaton = ahocorasick.Automaton()
    for term, cats in by_term.items():
        # (length, categories, must start / end on an ASCII word boundary)
        automaton.add_word(term, (len(term), tuple(sorted(cats)), _is_word_char(term[0]), _is_word_char(term[-1])))
    # pyahocorasick cannot search an automaton that was never made, and makes none without words.
    if by_term:
        automaton.make_automaton()
    else:
        automaton = None
    needs_words = {n for _, _, needs in patterns for n in needs}
    needs_automaton = None
    if needs_words:
        needs_automaton = ahocorasick.Automaton()
        for word in needs_words:
            needs_automaton.add_word(word, word)
        needs_automaton.make_automaton()
    return Lexicon(
        automaton=automaton,
        patterns=tuple(patterns),
        categories=frozenset(spec),
        needs_automaton=needs_automaton,
        unconditional=any(not needs for _, _, needs in patterns),
    )


@cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped with the package."""
    text = resources.files("veritext").joinpath("data/lexicons.yaml").read_text(encoding="utf-8")
    return build(load_yaml(text))
