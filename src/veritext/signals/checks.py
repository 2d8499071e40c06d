"""The small pure functions behind the named rules in data/signals.yaml.

Each check takes what the extract stage found (plus the rule's own parameters) and returns the
evidence as spans of the ORIGINAL text — or ``None`` when it does not fire. An empty tuple means
"fired, but the evidence is the message as a whole (or the sender)".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from veritext.extract import (
    SUSPICIOUS_TLDS,
    Extraction,
    brand_lookalikes,
    institutions_for_domain,
    institutions_for_number,
)
from veritext.facts import Institution
from veritext.message import Context, Entity, Span
from veritext.senders import SenderInfo

Result = tuple[Span, ...] | None


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What the checks know besides the message: the person's answers, time, jurisdiction, earlier rules."""

    context: Context
    jurisdiction: str
    received_at: datetime | None
    fired: frozenset[str] = frozenset()


Check = Callable[[Extraction, RuleContext, Mapping[str, Any]], Result]
CHECKS: dict[str, Check] = {}
# Optional fast forms of a check: given a rule's parameters once, return a function of (ext, rc) that
# gives exactly what ``CHECKS[name](ext, rc, params)`` gives, with the parameters already read.
Runner = Callable[[Extraction, RuleContext], Result]
COMPILERS: dict[str, Callable[[Mapping[str, Any]], Runner]] = {}

_FINANCE_CATEGORIES = (
    "overdue",
    "debt",
    "due",
    "bill",
    "loan_ad",
    "account_notice",
    "credit_report",
    "request_pay",
)
_FINANCE_CATEGORY_SET = frozenset(_FINANCE_CATEGORIES)
_FINANCE_ORG_TYPES = {"bank", "consumer_finance", "lender", "platform"}
_REQUEST_CATEGORIES = ("request_click", "request_pay", "request_call", "ask_code", "ask_id_card", "ask_password",
                       "safe_account", "transfer_personal", "screen_sharing")  # fmt: skip
_GOV_SUFFIXES = ("gov.cn", "gov", "gov.uk", "court.gov.cn", "police.uk", "ftc.gov")


def check(name: str) -> Callable[[Check], Check]:
    """Register a check function under the name rules use in data/signals.yaml."""

    def register(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return register


def _spans(ext: Extraction, categories: Sequence[str]) -> tuple[Span, ...]:
    found: set[tuple[int, int]] = set()
    for cat in categories:
        found.update(ext.hits.get(cat, ()))
    return tuple(ext.norm.span(s, e) for s, e in sorted(found))


def _urls(ext: Extraction) -> tuple[Entity, ...]:
    return ext.of_kind("url")


def _has_link(ext: Extraction) -> bool:
    """A link, or one the quoting source masked (lexicon ``link_placeholder``): the reader has the real one."""
    return bool(ext.of_kind("url")) or "link_placeholder" in ext.hits


def _named_finance_institutions(ext: Extraction) -> tuple[Institution, ...]:
    return tuple(i for i in ext.institutions if i.kind in _FINANCE_ORG_TYPES or i.kind == "bank")


def finance_story(ext: Extraction) -> bool:
    """Does the message present itself as about money owed, lent, paid or held by an institution?"""
    if ext.institutions or not _FINANCE_CATEGORY_SET.isdisjoint(ext.hits):
        return True
    return any(e.attrs.get("type") in _FINANCE_ORG_TYPES for e in ext.of_kind("organization"))


def _is_gov(domain: str) -> bool:
    return any(domain == s or domain.endswith("." + s) for s in _GOV_SUFFIXES)


def _official_for(inst: Institution, host: str, registrable: str) -> bool:
    return any(host == d or host.endswith("." + d) or registrable == d for d in (*inst.domains, *inst.shorteners))


@check("terms")
def terms(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """Fires when any of ``categories`` matched (all of them with ``all: true``), unless one of ``unless`` did.

    ``with_any`` needs one of those categories too; ``needs_finance`` / ``needs_request`` / ``needs_link``
    need a money story, a demand, or a link in the message.
    """
    cats: list[str] = list(p["categories"])
    if any(ext.has(c) for c in p.get("unless", ())):
        return None
    if p.get("all"):
        if not all(ext.has(c) for c in cats):
            return None
    elif not any(ext.has(c) for c in cats):
        return None
    if p.get("with_any") and not any(ext.has(c) for c in p["with_any"]):
        return None
    if p.get("needs_finance") and not (finance_story(ext) or ext.has("account_lure")):
        return None
    if p.get("needs_request") and not any(ext.has(c) for c in _REQUEST_CATEGORIES):
        return None
    if p.get("needs_link") and not _has_link(ext):
        return None
    if "max_weight_language" in p and ext.language != p["max_weight_language"]:
        return None
    return _spans(ext, cats)


def _compile_terms(p: Mapping[str, Any]) -> Runner:
    """:func:`terms` with its parameters read once (same result for every input)."""
    cats = tuple(p["categories"])
    unless = tuple(p.get("unless", ()))
    need_all = bool(p.get("all"))
    with_any = tuple(p["with_any"]) if p.get("with_any") else ()
    needs_finance = bool(p.get("needs_finance"))
    needs_request = bool(p.get("needs_request"))
    needs_link = bool(p.get("needs_link"))
    check_language = "max_weight_language" in p
    language = p.get("max_weight_language")

    def run(ext: Extraction, rc: RuleContext) -> Result:
        hits = ext.hits
        for c in unless:
            if c in hits:
                return None
        if need_all:
            for c in cats:
                if c not in hits:
                    return None
        elif not any(c in hits for c in cats):
            return None
        if with_any and not any(c in hits for c in with_any):
            return None
        if needs_finance and not (finance_story(ext) or "account_lure" in hits):
            return None
        if needs_request and not any(c in hits for c in _REQUEST_CATEGORIES):
            return None
        if needs_link and not _has_link(ext):
            return None
        if check_language and ext.language != language:
            return None
        return _spans(ext, cats)

    return run


COMPILERS["terms"] = _compile_terms


@check("link_not_official")
def link_not_official(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """A link in a money / institution message that is not on a domain the named institution uses."""
    urls = _urls(ext)
    if not urls or not finance_story(ext):
        return None
    named = _named_finance_institutions(ext)
    bad: list[Span] = []
    for url in urls:
        host = str(url.attrs["host"])
        reg = str(url.attrs["registrable_domain"])
        if _is_gov(reg):
            continue
        if named:
            if any(_official_for(i, host, reg) for i in named):
                continue
        elif any(_official_for(i, host, reg) for i in institutions_for_domain(host)):
            continue
        bad.append(url.span)
    return tuple(bad) or None


@check("official_domain_link")
def official_domain_link(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """Every link is on a verified domain or short-link host of an institution the message names."""
    urls = _urls(ext)
    named = ext.institutions
    if not urls or not named:
        return None
    for url in urls:
        host, reg = str(url.attrs["host"]), str(url.attrs["registrable_domain"])
        if not any(_official_for(i, host, reg) for i in named):
            return None
    return tuple(u.span for u in urls)


@check("lookalike_domain")
def lookalike_domain(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """A host that carries an institution's brand (icbc, 10086 …) but is not that institution's domain."""
    bad: list[Span] = []
    for url in _urls(ext):
        host, reg = str(url.attrs["host"]), str(url.attrs["registrable_domain"])
        brands = brand_lookalikes(host)
        if brands and not any(_official_for(i, host, reg) or reg in i.known_domains for i in brands):
            bad.append(url.span)
    return tuple(bad) or None


@check("homograph_domain")
def homograph_domain(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """A link written with lookalike letters from another script, or as punycode (xn--)."""
    bad: list[Span] = []
    folded = [e.span for e in ext.norm.edits if e.kind == "homoglyph"]
    for url in _urls(ext):
        if url.attrs.get("punycode") or any(s.start < url.span.end and url.span.start < s.end for s in folded):
            bad.append(url.span)
    return tuple(bad) or None


@check("url_attr")
def url_attr(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """Links with a given attribute (``attr: shortener`` / ``is_ip``) — minus the named institution's own."""
    attr = str(p["attr"])
    hit = []
    for url in _urls(ext):
        if not url.attrs.get(attr):
            continue
        host, reg = str(url.attrs["host"]), str(url.attrs["registrable_domain"])
        if any(_official_for(i, host, reg) for i in ext.institutions):
            continue
        hit.append(url.span)
    return tuple(hit) or None


@check("suspicious_tld")
def suspicious_tld(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """Links under top-level domains that cheap throw-away phishing sites favour."""
    hit = [u.span for u in _urls(ext) if u.attrs.get("suffix") in SUSPICIOUS_TLDS]
    return tuple(hit) or None


@check("obfuscation")
def obfuscation(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """Hidden characters, lookalike letters, spaced-out digits or disguised dots: text built to dodge filters."""
    kinds = set(p.get("edits", ("format_char", "homoglyph", "url_obfuscation", "spaced_digits")))
    spans = [e.span for e in ext.norm.edits if e.kind in kinds]
    if not spans:
        return None
    return tuple(sorted(set(spans), key=lambda s: (s.start, s.end)))


@check("personal_sender_as_institution")
def personal_sender_as_institution(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """A personal mobile number sends what presents itself as a bank, lender, court or police message."""
    if not ext.sender.is_personal:
        return None
    orgs = [e for e in ext.of_kind("organization") if e.attrs.get("type") != "law_firm"]
    sigs = ext.of_kind("signature")
    if not (orgs or sigs or ext.institutions):
        return None
    return tuple(e.span for e in (*sigs, *orgs))


@check("overseas_sender")
def overseas_sender(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """The sender's number belongs to another country than the one the message is about."""
    region = ext.sender.region
    if not region:
        return None
    home = {"CN": {"CN"}, "US": {"US", "CA"}, "UK": {"GB"}}.get(rc.jurisdiction, set())
    return () if region not in home else None


@cache
def _verified_contact_digits() -> frozenset[str]:
    from veritext.facts import contacts

    return frozenset("".join(ch for ch in c.value if ch.isdigit()) for c in contacts().values())


@check("call_number_not_official")
def call_number_not_official(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """The message asks you to call a number that no named institution is known to use."""
    if not ext.has("request_call"):
        return None
    verified_contacts = _verified_contact_digits()
    bad = []
    for ph in ext.of_kind("phone"):
        digits = str(ph.attrs.get("national", ph.value))
        if digits in verified_contacts:
            continue
        owners = institutions_for_number(digits)
        if owners and (not ext.institutions or set(owners) & set(ext.institutions)):
            continue
        bad.append(ph.span)
    return tuple(bad) or None


@check("case_filed_unverifiable")
def case_filed_unverifiable(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """A "case has been filed" claim that names no court, or sends you to a link or number to deal with it."""
    # News about courts is not a claim against the reader: it must be addressed to "you".
    if not ext.has("case_filed") or not ext.has("second_person"):
        return None
    courts = [e for e in ext.of_kind("organization") if e.attrs.get("type") == "court" and len(e.value) > 3]
    non_gov_links = [u for u in _urls(ext) if not _is_gov(str(u.attrs["registrable_domain"]))]
    asks = ext.has("request_call") and bool(ext.of_kind("phone"))
    if courts and not non_gov_links and not asks:
        return None
    if rc.jurisdiction == "CN" and ext.sender.digits == "12368" and not non_gov_links:
        return None
    return _spans(ext, ("case_filed", "court")) + tuple(u.span for u in non_gov_links)


@check("impersonates")
def impersonates(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """Court / police / regulator wording together with a demand (pay, click, call, give details)."""
    category = str(p["category"])
    if not ext.has(category):
        return None
    if not any(ext.has(c) for c in _REQUEST_CATEGORIES) and not _urls(ext):
        return None
    if ext.sender.type == "cn_government_12" and not _urls(ext):
        return None
    return _spans(ext, (category,))


@check("unrequested_code")
def unrequested_code(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """A verification code the person says they did not ask for."""
    if rc.context.requested_code != "no":
        return None
    if not (ext.has("verification_code") or ext.of_kind("verification_code")):
        return None
    return _spans(ext, ("verification_code",))


NIGHT_CATEGORIES = ("overdue", "due", "legal", "third_party")  # what makes a message a collection or reminder


def night_window(p: Mapping[str, Any]) -> tuple[int, int]:
    """A ``night_contact`` rule's night: from ``from_hour`` (inclusive) to ``to_hour`` (exclusive)."""
    return int(p.get("from_hour", 21)), int(p.get("to_hour", 8))


def at_night(hour: int, window: tuple[int, int]) -> bool:
    """Whether ``hour`` falls in the night ``window`` (see :func:`night_window`)."""
    start, end = window
    return hour >= start or hour < end


@check("night_contact")
def night_contact(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """A collection or reminder message received late at night or early in the morning."""
    if rc.received_at is None:
        return None
    if not any(ext.has(c) for c in NIGHT_CATEGORIES):
        return None
    return () if at_night(rc.received_at.hour, night_window(p)) else None


# Of the sender and the time, the checks (and ``message_facts``) read only what ``sender_facts`` gives
# and, through ``night_contact``, the hour of a collection message. The pipeline keys a text's
# verdicts on that (bulk traffic sends one text from thousands of numbers at all hours), so a check
# that starts reading anything else of the sender or the time must add it to ``sender_facts`` (or to
# ``veritext.signals.situation``); tests/test_signals.py checks the contract on real senders. A check
# that reads the sender's number (digits, 12368, owners) must also be listed in ``_SENDER_CHECKS`` of
# ``veritext.signals`` (or, if it reads only the type's class or the region, in ``_CLASS_CHECKS``):
# ``situation`` keeps the number's facts only for texts on which a listed check can fire.
@lru_cache(maxsize=65_536)
def sender_facts(sender: SenderInfo) -> tuple[str, str, bool, bool, tuple[str, ...]]:
    """(type, region, has digits, is the court line 12368, ids of the institutions sending from it)."""
    digits = sender.digits
    owners = tuple(i.id for i in institutions_for_number(digits)) if digits else ()
    return sender.type, sender.region, bool(digits), digits == "12368", owners


@check("genuine_signature_sender")
def genuine_signature_sender(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """The 【signature】 is a verified one of an institution AND the sender is that institution's number."""
    if not ext.sender.digits:
        return None
    owners = set(institutions_for_number(ext.sender.digits))
    if not owners:
        return None
    for sig in ext.of_kind("signature"):
        for inst in ext.institutions:
            if inst in owners and any(s.strip("【】[]") == sig.value for s in inst.signatures):
                return (sig.span,)
    return None


@check("signature_sender_mismatch")
def signature_sender_mismatch(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """A bank's 【signature】 arrives from a number that bank is not known to send from."""
    if not ext.sender.digits or ext.sender.is_personal:
        return None
    owners = set(institutions_for_number(ext.sender.digits))
    for sig in ext.of_kind("signature"):
        for inst in ext.institutions:
            signed = any(s.strip("【】[]") == sig.value for s in inst.signatures)
            if signed and inst.sms_senders and inst not in owners:
                return (sig.span,)
    return None


@check("entity")
def entity(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """Fires on entities of ``kind`` (optionally only when categories ``with`` also matched)."""
    ents = ext.of_kind(str(p["kind"]))
    if not ents or any(not ext.has(c) for c in p.get("with", ())):
        return None
    return tuple(e.span for e in ents)


@check("sender_type")
def sender_type(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """The sender is one of ``types``."""
    return () if ext.sender.type in set(p["types"]) else None


@check("informational")
def informational(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """Tells you something and asks nothing: no link, no number to call, no demand."""
    if _urls(ext) or ext.of_kind("phone") or ext.of_kind("email"):
        return None
    if any(
        ext.has(c)
        for c in (*_REQUEST_CATEGORIES, "request_reply", "threat", "urgency", "loan_ad", "marketing", "prize")
    ):
        return None
    if not finance_story(ext) and not ext.has("verification_code"):
        return None
    return ()


_NOT_INFORMATIONAL = frozenset(
    (*_REQUEST_CATEGORIES, "request_reply", "threat", "urgency", "loan_ad", "marketing", "prize")
)


def _compile_informational(p: Mapping[str, Any]) -> Runner:
    """:func:`informational` with its category list made a set once (same result for every input)."""

    def run(ext: Extraction, rc: RuleContext) -> Result:
        if _urls(ext) or ext.of_kind("phone") or ext.of_kind("email"):
            return None
        if not _NOT_INFORMATIONAL.isdisjoint(ext.hits):
            return None
        if not finance_story(ext) and "verification_code" not in ext.hits:
            return None
        return ()

    return run


COMPILERS["informational"] = _compile_informational


@check("composite")
def composite(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """Fires when all of ``all_of`` and at least one of ``any_of`` earlier rules fired."""
    if not all(r in rc.fired for r in p.get("all_of", ())):
        return None
    any_of = p.get("any_of", ())
    if any_of and not any(r in rc.fired for r in any_of):
        return None
    return ()


@check("link_with")
def link_with(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """A link together with any of ``categories`` (e.g. "pay your overdue loan at this link").

    A link on a named institution's official domain clears it, and so does a government site with
    ``skip_gov`` (a traffic notice on the police's own site is where a real one sends you).
    """
    urls = _urls(ext)
    if not any(ext.has(c) for c in p["categories"]):
        return None
    if not _has_link(ext):
        return None
    if any(
        _official_for(i, str(u.attrs["host"]), str(u.attrs["registrable_domain"]))
        for u in urls
        for i in ext.institutions
    ):
        return None
    if p.get("skip_gov") and any(_is_gov(str(u.attrs["registrable_domain"])) for u in urls):
        return None
    return tuple(u.span for u in urls) + _spans(ext, ("link_placeholder", *p["categories"]))


@check("no_loan_dunned")
def no_loan_dunned(ext: Extraction, rc: RuleContext, p: Mapping[str, Any]) -> Result:
    """The person says they have no loan with this lender, yet the message says they owe or must repay."""
    if rc.context.has_loan != "no":
        return None
    cats = ("overdue", "due", "bill", "credit_report")
    if not any(ext.has(c) for c in cats):
        return None
    return _spans(ext, cats)
