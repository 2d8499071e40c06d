"""The person's own rules: allow / deny lists of senders and domains, and keyword or regex rules.

People ask every filter for the same two things: allow-lists, so real bank and lender messages are never
lost, and rules of their own. Here they live in a TOML file (read with the standard library's
``tomllib``, written with ``tomli_w``)::

    version = 1

    [allow]                       # messages from these look genuine (weight default -2)
    senders = ["95588", "1069*"]  # a trailing * matches any number that starts so
    domains = ["mucfc.com"]       # the domain and its subdomains

    [deny]                        # and these look like fraud (weight default +3)
    senders = ["+86 170 0000 0000"]
    domains = ["xx-repay.top"]

    [[rules]]
    id = "student-loan"
    keywords = ["校园贷", "student loan"]   # any of them, case-insensitive
    weight = 1.5
    description = { zh = "提到校园贷", en = "Mentions a student loan" }

    [[rules]]
    id = "refund-link"
    regex = "退款.{0,10}链接"                # the `regex` module's syntax
    weight = 2.0

Each fired rule becomes a signal of group ``user`` (``USER_STUDENT_LOAN`` …) with its weight and the
words it matched, so it shows in a verdict's reasons like a built-in rule and feeds the same score.
A list's weight is only evidence: a fake base station can send from a real bank's number.

User regexes are validated when the file is loaded (a clear error names the rule), patterns that can
backtrack for seconds on a simple input are refused, and at triage time every match runs under a
timeout: a rule cannot hang triage. A rule that runs out of time does not fire; a zero-weight
``USER_RULE_TIMEOUT`` signal says which one, so the person can fix it.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import idna
import regex
import tomli_w

from veritext.extract import Extraction
from veritext.message import I18nText, Signal, Span
from veritext.normalize import normalize
from veritext.senders import classify_sender

__all__ = ["RulesError", "UserRule", "UserRules", "dump_rules", "evaluate", "parse_rules"]

# Per rule and per message, in seconds. A message is short; a healthy pattern needs microseconds.
RULE_TIMEOUT = 0.05
MESSAGE_BUDGET = 0.25
# A list is only evidence (fake base stations spoof real numbers): strong, never decisive alone.
DEFAULT_ALLOW_WEIGHT = -2.0
DEFAULT_DENY_WEIGHT = 3.0
_MAX_PATTERN = 1000
_MAX_RULES = 500
_MAX_LIST = 5000
_ID_RE = regex.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_DIGITS_RE = regex.compile(r"^\+?[\d\s()-]{3,30}\*?$")
_RULE_KEYS = frozenset({"id", "weight", "keywords", "regex", "description", "in"})

_ALLOWED_SENDER = I18nText(
    "发送号码在你的白名单里（但伪基站也能冒用真实号码，这只是一条证据）",
    "The sender is on your allow-list (fake base stations can spoof real numbers, so this is one clue only)",
)
_DENIED_SENDER = I18nText("发送号码在你的黑名单里", "The sender is on your deny-list")
_ALLOWED_DOMAIN = I18nText(
    "短信里的链接都在你白名单里的域名上", "Every link in the message is on a domain you allow-listed"
)
_DENIED_DOMAIN = I18nText(
    "短信里有链接指向你黑名单里的域名", "A link in the message goes to a domain on your deny-list"
)
_TIMED_OUT = I18nText(
    "你的自定义规则运行超时，已跳过（请简化它的正则表达式）：{ids}",
    "Your own rule took too long and was skipped (simplify its regular expression): {ids}",
)


class RulesError(ValueError):
    """The rules file is malformed; the message names the rule (or section) and the problem."""


@dataclass(frozen=True, slots=True)
class UserRule:
    """One keyword or regex rule. ``target`` is what it looks at: the message ``text`` or the ``sender``."""

    id: str
    weight: float
    description: I18nText
    keywords: tuple[str, ...] = ()
    pattern: str = ""
    target: Literal["text", "sender"] = "text"

    @property
    def signal_id(self) -> str:
        """The id its signal carries: ``student-loan`` → ``USER_STUDENT_LOAN``."""
        return "USER_" + regex.sub(r"[^A-Za-z0-9]", "_", self.id).upper()


@dataclass(frozen=True, slots=True)
class UserRules:
    """A validated rules document. Frozen and made of tuples, so it can sit in a hashable Context."""

    allow_senders: tuple[str, ...] = ()
    deny_senders: tuple[str, ...] = ()
    allow_domains: tuple[str, ...] = ()
    deny_domains: tuple[str, ...] = ()
    allow_weight: float = DEFAULT_ALLOW_WEIGHT
    deny_weight: float = DEFAULT_DENY_WEIGHT
    rules: tuple[UserRule, ...] = ()

    def count(self) -> int:
        """How many entries and rules there are in all."""
        return (
            len(self.allow_senders)
            + len(self.deny_senders)
            + len(self.allow_domains)
            + len(self.deny_domains)
            + len(self.rules)
        )


# ------------------------------------------------------------------------------------------ loading


@cache
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern)


def _probes(pattern: str) -> tuple[str, ...]:
    """Simple inputs on which a catastrophically backtracking pattern blows up: runs of its own letters."""
    chars = [c for c in dict.fromkeys(pattern) if c.isalnum()][:12]
    return tuple(c * 300 + "\x00" for c in (*chars, "a", "1", " "))


def _check_pattern(pattern: str, where: str) -> None:
    if len(pattern) > _MAX_PATTERN:
        raise RulesError(f"{where}: regex is longer than {_MAX_PATTERN} characters")
    try:
        compiled = _compiled(pattern)
    except regex.error as exc:
        raise RulesError(f"{where}: regex {pattern!r} does not compile: {exc}") from None
    try:
        if compiled.search("", timeout=RULE_TIMEOUT) is not None:
            raise RulesError(f"{where}: regex {pattern!r} matches empty text, so it would fire on every message")
        for probe in _probes(pattern):
            compiled.search(probe, timeout=RULE_TIMEOUT)
    except TimeoutError:
        raise RulesError(
            f"{where}: regex {pattern!r} takes too long even on a simple input (nested repeats such as "
            "(a+)+ backtrack catastrophically); simplify it"
        ) from None


def _strings(value: Any, where: str, *, limit: int = _MAX_LIST) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulesError(f"{where}: expected a list of non-empty strings")
    if len(value) > limit:
        raise RulesError(f"{where}: more than {limit} entries")
    return tuple(dict.fromkeys(v.strip() for v in value))


def _weight(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not -10 <= value <= 10:
        raise RulesError(f"{where}: weight must be a number from -10 to 10, not {value!r}")
    return float(value)


def _domain(entry: str, where: str) -> str:
    host = regex.sub(r"^[a-z][a-z0-9+.-]*://", "", entry.strip().lower()).split("/")[0].split(":")[0]
    host = host.removeprefix("*.").strip(".")
    try:
        host = idna.encode(host, uts46=True).decode("ascii") if not host.isascii() else host
    except idna.IDNAError:
        raise RulesError(f"{where}: {entry!r} is not a domain") from None
    if not regex.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}", host):
        raise RulesError(f"{where}: {entry!r} is not a domain (e.g. example.com)")
    return host


def _sender(entry: str, where: str) -> str:
    if len(entry) > 64:
        raise RulesError(f"{where}: {entry!r} is too long for a sender")
    return entry.strip()


def _section(raw: Any, name: str, default_weight: float) -> tuple[tuple[str, ...], tuple[str, ...], float]:
    if raw is None:
        return (), (), default_weight
    if not isinstance(raw, dict):
        raise RulesError(f"[{name}]: expected a table with senders, domains and weight")
    unknown = set(raw) - {"senders", "domains", "weight"}
    if unknown:
        raise RulesError(f"[{name}]: unknown key(s) {sorted(unknown)} (known: senders, domains, weight)")
    senders = tuple(_sender(s, f"[{name}].senders") for s in _strings(raw.get("senders", []), f"[{name}].senders"))
    domains = tuple(
        dict.fromkeys(_domain(d, f"[{name}].domains") for d in _strings(raw.get("domains", []), f"[{name}].domains"))
    )
    weight = _weight(raw["weight"], f"[{name}].weight") if "weight" in raw else default_weight
    return senders, domains, weight


def _description(raw: Any, where: str, rule_id: str) -> I18nText:
    if raw is None:
        return I18nText(zh=f"你的规则 {rule_id} 命中", en=f"Your rule {rule_id} matched")
    if isinstance(raw, str) and raw.strip():
        return I18nText(zh=raw.strip(), en=raw.strip())  # the person's own words, in their language
    if isinstance(raw, dict) and set(raw) <= {"zh", "en"} and any(isinstance(v, str) and v for v in raw.values()):
        zh, en = str(raw.get("zh") or raw.get("en")), str(raw.get("en") or raw.get("zh"))
        return I18nText(zh=zh.strip(), en=en.strip())
    raise RulesError(f"{where}: description must be a string or {{ zh = …, en = … }}")


def _rule(raw: Any, n: int, seen: set[str]) -> UserRule:
    if not isinstance(raw, dict):
        raise RulesError(f"[[rules]] #{n}: expected a table")
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID_RE.match(rid):
        raise RulesError(f"[[rules]] #{n}: id must be letters, digits, - or _ (up to 40), not {rid!r}")
    where = f"rule {rid!r}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {sorted(unknown)} (known: {', '.join(sorted(_RULE_KEYS))})")
    rule_key = rid.upper().replace("-", "_")
    if rule_key in seen:
        raise RulesError(f"{where}: the id is used twice")
    seen.add(rule_key)
    if "weight" not in raw:
        raise RulesError(f"{where}: needs a weight (positive = looks like fraud, negative = looks genuine)")
    weight = _weight(raw["weight"], where)
    has_kw, has_re = "keywords" in raw, "regex" in raw
    if has_kw == has_re:
        raise RulesError(f"{where}: give either keywords = [...] or regex = '...', not both or neither")
    keywords: tuple[str, ...] = ()
    pattern = ""
    if has_kw:
        keywords = _strings(raw["keywords"], f"{where}: keywords", limit=200)
    else:
        if not isinstance(raw["regex"], str) or not raw["regex"]:
            raise RulesError(f"{where}: regex must be a non-empty string")
        pattern = raw["regex"]
        _check_pattern(pattern, where)
    target = raw.get("in", "text")
    if target not in ("text", "sender"):
        raise RulesError(f'{where}: in must be "text" or "sender", not {target!r}')
    return UserRule(
        id=rid,
        weight=weight,
        description=_description(raw.get("description"), where, rid),
        keywords=keywords,
        pattern=pattern,
        target=target,
    )


def parse_rules(text: str) -> UserRules:
    """Parse and validate a rules document (TOML); :class:`RulesError` names what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"not valid TOML: {exc}") from None
    unknown = set(data) - {"version", "allow", "deny", "rules"}
    if unknown:
        raise RulesError(f"unknown top-level key(s) {sorted(unknown)} (known: version, allow, deny, rules)")
    if data.get("version", 1) != 1:
        raise RulesError(f"version {data.get('version')!r} is not supported (this Veritext reads version 1)")
    allow_s, allow_d, allow_w = _section(data.get("allow"), "allow", DEFAULT_ALLOW_WEIGHT)
    deny_s, deny_d, deny_w = _section(data.get("deny"), "deny", DEFAULT_DENY_WEIGHT)
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise RulesError("rules: expected [[rules]] tables")
    if len(raw_rules) > _MAX_RULES:
        raise RulesError(f"rules: more than {_MAX_RULES} rules")
    seen: set[str] = set()
    rules = tuple(_rule(r, n, seen) for n, r in enumerate(raw_rules, start=1))
    return UserRules(
        allow_senders=allow_s,
        deny_senders=deny_s,
        allow_domains=allow_d,
        deny_domains=deny_d,
        allow_weight=allow_w,
        deny_weight=deny_w,
        rules=rules,
    )


def dump_rules(rules: UserRules) -> str:
    """The rules as a TOML document that :func:`parse_rules` reads back to the same value."""
    doc: dict[str, Any] = {"version": 1}
    for name, senders, domains, weight in (
        ("allow", rules.allow_senders, rules.allow_domains, rules.allow_weight),
        ("deny", rules.deny_senders, rules.deny_domains, rules.deny_weight),
    ):
        doc[name] = {"senders": list(senders), "domains": list(domains), "weight": weight}
    out: list[dict[str, Any]] = []
    for r in rules.rules:
        item: dict[str, Any] = {"id": r.id, "weight": r.weight}
        if r.pattern:
            item["regex"] = r.pattern
        else:
            item["keywords"] = list(r.keywords)
        if r.target != "text":
            item["in"] = r.target
        desc = r.description
        item["description"] = desc.zh if desc.zh == desc.en else {"zh": desc.zh, "en": desc.en}
        out.append(item)
    if out:
        doc["rules"] = out
    return tomli_w.dumps(doc)


# ------------------------------------------------------------------------------------------ evaluating


@cache
def _needle(keyword: str) -> str:
    # Keywords go through the same normalisation as messages, so 「ＵＲＬ」 and "url" are the same word.
    return normalize(keyword).lower


def _sender_matches(entry: str, raw: str, digits: str) -> bool:
    if _DIGITS_RE.match(entry):
        wildcard = entry.endswith("*")
        want = classify_sender(entry.rstrip("*")).digits
        if not want or not digits:
            return False
        return digits.startswith(want) if wildcard else digits == want
    return raw.strip().casefold() == entry.casefold()


def _host_in(host: str, domains: tuple[str, ...]) -> str | None:
    return next((d for d in domains if host == d or host.endswith("." + d)), None)


def _keyword_spans(ext: Extraction, keywords: tuple[str, ...]) -> tuple[Span, ...]:
    lower = ext.norm.lower
    spans: list[Span] = []
    for kw in keywords:
        needle = _needle(kw)
        if not needle:
            continue
        start = lower.find(needle)
        while start >= 0 and len(spans) < 16:
            spans.append(ext.norm.span(start, start + len(needle)))
            start = lower.find(needle, start + len(needle))
    return tuple(sorted(spans, key=lambda s: (s.start, s.end)))


def _signal(sid: str, weight: float, desc: I18nText, spans: tuple[Span, ...] = (), detail: str = "") -> Signal:
    return Signal(id=sid, weight=weight, group="user", description=desc, spans=spans, detail=detail)


def evaluate(ext: Extraction, rules: UserRules | None, *, budget: float = MESSAGE_BUDGET) -> tuple[Signal, ...]:
    """The signals the person's rules give for this message (none without rules).

    Every regex search runs under :data:`RULE_TIMEOUT`, and all of them together under ``budget``
    seconds; a rule that runs out of time is skipped and named in a ``USER_RULE_TIMEOUT`` signal.
    """
    if rules is None:
        return ()
    out: list[Signal] = []
    sender_raw, digits = ext.sender.raw or "", ext.sender.digits
    if sender_raw:
        allowed = next((e for e in rules.allow_senders if _sender_matches(e, sender_raw, digits)), None)
        denied = next((e for e in rules.deny_senders if _sender_matches(e, sender_raw, digits)), None)
        if allowed:
            out.append(_signal("USER_ALLOWED_SENDER", rules.allow_weight, _ALLOWED_SENDER, detail=allowed))
        if denied:
            out.append(_signal("USER_DENIED_SENDER", rules.deny_weight, _DENIED_SENDER, detail=denied))
    urls = ext.of_kind("url")
    if urls:
        hosts = [(u, str(u.attrs.get("host", ""))) for u in urls]
        bad = [(u, d) for u, h in hosts if (d := _host_in(h, rules.deny_domains))]
        if bad:
            detail = ", ".join(dict.fromkeys(d for _, d in bad))
            out.append(
                _signal("USER_DENIED_DOMAIN", rules.deny_weight, _DENIED_DOMAIN, tuple(u.span for u, _ in bad), detail)
            )
        good = [(u, d) for u, h in hosts if (d := _host_in(h, rules.allow_domains))]
        if good and len(good) == len(hosts):
            detail = ", ".join(dict.fromkeys(d for _, d in good))
            out.append(
                _signal(
                    "USER_ALLOWED_DOMAIN", rules.allow_weight, _ALLOWED_DOMAIN, tuple(u.span for u, _ in good), detail
                )
            )
    deadline = time.monotonic() + budget
    timed_out: list[str] = []
    for rule in rules.rules:
        spans: tuple[Span, ...] | None
        try:
            spans = _rule_spans(ext, rule, deadline)
        except TimeoutError:
            timed_out.append(rule.id)
            continue
        if spans is not None:
            out.append(_signal(rule.signal_id, rule.weight, rule.description, spans, detail=rule.id))
    if timed_out:
        ids = ", ".join(timed_out)
        desc = I18nText(zh=_TIMED_OUT.zh.format(ids=ids), en=_TIMED_OUT.en.format(ids=ids))
        out.append(_signal("USER_RULE_TIMEOUT", 0.0, desc, detail=ids))
    return tuple(out)


def _rule_spans(ext: Extraction, rule: UserRule, deadline: float) -> tuple[Span, ...] | None:
    """Where the rule matched (``()``: it matched the sender); ``None``: no match; TimeoutError: out of time."""
    sender = ext.sender.raw or ""
    if not rule.pattern:
        if rule.target == "sender":
            return () if sender and any(_needle(k) in _needle(sender) for k in rule.keywords) else None
        return _keyword_spans(ext, rule.keywords) or None
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("the message's rule budget is spent")
    timeout = min(RULE_TIMEOUT, remaining)
    compiled = _compiled(rule.pattern)
    if rule.target == "sender":
        return () if sender and compiled.search(sender, timeout=timeout) else None
    found: list[Span] = []
    # One timeout covers the whole scan of the message, not each match.
    for m in compiled.finditer(ext.norm.text, timeout=timeout):
        if m.end() > m.start():
            found.append(ext.norm.span(m.start(), m.end()))
        if len(found) >= 16:
            break
    return tuple(found) or None


def rules_summary(rules: UserRules) -> Mapping[str, int]:
    """How many of each kind of entry there are (for ``veritext rules list``)."""
    return {
        "allow_senders": len(rules.allow_senders),
        "deny_senders": len(rules.deny_senders),
        "allow_domains": len(rules.allow_domains),
        "deny_domains": len(rules.deny_domains),
        "rules": len(rules.rules),
    }
