"""First pipeline stage: turn a raw SMS into a normalised form for matching, keeping an offset map.

Every later stage (URL, phone and keyword extraction, rules) works on :attr:`Normalized.text` or
:attr:`Normalized.lower`; :meth:`Normalized.span` maps what they find back to the characters of the
ORIGINAL message, so the user sees evidence exactly as it was sent.

Steps, in order:

1. NFKC per character (width folding: ``ｗｗｗ．ａｂｃ`` → ``www.abc``, ``①`` → ``1``). A base character
   and its combining marks are normalised together, so ``e`` + U+0301 becomes ``é``.
2. Removal of format characters (``Cf``: zero-width, bidi controls, soft hyphen …), variation
   selectors and control characters other than ``\\n`` and ``\\t``. ``\\r\\n`` and a lone ``\\r`` become
   ``\\n``, C1 controls are repaired as the cp1252 bytes they almost always are (``\\x92`` → ``’``;
   the five cp1252 does not define are dropped) and lone surrogates become U+FFFD.
3. Traditional → simplified Chinese (OpenCC ``t2s``).
4. Homoglyph folding (Cyrillic ``а`` → ``a``, ``é`` → ``e`` …) inside tokens that contain an ASCII
   letter. Han, kana and hangul are never touched.
5. URL and number de-obfuscation (``hxxp``, ``h t t p s : / /``, ``[.]``, ``(dot)``, ``点``/``。``
   between domain labels, ``1 3 8 0 0 1 3 8 0 0 0``).
6. A length-preserving lower-cased copy.

Most messages need none of this: cheap gates (``str.isascii``, ``unicodedata.is_normalized``, a few
substring tests) skip each step, and the offset map stays ``None`` (identity) unless the length of
something changed.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import opencc
import regex
from unidecode import unidecode

from veritext.message import Span

__all__ = ["EDIT_KINDS", "Edit", "Normalized", "normalize"]

EDIT_KINDS: Final[tuple[str, ...]] = (
    "format_char",
    "homoglyph",
    "url_obfuscation",
    "spaced_digits",
    "traditional",
)

# The offset map is a list of segments, sorted by normalised start. Segment k covers normalised
# chars [ns[k], ns[k+1]). If oe[k] < 0 it is a copy: char i comes from original char
# os[k] + (i - ns[k]). Otherwise every char in it comes from original[os[k]:oe[k]]. Its size grows
# with the number of changes, not with the length of the text, and 1:1 changes (full width → ASCII,
# 貸 → 贷) need no segment at all.
_SegMap = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def _seg_start(ns: Sequence[int], os_: Sequence[int], oe: Sequence[int], i: int) -> int:
    k = bisect_right(ns, i) - 1
    return os_[k] + (i - ns[k]) if oe[k] < 0 else os_[k]


def _seg_end(ns: Sequence[int], os_: Sequence[int], oe: Sequence[int], i: int) -> int:
    k = bisect_right(ns, i) - 1
    return os_[k] + (i - ns[k]) + 1 if oe[k] < 0 else oe[k]


@dataclass(frozen=True, slots=True)
class Edit:
    """One change normalisation made, located in the ORIGINAL text.

    ``kind`` is one of :data:`EDIT_KINDS`:

    - ``format_char``: a run of zero-width / bidi / other format characters, variation selectors or
      control characters was removed. Removed silently (no edit): a leading byte-order mark, CR line
      endings, the variation selectors / joiners inside emoji sequences and C1 encoding debris;
    - ``homoglyph``: a token with an ASCII letter had look-alike letters from another script
      (Cyrillic, Greek …) folded, or a Latin look-alike (``ı``) in something address-like (with
      ``.``, ``/``, ``@`` or ``:``); the span covers the whole token. Accents (``é``) are folded
      without an edit;
    - ``url_obfuscation``: a disguised URL scheme, host or dot was restored;
    - ``spaced_digits``: a number written with spaces between its digits was joined;
    - ``traditional``: a run of traditional Chinese characters was converted to simplified.
    """

    kind: str
    span: Span


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised message plus the map back to the original characters.

    ``text`` is the normalised text (case preserved) and ``lower`` the same text lower-cased
    character by character, so an index into one is an index into the other. Offsets into either
    are turned into offsets into ``original`` with :meth:`to_original` or :meth:`span`.
    """

    original: str
    text: str
    lower: str
    edits: tuple[Edit, ...]
    # None means identity (text and original have the same length, char i <-> char i). Derived
    # from `original`, so it takes no part in equality or hashing.
    _map: _SegMap | None = field(default=None, repr=False, compare=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised range ``[start, end)`` to a range ``[s, e)`` of :attr:`original`.

        ``0 <= s <= e <= len(original)`` always holds, and ``s`` never decreases as ``start`` grows.
        An empty range maps to an empty range at the corresponding position (the end of the original
        for ``start == len(text)``). Raises :class:`ValueError` unless
        ``0 <= start <= end <= len(text)``.
        """
        n = len(self.text)
        if not 0 <= start <= end <= n:
            raise ValueError(f"range [{start}, {end}) is outside the normalised text (length {n})")
        if self._map is None:
            return start, end
        ns, os_, oe = self._map
        if start == end:
            pos = _seg_start(ns, os_, oe, start) if start < n else len(self.original)
            return pos, pos
        return _seg_start(ns, os_, oe, start), _seg_end(ns, os_, oe, end - 1)

    def span(self, start: int, end: int) -> Span:
        """The :class:`Span` of the original text that normalised ``[start, end)`` came from."""
        if self._map is None and 0 <= start <= end <= len(self.text):
            return Span(start, end, self.original[start:end])  # identity map: to_original's answer
        s, e = self.to_original(start, end)
        return Span(s, e, self.original[s:e])


# ---------------------------------------------------------------------------------------------
# Character classes. `regex` where Unicode properties are needed, stdlib `re` elsewhere (it scans
# simple classes about twice as fast).

_VS = r"\uFE00-\uFE0F\U000E0100-\U000E01EF"

# Everything step 1/2 may have to change: characters NFKC may change (quick check No/Maybe), combining
# marks, format and control characters, surrogates and variation selectors. Checked over all code
# points by the tests: NFKC(c) != c implies c is in this class.
_SPECIAL_RE: Final = regex.compile(
    rf"(?V1)[[\p{{NFKC_QC=N}}\p{{NFKC_QC=M}}\p{{M}}\p{{Cf}}\p{{Cc}}\p{{Cs}}{_VS}]--[\t\n]]"
)
_ASCII_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Control, format (Cf, Unicode 15), surrogate and variation-selector code points. Whatever NFKC would
# change is caught separately by unicodedata.is_normalized().
_FORMAT_GATE_RE: Final = re.compile(
    "[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2"
    "\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ud800-\\udfff\\ufe00-\\ufe0f"
    "\\ufeff\\ufff9-\\ufffb\\U000110bd\\U000110cd\\U00013430-\\U0001343f\\U0001bca0-\\U0001bca3"
    "\\U0001d173-\\U0001d17a\\U000e0001\\U000e0020-\\U000e007f\\U000e0100-\\U000e01ef]"
)
# Blocks whose characters NFKC often maps to ONE other character (full width, ideographic space,
# ①, ℂ …). Translating them first keeps the map the identity for the common case.
_WIDTH_BLOCKS: Final = (
    (0x00A0, 0x0100),
    (0x2000, 0x20A0),
    (0x2100, 0x2190),
    (0x2460, 0x2500),
    (0x3000, 0x3040),
    (0xFF00, 0xFFF0),
)

# Non-ASCII letters that could be folded to Latin. Han, kana and hangul are never touched.
_HOMO_CAND_RE: Final = regex.compile(
    r"(?V1)[\p{L}--[\p{ASCII}\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Bopomofo}\u30FC\u3005]]"
)
# A superset of the blocks holding such letters (× and ÷ left out), as a cheap gate.
_HOMO_GATE_RE: Final = re.compile(
    "[\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u1fff\\u2070-\\u2fff\\ua000-\\uabff\\ufb00-\\ufdff"
    "\\U00010000-\\U0001efff]"
)
_TOKEN_SEP_RE: Final = regex.compile(r"[\s\p{Han}]")
_TOKEN_SEP_REV_RE: Final = regex.compile(r"(?r)[\s\p{Han}]")
_ASCII_LETTER_RE: Final = re.compile(r"[A-Za-z]")
_LATIN_RE: Final = regex.compile(r"\p{Latin}")

# Step 5, pass 1: schemes, spaced hosts, spaced "w w w ." and spaced digits. Quantifiers are bounded
# and never nested inside an unbounded one, so hostile input stays linear. Each alternative starts
# with a plain character class and checks its left context with a lookbehind after it, which lets
# the scanner skip ahead quickly.
_HOST_CH = r"[A-Za-z0-9\-./点點。]"
_URL_DIGITS_RE: Final = re.compile(
    r"(?P<url>[hH](?<![A-Za-z0-9][hH])"
    r"(?P<scheme>(?:\ {1,2}[tT]){2}\ {1,2}[pP](?:\ {1,2}[sS])?|(?:[xX]{2}|[tT]{2})[pP][sS]?)"
    r"(?:(?P<sep>\ {0,3}:?\ {0,3}/\ {0,3}/(?:\ {1,2}(?=[A-Za-z0-9]))?)"
    rf"(?P<host>[A-Za-z0-9\-.](?:\ {_HOST_CH}){{2,253}}(?![A-Za-z0-9]))?"
    r"|(?![A-Za-z0-9])))"
    r"|(?P<www>[wW](?<![A-Za-z0-9][wW])(?<![A-Za-z0-9]\ [wW])\ [wW]\ [wW]\ [.点點。]"
    rf"(?:\ {_HOST_CH}){{2,253}}(?![A-Za-z0-9]))"
    r"|(?P<dig>[0-9](?<![0-9][0-9])(?<![0-9]\ [0-9])(?:\ [0-9]){5,40}(?!\ ?[0-9]))"
)
_SPACED_DIGITS_GATE_RE: Final = re.compile(r"[0-9] [0-9] [0-9] [0-9] [0-9] [0-9]")

# Step 5, pass 2: dotted label chains in which at least one dot is disguised.
_OBF_DOT = r"(?:[点點。｡．]|\ ?[\[({](?:\.|[dD][oO][tT])[\])}]\ ?|\ [dD][oO][tT]\ )"
_LABEL = r"[A-Za-z0-9][A-Za-z0-9\-]{0,62}"
_OBF_DOT_HINT_RE: Final = re.compile(rf"(?<=[A-Za-z0-9]){_OBF_DOT}(?=[A-Za-z0-9])")
_OBF_DOT_RE: Final = re.compile(_OBF_DOT)
_ANY_DOT_RE: Final = re.compile(rf"(?:\.|{_OBF_DOT})")
_CHAIN_RE: Final = re.compile(rf"(?<![A-Za-z0-9\-]){_LABEL}(?:(?:\.|{_OBF_DOT}){_LABEL}){{1,20}}")
_CJK_DOTS: Final = "点點。｡．"
_WIDE_DOTS: Final = "．﹒"  # NFKC turns these into "." before step 5 runs
_ASCII_ALNUM: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

# A chain joined only by ambiguous dots (点, 。, " dot ") counts as a domain only if it ends in a
# common TLD or starts with www, so "3点30分" and "Thanks。OK" are left alone.
_TLDS: Final = frozenset({
    "com", "net", "org", "cn", "top", "xyz", "info", "cc", "me", "io", "co", "tv", "vip", "club",
    "site", "online", "shop", "app", "ly", "tk", "ml", "ga", "cf", "gq", "ru", "de", "uk", "us",
    "hk", "tw", "mo", "jp", "kr", "sg", "biz", "win", "xin", "ltd", "icu", "live", "link", "fun",
    "pw", "mobi", "asia", "wang", "ink", "work", "cloud", "store", "tech", "space", "website",
    "fit", "today", "life", "email", "bid", "loan", "red", "kim", "ren", "pro", "press", "host",
    "one", "world", "group", "plus", "love", "edu", "gov",
})  # fmt: skip

# Visual look-alikes that Unidecode transliterates by sound instead (Cyrillic р is "r" to it).
_CONFUSABLES: Final[dict[str, str]] = {
    # Cyrillic
    "а": "a", "в": "b", "г": "r", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "і": "i",
    "ї": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s",
    "т": "t", "у": "y", "ү": "y", "х": "x", "ԝ": "w", "ь": "b",
    "А": "A", "В": "B", "С": "C", "Е": "E", "Ё": "E", "Н": "H", "І": "I", "Ї": "I", "Ј": "J",
    "К": "K", "М": "M", "О": "O", "Р": "P", "Ԛ": "Q", "Ѕ": "S", "Т": "T", "У": "Y", "Ү": "Y",
    "Х": "X", "Ԝ": "W", "Ӏ": "l", "Ь": "b",
    # Greek
    "α": "a", "γ": "y", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w", "η": "n", "μ": "u",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Armenian
    "օ": "o", "ս": "u", "ո": "n", "հ": "h", "ց": "g", "զ": "q", "Օ": "O", "Ս": "U", "Տ": "S",
    # Latin look-alikes
    "ı": "i", "ɑ": "a", "ɡ": "g", "ȷ": "j", "ɩ": "i", "ʟ": "L", "ɪ": "I", "ᴏ": "o",
}  # fmt: skip

# Characters that OpenCC t2s (1.4.2) changes only inside a phrase, never alone (回覆 → 回复).
_T2S_PHRASE_ONLY: Final = "哩坏沈甦瞭藉衹覆"
# Blocks holding every character t2s converts (NFKC has already folded compatibility ideographs).
_HAN_BLOCKS: Final = (
    (0x3400, 0x4DC0),
    (0x4E00, 0xA000),
    (0x20000, 0x2A6E0),
    (0x2A700, 0x2EBF0),
    (0x30000, 0x31350),
)

# Removed silently when they glue an emoji sequence together (❤️, 👨‍👩‍👧, 🏴 + tags, 1️⃣).
_EMOJI_GLUE: Final = frozenset("\ufe0e\ufe0f\u200d" + "".join(chr(c) for c in range(0xE0020, 0xE0080)))

_CACHE_LIMIT: Final = 50_000  # per-character caches stay bounded even on hostile input
_KEEP, _REMOVE, _MARK, _DROP = 0, 1, 2, 3  # step-1/2 flags per character (_DROP: remove, no edit)
# How suspicious a folded letter is: an accent (é), a Latin look-alike (ı, ɑ), another script (р, ο).
_ACCENT, _LATIN_LOOKALIKE, _OTHER_SCRIPT = 0, 1, 2

_char_cache: dict[str, tuple[str, int]] = {}
_fold_cache: dict[str, tuple[str, int] | None] = {}
_t2s_char_cache: dict[str, str] = {}
_converter: opencc.OpenCC | None = None
_trad_chars: frozenset[str] | None = None
_width_table: dict[int, str] | None = None


def _is_removable(c: str) -> bool:
    if c in "\t\n":
        return False
    return unicodedata.category(c) in ("Cf", "Cc") or "\ufe00" <= c <= "\ufe0f" or "\U000e0100" <= c <= "\U000e01ef"


def _nfkc(s: str) -> str:
    out = unicodedata.normalize("NFKC", s)
    # Keep the "no format character in the output" promise even if NFKC were to produce one.
    return "".join(c for c in out if not _is_removable(c)) if _SPECIAL_RE.search(out) else out


def _from_cp1252(c: str) -> str:
    try:
        return bytes([ord(c)]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d are unassigned in cp1252
        return ""


def _char_info(c: str) -> tuple[str, int]:
    """(replacement, flag) for one character that step 1/2 has to look at."""
    info = _char_cache.get(c)
    if info is not None:
        return info
    cat = unicodedata.category(c)
    if cat == "Cs":
        info = ("\ufffd", _KEEP)  # a lone surrogate cannot be encoded later on
    elif "\x80" <= c <= "\x9f":
        # C1 controls in SMS text are encoding damage: cp1252 bytes decoded as Latin-1 (\x92 is ’),
        # or debris of double-encoded UTF-8. Repair what cp1252 defines, drop the rest; no edit.
        repaired = _from_cp1252(c)
        info = (_nfkc(repaired), _KEEP) if repaired else ("", _DROP)
    elif _is_removable(c):
        info = ("", _REMOVE)
    elif cat.startswith("M"):
        info = (c, _MARK)
    else:
        info = (_nfkc(c), _KEEP)
    if len(_char_cache) < _CACHE_LIMIT:
        _char_cache[c] = info
    return info


def _get_width_table() -> dict[int, str]:
    """str.translate table for the 1:1 NFKC mappings in :data:`_WIDTH_BLOCKS` (built once, ~1 ms)."""
    global _width_table
    if _width_table is None:
        table: dict[int, str] = {}
        for lo, hi in _WIDTH_BLOCKS:
            for cp in range(lo, hi):
                c = chr(cp)
                o = unicodedata.normalize("NFKC", c)
                # Only single, non-combining results: marks must be composed with their base.
                if o != c and len(o) == 1 and not unicodedata.category(o).startswith(("M", "C")):
                    table[cp] = o
        _width_table = table
    return _width_table


def _after_emoji(text: str, i: int) -> bool:
    if i > 0 and unicodedata.category(text[i - 1]) in ("So", "Sk"):
        return True
    return text.startswith("\u20e3", i + 1)  # keycap: 1 + VS16 + U+20E3


def _is_base(c: str) -> bool:
    return not c.isspace() and unicodedata.category(c)[0] not in "MC"


def _fold(c: str) -> tuple[str, int] | None:
    """(ASCII replacement, suspicion level), or None if the letter does not fold to one ASCII char."""
    if c in _fold_cache:
        return _fold_cache[c]
    result: tuple[str, int] | None = None
    latin = _LATIN_RE.match(c) is not None
    if c in _CONFUSABLES:
        result = (_CONFUSABLES[c], _LATIN_LOOKALIKE if latin else _OTHER_SCRIPT)
    else:
        u: str = unidecode(c)
        if len(u) == 1 and u.isascii() and u.isalnum():
            result = (u, _ACCENT if latin else _OTHER_SCRIPT)
    if len(_fold_cache) < _CACHE_LIMIT:
        _fold_cache[c] = result
    return result


def _get_converter() -> opencc.OpenCC:
    global _converter
    if _converter is None:
        _converter = opencc.OpenCC("t2s")
    return _converter


def _get_trad_chars() -> frozenset[str]:
    """Every character whose presence may make t2s change a text (built once, ~40 ms)."""
    global _trad_chars
    if _trad_chars is None:
        chars = [chr(cp) for lo, hi in _HAN_BLOCKS for cp in range(lo, hi)]
        # One call for all characters; "\n" separators keep phrases from spanning characters.
        converted = _get_converter().convert("\n".join(chars)).split("\n")
        if len(converted) == len(chars):
            found = {c for c, o in zip(chars, converted, strict=True) if c != o}
        else:  # pragma: no cover - only if a future OpenCC maps a character to several lines
            found = {c for c in chars if _get_converter().convert(c) != c}
        _trad_chars = frozenset(found | set(_T2S_PHRASE_ONLY))
    return _trad_chars


def _t2s_char(c: str) -> str:
    out = _t2s_char_cache.get(c)
    if out is None:
        out = _get_converter().convert(c)
        if len(_t2s_char_cache) < _CACHE_LIMIT:
            _t2s_char_cache[c] = out
    return out


# ---------------------------------------------------------------------------------------------


def _push(ns: list[int], os_: list[int], oe: list[int], n0: int, o0: int, o1: int) -> None:
    """Append a segment, merging it into the previous one when it just continues it."""
    if ns:
        if o1 < 0:
            if oe[-1] < 0 and os_[-1] + (n0 - ns[-1]) == o0:
                return
        elif oe[-1] == o1 and os_[-1] == o0:
            return
    ns.append(n0)
    os_.append(o0)
    oe.append(o1)


class _Work:
    """Text being normalised, its segment map to the original (None = identity) and the edits."""

    __slots__ = ("edits", "ns", "oe", "original", "os", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        self.text = original
        self.ns: list[int] | None = None
        self.os: list[int] = []
        self.oe: list[int] = []
        self.edits: list[Edit] = []

    def start_of(self, i: int) -> int:
        return i if self.ns is None else _seg_start(self.ns, self.os, self.oe, i)

    def end_of(self, i: int) -> int:
        return i + 1 if self.ns is None else _seg_end(self.ns, self.os, self.oe, i)

    def add_edit(self, kind: str, a: int, b: int) -> None:
        """Record an edit of current-text range [a, b) (b > a), located in the original."""
        s, e = self.start_of(a), self.end_of(b - 1)
        self.edits.append(Edit(kind, Span(s, e, self.original[s:e])))

    def apply(self, repls: list[tuple[int, int, str]]) -> None:
        """Replace current-text ranges [a, b) by strings (sorted, disjoint, non-empty ranges).

        Unchanged characters keep their mapping; each replacement character maps to the union of
        the original characters behind the range it replaces, which keeps the map monotone.
        """
        if not repls:
            return
        text, old_os, old_oe = self.text, self.os, self.oe
        identity = self.ns is None
        old_ns = self.ns or []
        nseg = len(old_ns)
        ns: list[int] = []
        os_: list[int] = []
        oe: list[int] = []
        pieces: list[str] = []
        pos = 0
        k = 0  # cursor into the old segments; repls are sorted, so it only moves forward

        def seek(i: int) -> int:
            nonlocal k
            while k + 1 < nseg and old_ns[k + 1] <= i:
                k += 1
            return k

        def copy(a: int, b: int) -> None:
            # Unchanged current chars [a, b) land at output position `pos`.
            if identity:
                _push(ns, os_, oe, pos, a, -1)
                return
            j = seek(a)
            while j < nseg and old_ns[j] < b:
                lo = old_ns[j] if old_ns[j] > a else a
                if old_oe[j] < 0:
                    _push(ns, os_, oe, pos + lo - a, old_os[j] + lo - old_ns[j], -1)
                else:
                    _push(ns, os_, oe, pos + lo - a, old_os[j], old_oe[j])
                j += 1

        last = 0
        for a, b, r in repls:
            if a > last:
                pieces.append(text[last:a])
                copy(last, a)
                pos += a - last
            if r:
                if identity:
                    s, e = a, b
                else:
                    j = seek(a)
                    s = old_os[j] + (a - old_ns[j]) if old_oe[j] < 0 else old_os[j]
                    j = seek(b - 1)
                    e = old_os[j] + (b - 1 - old_ns[j]) + 1 if old_oe[j] < 0 else old_oe[j]
                # A 1:1 change of one original char needs no segment of its own.
                _push(ns, os_, oe, pos, s, -1 if len(r) == 1 and e - s == 1 else e)
                pieces.append(r)
                pos += len(r)
            last = b
        if last < len(text):
            pieces.append(text[last:])
            copy(last, len(text))
        self.text = "".join(pieces)
        if len(self.text) == len(self.original) and ns == [0] and os_ == [0] and oe == [-1]:
            self.ns, self.os, self.oe = None, [], []
        else:
            self.ns, self.os, self.oe = ns, os_, oe

    def frozen_map(self) -> _SegMap | None:
        if self.ns is None:
            return None
        return tuple(self.ns), tuple(self.os), tuple(self.oe)


def _step_width_and_format(w: _Work) -> None:
    """Steps 1 and 2: NFKC per character (or per base + marks), drop format and control chars."""
    text = w.text
    n = len(text)
    repls: list[tuple[int, int, str]] = []
    run_start = run_end = -1  # current run of removed characters, reported as one edit
    consumed = 0  # a cluster swallows the marks after its base
    glue_end = -1  # end of the current run of emoji glue
    for m in _SPECIAL_RE.finditer(text):
        i = m.start()
        if i < consumed:
            continue
        c = text[i]
        if c == "\r":
            # A line ending, not a trick: no edit. CRLF -> LF, lone CR -> LF.
            repls.append((i, i + 1, "" if text.startswith("\n", i + 1) else "\n"))
            continue
        out, flag = _char_info(c)
        if flag == _DROP:
            repls.append((i, i + 1, ""))
        elif flag == _REMOVE:
            repls.append((i, i + 1, ""))
            if i == 0 and c == "\ufeff":
                continue  # a leading BOM is an encoding artefact
            if c in _EMOJI_GLUE and (glue_end == i or _after_emoji(text, i)):
                glue_end = i + 1  # VS16 / ZWJ / tags inside an emoji are everyday text
                continue
            if run_end == i:
                run_end = i + 1
            else:
                if run_end > 0:
                    w.add_edit("format_char", run_start, run_end)
                run_start, run_end = i, i + 1
        elif flag == _MARK:
            # Normalise the base and its marks together so e + U+0301 composes to é.
            k = i + 1
            while k < n and _char_info(text[k])[1] == _MARK:
                k += 1
            a = i
            if i > 0 and _is_base(text[i - 1]):
                a = i - 1
                if repls and repls[-1][1] == i:
                    repls.pop()  # the base had its own replacement; redo it with its marks
            seg = text[a:k]
            out = _nfkc(seg)
            if out != seg:
                repls.append((a, k, out))
            consumed = k
        elif out != c:
            repls.append((i, i + 1, out))
    if run_end > 0:
        w.add_edit("format_char", run_start, run_end)
    w.apply(repls)


def _step_traditional(w: _Work) -> None:
    """Step 3: traditional -> simplified, aligned char by char."""
    text = w.text
    trad = _get_trad_chars()
    if trad.isdisjoint(text):
        return
    converted = _get_converter().convert(text)
    if converted == text:
        return
    if len(converted) == len(text):
        repls = [(i, i + 1, o) for i, (c, o) in enumerate(zip(text, converted, strict=True)) if c != o]
    else:
        # Phrase conversion changed the length, so the alignment is unknown: go char by char.
        repls = []
        for i, c in enumerate(text):
            if c in trad:
                o = _t2s_char(c)
                if o != c:
                    repls.append((i, i + 1, o))
    run_start = run_end = -1
    for a, b, _ in repls:
        if a != run_end:
            if run_end > 0:
                w.add_edit("traditional", run_start, run_end)
            run_start = a
        run_end = b
    if run_end > 0:
        w.add_edit("traditional", run_start, run_end)
    w.apply(repls)


def _step_homoglyphs(w: _Work) -> None:
    """Step 4: fold look-alike letters in tokens (non-space, non-Han runs) that have an ASCII letter."""
    text = w.text
    m = _HOMO_CAND_RE.search(text)
    if m is None:
        return
    n = len(text)
    repls: list[tuple[int, int, str]] = []
    token_end = 0
    while m is not None:
        pos = m.start()
        # Token bounds; the searches never look before the previous token, so this stays linear.
        sep = _TOKEN_SEP_REV_RE.search(text, token_end, pos)
        start = sep.end() if sep is not None else token_end
        sep = _TOKEN_SEP_RE.search(text, pos)
        end = sep.start() if sep is not None else n
        if _ASCII_LETTER_RE.search(text, start, end) is not None:
            level = -1
            for cm in _HOMO_CAND_RE.finditer(text, pos, end):
                f = _fold(cm.group())
                if f is not None:
                    repls.append((cm.start(), cm.end(), f[0]))
                    level = max(level, f[1])
            # Accents (Café) are folded for matching only; a Latin look-alike (Turkish ı) is only
            # suspicious in something address-like; another script inside a Latin word always is.
            if level == _OTHER_SCRIPT or (level == _LATIN_LOOKALIKE and any(ch in text[start:end] for ch in "./@:")):
                w.add_edit("homoglyph", start, end)
        token_end = end
        m = _HOMO_CAND_RE.search(text, end)
    w.apply(repls)


def _delete_spaces(text: str, a: int, b: int, repls: list[tuple[int, int, str]]) -> None:
    # Deleting only the spaces keeps every remaining character mapped to itself.
    i = text.find(" ", a, b)
    while i != -1:
        repls.append((i, i + 1, ""))
        i = text.find(" ", i + 1, b)


def _may_have_obfuscated_dot(text: str, low: str) -> bool:
    # 。 ends most Chinese sentences, so look at its neighbours before running any regex.
    last = len(text) - 1
    for dot in _CJK_DOTS:
        i = text.find(dot, 1)
        while 0 < i < last:
            if text[i - 1] in _ASCII_ALNUM and text[i + 1] in _ASCII_ALNUM:
                return True
            i = text.find(dot, i + 1)
    return ("[" in text or "(" in text or "{" in text or " dot " in low) and (_OBF_DOT_HINT_RE.search(text) is not None)


def _step_deobfuscate(w: _Work, low: str, wide_dots: bool) -> None:
    """Step 5: restore disguised URL schemes, hosts, dots and spaced-out numbers.

    ``low`` is ``w.text.lower()``, used only by the cheap substring gates; ``wide_dots`` says whether
    the original had a full-width dot, which step 1 already turned into ".".
    """
    text = w.text
    if (
        "h t" in low
        or "hxx" in low
        or "htt" in low
        or "w w w" in low
        or (" " in text and _SPACED_DIGITS_GATE_RE.search(text) is not None)
    ):
        _deobfuscate_urls_and_digits(w)
        text = w.text
        low = text.lower()
    if wide_dots or _may_have_obfuscated_dot(text, low):
        _deobfuscate_dots(w, wide_dots)


def _deobfuscate_urls_and_digits(w: _Work) -> None:
    text = w.text
    repls: list[tuple[int, int, str]] = []
    for m in _URL_DIGITS_RE.finditer(text):
        before = len(repls)
        if m.group("dig") is not None:
            _delete_spaces(text, m.start(), m.end(), repls)
            w.add_edit("spaced_digits", m.start(), m.end())
            continue
        if m.group("www") is not None:
            _delete_spaces(text, m.start(), m.end(), repls)
        else:
            a, b = m.span("scheme")
            scheme = text[a:b]
            if " " in scheme:
                _delete_spaces(text, a, b, repls)
            elif scheme[0] in "xX":  # hxxp: the scheme group starts after the h
                repls.append((a, a + 2, "TT" if scheme[0] == "X" else "tt"))
            sep = m.group("sep")
            if sep is not None and sep != "://":
                repls.append((m.start("sep"), m.end("sep"), "://"))
            if m.group("host") is not None:
                _delete_spaces(text, m.start("host"), m.end("host"), repls)
        if len(repls) > before:
            w.add_edit("url_obfuscation", m.start(), m.end())
    w.apply(repls)


def _has_mixed_wide_dot(w: _Work, a: int, b: int) -> bool:
    """Does current [a, b) hold a "." that was a full-width dot next to a half-width ASCII char?

    ``ｗｗｗ．ａｂｃ．ｃｏｍ`` is just a full-width keyboard; ``kuaidai．cn`` is a dodge.
    """
    text, orig = w.text, w.original
    i = text.find(".", a, b)
    while i != -1:
        o = w.start_of(i)
        if orig[o] in _WIDE_DOTS and (
            (o > 0 and orig[o - 1] in _ASCII_ALNUM) or (o + 1 < len(orig) and orig[o + 1] in _ASCII_ALNUM)
        ):
            return True
        i = text.find(".", i + 1, b)
    return False


def _deobfuscate_dots(w: _Work, wide_dots: bool) -> None:
    text = w.text
    repls: list[tuple[int, int, str]] = []
    for m in _CHAIN_RE.finditer(text):
        a, b = m.span()
        dots = list(_OBF_DOT_RE.finditer(text, a, b))
        if not dots and not (wide_dots and _has_mixed_wide_dot(w, a, b)):
            continue
        if not any(d.group().lstrip()[0] in "[({" for d in dots):
            # Only ambiguous dots: require something that looks like a domain.
            labels = _ANY_DOT_RE.split(m.group())
            has_letter = any(_ASCII_LETTER_RE.search(label) for label in labels)
            if not has_letter or (labels[-1].lower() not in _TLDS and labels[0].lower() != "www"):
                continue
        for d in dots:
            repls.append((d.start(), d.end(), "."))
        w.add_edit("url_obfuscation", a, b)
    w.apply(repls)


def _lower(text: str, low: str) -> str:
    # str.lower() is per char except when a char expands (İ) or for final sigma (context-dependent).
    if len(low) == len(text) and "Σ" not in text:
        return low
    return "".join(lc if len(lc := c.lower()) == 1 else c for c in text)


def normalize(text: str) -> Normalized:
    """Normalise a raw message for matching; see the module docstring for the steps.

    >>> n = normalize("请访问 ｗｗｗ．ａｂｃ．ｃｏｍ 查询")
    >>> n.text
    '请访问 www.abc.com 查询'
    >>> n.span(4, 15).text
    'ｗｗｗ．ａｂｃ．ｃｏｍ'
    """
    w = _Work(text)
    wide_dots = False
    if text.isascii():
        # Printable ASCII has nothing for steps 1-4 to do.
        if not text.isprintable() and _ASCII_CONTROL_RE.search(text) is not None:
            _step_width_and_format(w)
    else:
        if not unicodedata.is_normalized("NFKC", text):
            wide_dots = "．" in text or "﹒" in text
            # 1:1 width folding first: it keeps the identity map, and often leaves nothing else.
            w.text = text.translate(_get_width_table())
        if not unicodedata.is_normalized("NFKC", w.text) or _FORMAT_GATE_RE.search(w.text) is not None:
            _step_width_and_format(w)
        _step_traditional(w)
        if _HOMO_GATE_RE.search(w.text) is not None:
            _step_homoglyphs(w)
    out = w.text
    low = out.lower()
    _step_deobfuscate(w, low, wide_dots)
    if w.text is not out:
        out = w.text
        low = out.lower()
    edits = w.edits
    if len(edits) > 1:
        edits.sort(key=lambda e: (e.span.start, e.span.end))
    return Normalized(text, out, _lower(out, low), tuple(edits), w.frozen_map())
