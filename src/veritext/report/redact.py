"""Redaction: hide ID numbers, card and account numbers, the person's own phone number and names.

On by default in every export (:class:`Redaction` ``enabled=True``); ``Redaction.off()`` is the
explicit way to include originals. The collector's sender number is evidence and is never redacted.
Patterns and labels are data (``data/report/redaction.yaml``); only the matching logic lives here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex
from stdnum import luhn

from veritext.report.data import load

__all__ = ["Redacted", "Redaction", "redact", "redact_many"]


@dataclass(frozen=True, slots=True)
class Redaction:
    """What to hide. ``own_phones`` and ``names`` add what the person knows about themselves."""

    enabled: bool = True
    own_phones: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def off(cls) -> Redaction:
        """Include originals: nothing is hidden."""
        return cls(enabled=False)


@dataclass(frozen=True, slots=True)
class Redacted:
    """A text with what was hidden: ``hits`` are ``(start, end, kind, label)`` in the ORIGINAL text."""

    original: str
    hits: tuple[tuple[int, int, str, str], ...]

    @property
    def text(self) -> str:
        """The redacted text."""
        return self.slice(0, len(self.original))

    def slice(self, start: int, end: int) -> str:
        """``original[start:end]`` with every hidden part inside it replaced by its label."""
        out: list[str] = []
        pos = start
        for s, e, _kind, label in self.hits:
            if e <= start or s >= end:
                continue
            if s > pos:
                out.append(self.original[pos:s])
            out.append(label)
            pos = max(pos, e)
        if pos < end:
            out.append(self.original[pos:end])
        return "".join(out)

    def kinds(self) -> tuple[str, ...]:
        """The kinds hidden, once each, in order."""
        return tuple(dict.fromkeys(k for _, _, k, _ in self.hits))


@dataclass(frozen=True, slots=True)
class _Patterns:
    labels: dict[str, str]
    cn_id: regex.Pattern[str]
    ssn: regex.Pattern[str]
    nino: regex.Pattern[str]
    long_digits: regex.Pattern[str]
    phone_like: regex.Pattern[str]
    zh_names: tuple[regex.Pattern[str], ...]
    en_names: regex.Pattern[str]
    not_names: frozenset[str]


@cache
def _patterns() -> _Patterns:
    data: dict[str, Any] = load("redaction.yaml")
    surnames = sorted(str(data["surnames"]).split(), key=len, reverse=True)
    # A Chinese name: a common surname and one or two more Han characters.
    name = r"(?P<name>(?:" + "|".join(map(regex.escape, surnames)) + r")\p{Han}{1,2}?)"
    zh_names = (
        # 尊敬的张三先生 / 尊敬的客户张三：
        regex.compile(r"尊敬的(?:客户|用户|会员)?\s*" + name + r"(?=先生|女士|同学|[，,：:\s！!])"),
        # 【平台】张三，您…  /  张三你已逾期…  (the addressee at the start)
        regex.compile(r"^\s*(?:【[^】]{0,20}】)?\s*" + name + r"(?:先生|女士)?(?=[，,：:]?\s*[您你])"),
        # 张三先生 / 李女士 anywhere
        regex.compile(r"(?P<name>(?:" + "|".join(map(regex.escape, surnames)) + r")\p{Han}{0,2}?)(?=先生|女士)"),
        # 紧急联系人李四借款…  (a third party named in the message)
        regex.compile(
            r"(?:紧急联系人|联系人|朋友|亲属|家人|同事|担保人|借款人|亲友)\s*"
            + name
            + r"(?=[在的借欠已于因，,。、\s]|$)"
        ),
    )
    en_names = regex.compile(
        r"\b(?:Dear|Hi|Hello|Attn:?|Mr\.?|Mrs\.?|Ms\.?|Miss|Mx\.?)\s+"
        r"(?P<name>[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?)"
    )
    return _Patterns(
        labels={str(k): str(v) for k, v in data["labels"].items()},
        # 18-digit resident ID (17 digits + digit or X) and the old 15-digit form; over-hiding is safe.
        cn_id=regex.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])"),
        ssn=regex.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)"),
        nino=regex.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"),
        long_digits=regex.compile(r"(?<!\d)\d(?:[ \-]?\d){11,18}(?!\d)"),
        phone_like=regex.compile(r"(?<![\d+])\+?\d[\d \-()]{5,18}\d(?!\d)"),
        zh_names=zh_names,
        en_names=en_names,
        not_names=frozenset(str(n) for n in data["not_names"]),
    )


def _same_number(a: str, b: str) -> bool:
    # Compare the last ten digits, so "+86 139…", "0086139…" and "139…" (or "07700…" and "+44 7700…")
    # are one number whatever country code or trunk 0 is written.
    n = min(10, len(a), len(b))
    return n >= 7 and a[-n:] == b[-n:]


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def redact(text: str, options: Redaction | None = None) -> Redacted:
    """Find what ``options`` says to hide in ``text``. With ``enabled=False`` nothing is hidden."""
    options = options or Redaction()
    if not options.enabled:
        return Redacted(text, ())
    p = _patterns()
    found: list[tuple[int, int, str, str]] = []

    own = [_digits(n) for n in options.own_phones if len(_digits(n)) >= 7]
    if own:
        for m in p.phone_like.finditer(text):
            if any(_same_number(_digits(m.group()), o) for o in own):
                found.append((m.start(), m.end(), "own_phone", p.labels["own_phone"]))
    for m in p.cn_id.finditer(text):
        found.append((m.start(), m.end(), "id_number", p.labels["id_number"]))
    for m in p.ssn.finditer(text):
        found.append((m.start(), m.end(), "ssn", p.labels["ssn"]))
    for m in p.nino.finditer(text):
        found.append((m.start(), m.end(), "national_insurance", p.labels["national_insurance"]))
    for m in p.long_digits.finditer(text):
        digits = _digits(m.group())
        kind = "card_number" if 13 <= len(digits) <= 19 and luhn.is_valid(digits) else "account_number"
        found.append((m.start(), m.end(), kind, p.labels[kind].format(tail=digits[-4:])))
    for pattern in p.zh_names:
        for m in pattern.finditer(text):
            if m.group("name") not in p.not_names:
                found.append((m.start("name"), m.end("name"), "name", p.labels["name"]))
    for m in p.en_names.finditer(text):
        first = m.group("name").split()[0]
        if first not in p.not_names:
            found.append((m.start("name"), m.end("name"), "name", p.labels["name"]))
    for given in options.names:
        given = given.strip()
        if len(given) >= 2:
            literal = regex.escape(given)
            if given.isascii():
                literal = rf"\b{literal}\b"  # "Sam" must not hide part of "Samsung"
            for m in regex.finditer(literal, text, flags=regex.IGNORECASE):
                found.append((m.start(), m.end(), "name", p.labels["name"]))
    return Redacted(text, _merge(found))


def _merge(found: list[tuple[int, int, str, str]]) -> tuple[tuple[int, int, str, str], ...]:
    # Overlapping hits (an ID that also looks like an account number) become one: the earliest and
    # longest wins, so every original character is hidden at most once.
    out: list[tuple[int, int, str, str]] = []
    for hit in sorted(found, key=lambda h: (h[0], -(h[1] - h[0]))):
        if out and hit[0] < out[-1][1]:
            last = out[-1]
            out[-1] = (last[0], max(last[1], hit[1]), last[2], last[3])
            continue
        out.append(hit)
    return tuple(out)


def redact_many(texts: Sequence[str], options: Redaction | None = None) -> list[Redacted]:
    """Redact a set of messages together: a name detected in one ("Dear Sam Taylor") is hidden in
    all of them ("Sam, we will …"), since a collector's messages name the same person."""
    options = options or Redaction()
    if not options.enabled:
        return [Redacted(t, ()) for t in texts]
    first = [redact(t, options) for t in texts]
    names: dict[str, None] = {}
    for r in first:
        for s, e, kind, _label in r.hits:
            if kind != "name":
                continue
            name = r.original[s:e]
            names[name] = None
            # "Sam Taylor" also appears as "Sam" or "Taylor"; short parts would hide ordinary words.
            for part in name.split():
                if len(part) >= 3:
                    names[part] = None
    extra = tuple(n for n in names if n not in options.names)
    if not extra:
        return first
    wider = Redaction(own_phones=options.own_phones, names=(*options.names, *extra))
    return [redact(t, wider) for t in texts]
