"""Text features for the statistical model: character n-grams, which suit Chinese without a segmenter.

The same function builds the n-grams at training time (as scikit-learn's ``analyzer``) and at
prediction time, so the shipped arrays and the live features cannot drift apart.
"""

from __future__ import annotations

import re

NGRAM_MIN = 1
NGRAM_MAX = 3
_DIGITS = str.maketrans("0123456789", "0000000000")
_ASCII_DIGIT_RE = re.compile("[0-9]")


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
