"""Text features for the statistical model: character n-grams, which suit Chinese without a segmenter,
plus word unigrams and bigrams for text written with spaces (English: "free entry", "call 0000").

The same function builds the n-grams at training time (as scikit-learn's ``analyzer``) and at
prediction time, so the shipped arrays and the live features cannot drift apart.
"""

from __future__ import annotations

import itertools
import re

NGRAM_MIN = 1
NGRAM_MAX = 3
_DIGITS = str.maketrans("0123456789", "0000000000")
_ASCII_DIGIT_RE = re.compile("[0-9]")
# A word is a run of ASCII letters and (masked) digits, or one of the symbols spam leans on ("£", "!");
# CJK text is left to the character n-grams, which already see every character pair.
_WORD_RE = re.compile(r"[a-z0]+|[!?$£€¥%&*#@+]")
_LOWER_LATIN = b"abcdefghijklmnopqrstuvwxyz"
MAX_WORD_CHARS = 20  # longer runs are URL or hash debris, not words
WORD_MARK = "\x01"  # marks a word feature among the n-grams; normalisation removes control characters


def model_text(lower: str) -> str:
    """The model's view of a normalised, lower-cased message: every digit becomes 0.

    Length-preserving, so an n-gram's offset is also an offset into the normalised text.
    Amounts, codes and phone numbers vary per message; their shape is what generalises.
    """
    # str.translate walks every character of a non-ASCII text; most messages have no digit at all.
    return lower.translate(_DIGITS) if _ASCII_DIGIT_RE.search(lower) else lower


def char_ngrams(text: str) -> list[str]:
    """All character n-grams of ``text`` (1 to 3 characters), in order of position."""
    out: list[str] = []
    n_chars = len(text)
    for n in range(NGRAM_MIN, NGRAM_MAX + 1):
        out.extend(text[i : i + n] for i in range(n_chars - n + 1))
    return out


def words(text: str) -> list[str]:
    """The words of a model text, in order (see ``_WORD_RE``); none for a text mostly in another script."""
    if not text.isascii():
        # Chinese with a stray "APP" or code: its few words would carry a whole block's weight alone.
        # Counted as bytes (non-ASCII characters are what the ASCII encoding drops, a-z what the
        # translate deletes): two regex findall lists cost a list item per character.
        ascii_part = text.encode("ascii", "ignore")
        latin = len(ascii_part) - len(ascii_part.translate(None, _LOWER_LATIN))
        if len(text) - len(ascii_part) >= latin:
            return []
    return [w for w in _WORD_RE.findall(text) if len(w) <= MAX_WORD_CHARS]


def word_features(text: str) -> list[str]:
    """Word unigrams and bigrams ("free", "free entry"), without the marker."""
    toks = words(text)
    return toks + [f"{a} {b}" for a, b in itertools.pairwise(toks)]


def features(text: str) -> list[str]:
    """Every feature of a model text: its character n-grams, then its marked word features.

    The training analyzer; prediction builds the same two parts separately (model/__init__.py).
    """
    return char_ngrams(text) + [WORD_MARK + w for w in word_features(text)]
