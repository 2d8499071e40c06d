"""Shortcuts on the path of a new message find exactly what their plain forms find.

Each shortcut skips work only where it cannot change the answer; these tests hold it to the plain
form over every shared message (read at run time, never copied here) and over messages written here.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from veritext import extract as X
from veritext.model import features
from veritext.model.fused import _LETTER_RE
from veritext.normalize import normalize

# Written for these tests: overlapping and repeated suffixes, names at the very start, long Han runs.
WRITTEN = [
    "某人民法院",
    "x人民法院已受理",
    "中国工商银行深圳银行法院",
    "银行银行银行",
    "甲乙" * 20 + "法院" + "丙" * 30 + "人民法院判决",
    "工商银行和建设银行、农业银行",
    "律师事务所仲裁委员会公安局派出所",
    "一二三四五六七八九十一二三四银行",
    "法院法院法院法院",
    "您的账户已冻结 APP free gift",
    "Ünïcödé words with a few 漢字",
    "",
]


@pytest.fixture(scope="module")
def normalised(shared_data: Path) -> list[str]:
    """The normalised text of every shared message and of the written ones."""
    texts: set[str] = set(WRITTEN)
    for path in [*sorted(shared_data.glob("*/*.shared.csv")), *sorted(shared_data.glob("real_*/messages.csv"))]:
        with path.open(encoding="utf-8", newline="") as fh:
            texts.update(row["text"] for row in csv.DictReader(fh) if row.get("text"))
    return [normalize(t).text for t in sorted(texts)]


def test_organisation_names_tried_only_before_suffixes_are_the_ones_finditer_finds(normalised: list[str]) -> None:
    checked = 0
    for text in normalised:
        first = X._ORG_SUFFIX_RE.search(text)
        if first is None:
            continue
        plain = [(m.span(), m.span("name"), m.group("type")) for m in X._ORG_RE.finditer(text)]
        fast = [(m.span(), m.span("name"), m.group("type")) for m in X._org_matches(text, first.start())]
        assert fast == plain, text
        checked += 1
    assert checked > 100  # the Chinese sets have many bank and court names


_LATIN_RE = re.compile("[a-z]")
_NON_ASCII_RE = re.compile("[^\x00-\x7f]")


def test_words_count_the_scripts_as_two_regexes_would(normalised: list[str]) -> None:
    def plain(text: str) -> list[str]:
        if not text.isascii() and len(_NON_ASCII_RE.findall(text)) >= len(_LATIN_RE.findall(text)):
            return []
        return [w for w in features._WORD_RE.findall(text) if len(w) <= features.MAX_WORD_CHARS]

    for text in normalised:
        model_text = features.model_text(text.lower())
        assert features.words(model_text) == plain(model_text), text
    assert features.words("abc 漢") == ["abc"] and features.words("ab 漢字") == []  # 3 letters > 1, 2 = 2


def test_every_character_isalpha_accepts_is_a_letter_to_the_models_letter_count() -> None:
    # fusion_language takes a text opening with enough isalpha characters as having its letters.
    missed = [c for c in map(chr, range(0x110000)) if c.isalpha() and _LETTER_RE.fullmatch(c) is None]
    assert missed == []


def test_lexicon_patterns_run_beside_their_needs_words_and_unconditional_ones_everywhere() -> None:
    from veritext.lexicon import build

    # Written for this test: "a" needs an "x", "b" has no needs, "c" is a term bounded by ASCII words.
    term = {"c": {"terms": ["otp"]}}
    both = build({**term, "a": {"patterns": [r"x\d"], "needs": ["x"]}, "b": {"patterns": [r"y\d"]}})
    assert both.match("y1 z") == {"b": [(0, 2)]}
    assert both.match("x1 y2") == {"a": [(0, 2)], "b": [(3, 5)]}
    needy = build({**term, "a": {"patterns": [r"x\d"], "needs": ["q"]}})
    assert needy.match("x1") == {}
    assert needy.match("q x1") == {"a": [(2, 4)]}
    assert build(term).match("potpourri otp; otp9 9otp 是otp") == {"c": [(10, 13), (26, 29)]}


def test_a_lexicon_of_patterns_alone_matches_without_an_automaton() -> None:
    from veritext.lexicon import build

    # Written for this test: a user's rule file may hold patterns and no literal term.
    only = build({"code": {"patterns": [r"code \d{4}"]}})
    assert only.match("your code 1234") == {"code": [(5, 14)]}
    assert only.match("") == {}
