"""Extract stage: entities and lexicon hits from a normalised message.

URLs use an own ASCII host regex validated against the bundled public-suffix list, because URL
finders that want whitespace boundaries miss links glued to Chinese text (research/dependencies.md §2).
Phone numbers use ``phonenumbers``; amounts, dates and overdue days use small regexes plus ``cn2an`` for
Chinese numerals, because no library reads "逾期三天" or "1.2万元" correctly.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import ahocorasick
import cn2an
import idna
import phonenumbers
import regex
import tldextract
from phonenumbers import Leniency, PhoneNumberMatcher

from veritext.datafiles import load_yaml
from veritext.facts import Institution, institutions
from veritext.lexicon import default_lexicon
from veritext.message import Entity
from veritext.normalize import Normalized
from veritext.senders import SenderInfo, classify_sender

# phonenumbers compiles its metadata patterns per call through ``re.compile``, whose cache (512
# entries, shared with every other module) the pipeline's other patterns keep evicting them from:
# keep them compiled (bounded by the metadata).
phonenumbers.enable_pattern_cache()


@cache
def _domain_lists() -> Mapping[str, frozenset[str]]:
    raw = load_yaml(resources.files("veritext").joinpath("data/domains.yaml").read_text(encoding="utf-8"))
    return {key: frozenset(str(v).lower() for v in values) for key, values in raw.items()}


_BARE_SUFFIXES = _domain_lists()["bare_suffixes"]
SUSPICIOUS_TLDS = _domain_lists()["suspicious_tlds"]
SHORTENERS = _domain_lists()["shorteners"]

_URL_RE = regex.compile(
    r"""
    (?<![A-Za-z0-9@._-])
    (?P<scheme>(?:https?|ftp)://)?
    (?P<host>
        (?:\d{1,3}\.){3}\d{1,3}
      | (?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{1,59})
    )
    (?P<port>:\d{1,5})?
    (?P<path>[/?#][!#-;=?-~]{0,800})?
    """,
    regex.VERBOSE,
)
# Every host _URL_RE accepts has an ASCII letter or digit on each side of some dot (an IP's digits,
# or a label and a TLD): a text without that has no URL, and this scan is much cheaper.
_URL_HINT_RE = re.compile(r"[A-Za-z0-9]\.[A-Za-z0-9]")
_TRAILING_PUNCT = ".,;:!?)]}'\"*"
_EMAIL_RE = regex.compile(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}")

_CURRENCY_PREFIX = r"(?P<cur>¥|￥|rmb|cny|人民币|usd|us\$|\$|£|gbp|rs\.?|inr|₹|hk\$|hkd)"
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3}){1,5}(?:\.\d{1,2})?|\d{1,12}(?:\.\d{1,4})?)"
_AMOUNT_RE = regex.compile(
    rf"""
    {_CURRENCY_PREFIX}\s{{0,2}}{_NUMBER}\s{{0,1}}(?P<mult>万|千|百|k|m\b)?(?P<unit>元|块)?
  | (?<![\d.]){_NUMBER}\s{{0,1}}(?P<mult2>万|千|百)?\s{{0,1}}(?P<unit2>元|块|美元|英镑|美金|dollars?|pounds?|rupees?)
    """,
    regex.VERBOSE | regex.IGNORECASE,
)
_HAN_NUMERAL = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
_HAN_AMOUNT_RE = regex.compile(rf"(?P<num>[{_HAN_NUMERAL}]{{1,20}})(?P<unit>元|块)")
_OVERDUE_RE = regex.compile(
    rf"""
    (?:逾期|拖欠|超期|已欠|欠款)\s{{0,2}}(?:了|已)?\s{{0,2}}(?P<zh>\d{{1,4}}|[{_HAN_NUMERAL}]{{1,6}})\s{{0,2}}(?:天|日)
  | (?P<en>\d{{1,4}})\s{{0,2}}(?:-\s?)?days?\s{{1,3}}(?:past\s{{1,2}}due|overdue|late|delinquent|in\s{{1,2}}arrears)
    """,
    regex.VERBOSE | regex.IGNORECASE,
)
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE_RE = regex.compile(
    rf"""
    (?P<zh>(?:\d{{4}}\s?年\s?)?\d{{1,2}}\s?月\s?\d{{1,2}}\s?[日号])
  | (?P<iso>\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}})
  | (?P<en>(?:{_MONTHS})[a-z]{{0,6}}\.?\s{{1,2}}\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s{{1,2}}\d{{4}})?)
  | (?P<en2>\d{{1,2}}(?:st|nd|rd|th)?\s{{1,2}}(?:{_MONTHS})[a-z]{{0,6}}\.?(?:,?\s{{1,2}}\d{{4}})?)
  | (?P<num>(?<![\d/.-])\d{{1,2}}[/-]\d{{1,2}}[/-]\d{{2,4}}(?![\d/.-]))
    """,
    regex.VERBOSE | regex.IGNORECASE,
)
_DUE_AFTER_RE = regex.compile(r"\s{0,2}(前|之前|到期|截止)")
_LABEL_SPLIT_RE = regex.compile(r"[.-]")
_HYPHEN_SPLIT_RE = regex.compile(r"-")
_DUE_CUE_RE = regex.compile(r"还款日|到期|前还|之前|截止|due|by|before|deducted on", regex.IGNORECASE)
_PARTIAL_CARD_RE = regex.compile(
    r"(?:尾号|末四位|末尾|后四位|ending(?:\s{1,2}in)?|ending with|a/c(?:\s{1,2}no\.?)?|acct\.?|card)"
    r"\s{0,3}[:：为是]?\s{0,3}(?:[x*]{2,12}[\s-]?){0,4}(?P<tail>\d{3,4})(?!\d)"
    r"|(?<![\dx*])(?:[x*]{2,12}[\s-]?){1,4}(?P<tail2>\d{3,4})(?!\d)",
    regex.IGNORECASE,
)
_LONG_DIGITS_RE = regex.compile(r"(?<!\d)(?:\d[ -]?){11,22}\d(?!\d)")
_CODE_RE = regex.compile(
    r"(?:验证码|校验码|动态码|动态密码|确认码|code|otp|passcode|pin)[^0-9a-z]{0,12}(?P<a>\d{4,8})(?!\d)"
    r"|(?<!\d)(?P<b>\d{4,8})(?!\d)[^0-9]{0,14}(?:验证码|校验码|动态码|is your|is the|为您的|是您的|code|otp)",
    regex.IGNORECASE,
)
_SIGNATURE_RE = regex.compile(
    r"^\s{0,3}[【\[](?P<a>[^【】\[\]]{2,20})[】\]]|[【\[](?P<b>[^【】\[\]]{2,20})[】\]]\s{0,3}$"
)
_ORG_RE = regex.compile(
    r"(?P<name>\p{Han}{2,12}?(?P<type>银行|消费金融|小额贷款|金融服务|人民法院|法院|公安局|派出所|仲裁委员会|律师事务所))"
)
_ORG_SUFFIX_RE = re.compile("银行|消费金融|小额贷款|金融服务|人民法院|法院|公安局|派出所|仲裁委员会|律师事务所")
_ORG_TYPES = {
    "银行": "bank",
    "消费金融": "consumer_finance",
    "小额贷款": "lender",
    "金融服务": "lender",
    "人民法院": "court",
    "法院": "court",
    "公安局": "police",
    "派出所": "police",
    "仲裁委员会": "arbitration",
    "律师事务所": "law_firm",
}
# Domain labels that name no brand (a lookalike check on them would flag half the web).
_GENERIC_LABELS = frozenset(
    [
        "www",
        "wap",
        "app",
        "pay",
        "bank",
        "mail",
        "online",
        "mobile",
        "service",
        "login",
        "secure",
        "card",
        "loan",
        "credit",
    ]
)
_HAN_RE = regex.compile(r"\p{Han}")
_REDACTED_RE = re.compile("[xX]{3,}")
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CN_SHORT_RE = regex.compile(r"(?<![\d.,])(?P<n>95\d{3}|96\d{3}|12\d{3}|400[- ]?\d{3}[- ]?\d{4})(?![\d.,])")
_DIGIT_RE = regex.compile(r"\d")  # the same \d as in the patterns above (any Unicode decimal digit)
_DIGIT_WINDOW_RE = regex.compile(r"\+?\d[\d\s().-]{5,18}\d")

_MAX_VOCAB_ENTITIES = 50
# Categories exposed as entities (the rest stay internal lexicon hits used by signals and kinds).
_VOCAB_ENTITIES = {"legal": "legal_term", "overdue": "collection_term", "credit_report": "collection_term"}


@dataclass(frozen=True, slots=True)
class Extraction:
    """What the extract stage found: entities with original spans plus lexicon hits.

    ``hits`` maps a lexicon category to spans in the NORMALISED text (``norm.span`` maps them back).
    """

    norm: Normalized
    language: str
    sender: SenderInfo
    entities: tuple[Entity, ...]
    hits: Mapping[str, tuple[tuple[int, int], ...]]
    institutions: tuple[Institution, ...] = field(default=())
    # The entities grouped by kind (text order kept); derived from ``entities``. ``extract`` fills it,
    # so the many ``of_kind`` calls of the later stages are dict look-ups, not scans.
    _by_kind: Mapping[str, tuple[Entity, ...]] | None = field(default=None, repr=False, compare=False)
    _entity_cues: frozenset[str] | None = field(default=None, repr=False, compare=False)

    def of_kind(self, kind: str) -> tuple[Entity, ...]:
        """The entities of one kind, in text order."""
        if self._by_kind is not None:
            return self._by_kind.get(kind, ())
        return tuple(e for e in self.entities if e.kind == kind)

    @property
    def entity_cues(self) -> frozenset[str]:
        """``"@" + kind`` for every entity kind present (the names rules and the kind table use)."""
        if self._entity_cues is not None:
            return self._entity_cues
        kinds = self._by_kind.keys() if self._by_kind is not None else {e.kind for e in self.entities}
        return frozenset("@" + k for k in kinds)

    def has(self, category: str) -> bool:
        """Whether the lexicon category matched anywhere."""
        return category in self.hits

    def with_sender(self, sender: SenderInfo) -> Extraction:
        """This extraction with another sender: ``dataclasses.replace(self, sender=sender)`` written out,
        since ``replace`` looks the fields up on every call and a bulk scan calls this once per new row."""
        return Extraction(
            self.norm, self.language, sender, self.entities, self.hits, self.institutions,
            self._by_kind, self._entity_cues,
        )  # fmt: skip


@cache
def _tld() -> tldextract.TLDExtract:
    # Offline: never fetch the public-suffix list, never write a cache (dependencies.md, hazard 2).
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@dataclass(frozen=True, slots=True)
class _Registry:
    automaton: Any
    by_domain: Mapping[str, tuple[Institution, ...]]
    brand_tokens: Mapping[str, tuple[Institution, ...]]
    by_number: Mapping[str, tuple[Institution, ...]]


@cache
def _registry() -> _Registry:
    automaton = ahocorasick.Automaton()
    keys: dict[str, list[Institution]] = {}
    by_domain: dict[str, list[Institution]] = {}
    brands: dict[str, list[Institution]] = {}
    by_number: dict[str, list[Institution]] = {}
    for inst in institutions():
        for alias in (*inst.aliases, *(s.strip("【】[]") for s in inst.signatures)):
            alias = alias.strip().lower()
            # Two-letter Latin aliases ("GF") match too much ordinary English.
            if len(alias) >= 2 and not (alias.isascii() and len(alias) < 3):
                keys.setdefault(alias, []).append(inst)
        for dom in inst.known_domains:
            d = dom.lower()
            by_domain.setdefault(d, []).append(inst)
            label = _tld()(d).domain
            if len(label) >= 3 and label not in _GENERIC_LABELS:
                brands.setdefault(label, []).append(inst)
        for num in (*inst.service_numbers, *inst.sms_senders):
            by_number.setdefault(_digits(num), []).append(inst)
    for key, insts in keys.items():
        automaton.add_word(key, (key, tuple(dict.fromkeys(insts))))
    automaton.make_automaton()
    return _Registry(
        automaton=automaton,
        by_domain={k: tuple(v) for k, v in by_domain.items()},
        brand_tokens={k: tuple(v) for k, v in brands.items()},
        by_number={k: tuple(v) for k, v in by_number.items()},
    )


def institutions_for_domain(domain: str) -> tuple[Institution, ...]:
    """Registry institutions that list ``domain`` (or a parent of it) among their known domains."""
    reg = _registry()
    parts = domain.lower().split(".")
    for i in range(len(parts) - 1):
        found = reg.by_domain.get(".".join(parts[i:]))
        if found:
            return found
    return ()


@lru_cache(maxsize=65_536)  # a pure function of the host, called per message by a link rule
def brand_lookalikes(host: str) -> tuple[Institution, ...]:
    """Institutions whose domain's brand label (``icbc`` of icbc.com.cn) appears inside ``host``.

    Brands of four or more characters match inside a label ("ddicbc"); shorter ones ("ccb", "boc")
    only as a whole label, since as substrings they turn up in ordinary words.
    """
    reg = _registry()
    found: list[Institution] = []
    parts = _tld()(host)
    # The brand as the registrable label on another suffix (10010.cn beside 10010.com) is left to
    # LINK_NOT_OFFICIAL: it is as often the brand's own second domain as a fake.
    sub_labels = _LABEL_SPLIT_RE.split(parts.subdomain.lower()) if parts.subdomain else []
    for label in (*sub_labels, *_HYPHEN_SPLIT_RE.split(parts.domain.lower())):
        exact = reg.brand_tokens.get(label)
        if exact and label != parts.domain.lower():
            found.extend(exact)
        for token, insts in reg.brand_tokens.items():
            if len(token) >= 4 and token in label:
                found.extend(insts)
    return tuple(dict.fromkeys(found))


def institutions_for_number(number: str) -> tuple[Institution, ...]:
    """Institutions whose verified service number or SMS sender is ``number`` (or its 106 carrier port)."""
    reg = _registry()
    digits = _digits(number)
    if digits in reg.by_number:
        return reg.by_number[digits]
    # Carrier ports: 106980095533 and 1069095599 end with the 95xxx number.
    for length in (5, 6):
        if digits.startswith("106") and len(digits) > length and digits[-length:] in reg.by_number:
            return reg.by_number[digits[-length:]]
    return ()


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def detect_language(text: str) -> str:
    """``zh`` when Han characters are a fair share of the letters, else ``en``."""
    if text.isascii():
        return "en"  # no Han character is ASCII
    head = text[:2000]
    # ASCII letters counted as bytes: UTF-8 encodes every other character with bytes >= 0x80.
    raw = head.encode("utf-8", "surrogatepass")
    latin = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    if b"xxx" in raw.lower():
        # "xxxx xxxx 农行" is a Chinese message with its digits redacted (anonymised corpora, report
        # queues): runs of x are not English words.
        latin -= sum(len(m) for m in _REDACTED_RE.findall(head))
    # "zh" needs at least one Han character and at least a third as many as Latin letters: count
    # them only as far as that.
    needed = max(1, -(-latin // 3))
    for count, _ in enumerate(_HAN_RE.finditer(head), 1):
        if count >= needed:
            return "zh"
    return "en"


def extract(norm: Normalized, *, sender: str | None = None) -> Extraction:
    """Find entities and lexicon hits in a normalised message."""
    text, lower = norm.text, norm.lower
    language = detect_language(text)
    entities: list[Entity] = []
    hits = {k: tuple(v) for k, v in default_lexicon().match(lower).items()}

    url_ranges = _urls(norm, entities)
    _emails(norm, entities)
    # Phone numbers, numeric amounts, dates, card and account numbers and codes all need a digit;
    # most messages have none, and one scan for a digit saves a regex pass per extractor.
    has_digit = _DIGIT_RE.search(text) is not None
    if has_digit:
        _phones(norm, entities, language, url_ranges)
    _amounts(norm, entities, has_digit)
    if has_digit:
        _dates(norm, entities)
    _overdue_days(norm, entities, has_digit)
    if has_digit:
        _cards(norm, entities, url_ranges)
    if has_digit or _DIGIT_RE.search(lower) is not None:
        _codes(norm, entities)
    found_insts = _organisations(norm, entities)
    for cat, kind in _VOCAB_ENTITIES.items():
        # Vocabulary entities only illustrate; a pasted 100 kB text need not list thousands of them.
        for s, e in hits.get(cat, ())[:_MAX_VOCAB_ENTITIES]:
            entities.append(Entity(kind, text[s:e], norm.span(s, e), {"category": cat}))

    entities.sort(key=lambda ent: (ent.span.start, ent.span.end, ent.kind))
    by_kind: dict[str, list[Entity]] = {}
    for ent in entities:
        by_kind.setdefault(ent.kind, []).append(ent)
    return Extraction(
        norm=norm,
        language=language,
        sender=classify_sender(sender),
        entities=tuple(entities),
        hits=hits,
        institutions=found_insts,
        _by_kind={k: tuple(v) for k, v in by_kind.items()},
        _entity_cues=frozenset("@" + k for k in by_kind),
    )


def _urls(norm: Normalized, out: list[Entity]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    text = norm.text
    if "." not in text or _URL_HINT_RE.search(text) is None:
        return ranges
    for m in _URL_RE.finditer(text):
        start, end = m.start(), m.end()
        raw = text[start:end]
        stripped = raw.rstrip(_TRAILING_PUNCT)
        end -= len(raw) - len(stripped)
        host = m.group("host").lower().rstrip(".")
        scheme = m.group("scheme") or ""
        if end < len(text) and text[end] == "@":
            continue  # an e-mail address's domain
        is_ip = False
        try:
            ipaddress.ip_address(host)
            is_ip = True
        except ValueError:
            pass
        if is_ip:
            if not scheme and not m.group("path"):
                continue  # a bare dotted number such as a version or an amount
            registrable, suffix = host, ""
        else:
            parts = _tld()(host)
            suffix = parts.suffix
            registrable = parts.top_domain_under_public_suffix
            if not suffix or not parts.domain:
                continue
            if not scheme and not host.startswith("www.") and suffix not in _BARE_SUFFIXES:
                continue
        display_host = host
        if "xn--" in host:
            try:
                display_host = idna.decode(host)
            except idna.IDNAError:
                display_host = host
        attrs: dict[str, Any] = {
            "host": host,
            "registrable_domain": registrable,
            "suffix": suffix,
            "scheme": scheme.rstrip(":/"),
            "is_ip": is_ip,
            "punycode": "xn--" in host,
            "unicode_host": display_host,
            "shortener": registrable in SHORTENERS or host in SHORTENERS,
        }
        out.append(Entity("url", text[start:end], norm.span(start, end), attrs))
        ranges.append((start, end))
    return ranges


def _emails(norm: Normalized, out: list[Entity]) -> None:
    if "@" not in norm.text:
        return
    for m in _EMAIL_RE.finditer(norm.text):
        out.append(Entity("email", m.group().lower(), norm.span(m.start(), m.end())))


def _inside(ranges: Sequence[tuple[int, int]], s: int, e: int) -> bool:
    return any(a <= s and e <= b for a, b in ranges)


def _phones(norm: Normalized, out: list[Entity], language: str, skip: Sequence[tuple[int, int]]) -> None:
    text = norm.text
    if not _DIGIT_WINDOW_RE.search(text) and not _CN_SHORT_RE.search(text):
        return
    seen: set[tuple[int, int]] = set()
    regions = ("CN",) if language == "zh" else ("US", "GB")
    for region in regions:
        for m in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            s, e = m.start, m.end
            if (s, e) in seen or _inside(skip, s, e):
                continue
            seen.add((s, e))
            num = m.number
            ntype = phonenumbers.number_type(num)
            kind = {
                phonenumbers.PhoneNumberType.MOBILE: "mobile",
                phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline_or_mobile",
                phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
                phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium",
                phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
                phonenumbers.PhoneNumberType.VOIP: "voip",
            }.get(ntype, "other")
            e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
            out.append(
                Entity(
                    "phone",
                    e164,
                    norm.span(s, e),
                    {
                        "type": kind,
                        "region": phonenumbers.region_code_for_number(num) or "",
                        "country_code": num.country_code,
                        "national": str(num.national_number),
                    },
                )
            )
    # Chinese service and government short numbers, which phonenumbers' matcher does not return.
    for short in _CN_SHORT_RE.finditer(text):
        s, e = short.span("n")
        if any(a <= s < b for a, b in seen) or _inside(skip, s, e):
            continue
        digits = _digits(short.group("n"))
        stype = "service" if digits[:2] in {"95", "96"} else "government" if digits[:2] == "12" else "toll_free"
        out.append(Entity("phone", digits, norm.span(s, e), {"type": stype, "region": "CN", "national": digits}))


def _decimal(num: str) -> Decimal | None:
    try:
        return Decimal(num.replace(",", ""))
    except InvalidOperation:
        return None


_MULT = {
    "万": Decimal(10000),
    "千": Decimal(1000),
    "百": Decimal(100),
    "k": Decimal(1000),
    "m": Decimal(1_000_000),
}
_CUR = {
    "¥": "CNY", "￥": "CNY", "rmb": "CNY", "cny": "CNY", "人民币": "CNY", "元": "CNY", "块": "CNY",
    "usd": "USD", "us$": "USD", "$": "USD", "美元": "USD", "美金": "USD", "dollar": "USD", "dollars": "USD",
    "£": "GBP", "gbp": "GBP", "英镑": "GBP", "pound": "GBP", "pounds": "GBP",
    "rs": "INR", "rs.": "INR", "inr": "INR", "₹": "INR", "rupee": "INR", "rupees": "INR",
    "hk$": "HKD", "hkd": "HKD",
}  # fmt: skip


def _amounts(norm: Normalized, out: list[Entity], has_digit: bool = True) -> None:
    text = norm.text
    for m in _AMOUNT_RE.finditer(text) if has_digit else ():
        num = m.group("num") or m.captures("num")[-1]
        value = _decimal(num)
        if value is None:
            continue
        mult = (m.group("mult") or m.group("mult2") or "").lower()
        if mult:
            value *= _MULT[mult]
        cur_key = (m.group("cur") or m.group("unit2") or m.group("unit") or "").lower()
        out.append(
            Entity(
                "amount",
                f"{value.normalize():f}",
                norm.span(m.start(), m.end()),
                {"currency": _CUR.get(cur_key, "")},
            )
        )
    if "元" not in text and "块" not in text:
        return
    for m in _HAN_AMOUNT_RE.finditer(text):
        try:
            value = Decimal(str(cn2an.cn2an(m.group("num"), "smart")))
        except (ValueError, KeyError, IndexError, TypeError, InvalidOperation):
            continue  # cn2an rejects some numeral strings; they are simply not amounts
        out.append(Entity("amount", f"{value.normalize():f}", norm.span(m.start(), m.end()), {"currency": "CNY"}))


def _dates(norm: Normalized, out: list[Entity]) -> None:
    text = norm.text
    for m in _DATE_RE.finditer(text):
        before = text[max(0, m.start() - 8) : m.start()]
        after = text[m.end() : m.end() + 6]
        due = bool(_DUE_CUE_RE.search(before) or _DUE_AFTER_RE.match(after))
        form = next(k for k in ("zh", "iso", "en", "en2", "num") if m.group(k))
        out.append(Entity("date", m.group(), norm.span(m.start(), m.end()), {"due": due, "form": form}))


_OVERDUE_WORDS = ("逾期", "拖欠", "超期", "已欠", "欠款")


def _overdue_days(norm: Normalized, out: list[Entity], has_digit: bool = True) -> None:
    # The English form needs a digit, the Chinese one one of its words.
    if not has_digit and not any(w in norm.text for w in _OVERDUE_WORDS):
        return
    for m in _OVERDUE_RE.finditer(norm.text):
        raw = m.group("zh") or m.group("en")
        if raw.isdigit():
            days = int(raw)
        else:
            try:
                days = int(cn2an.cn2an(raw, "smart"))
            except (ValueError, KeyError, IndexError, TypeError):
                continue
        out.append(Entity("overdue_days", str(days), norm.span(m.start(), m.end()), {"days": days}))


def _cards(norm: Normalized, out: list[Entity], skip: Sequence[tuple[int, int]]) -> None:
    text = norm.text
    for m in _PARTIAL_CARD_RE.finditer(text):
        tail = m.group("tail") or m.group("tail2")
        out.append(Entity("card_tail", tail, norm.span(m.start(), m.end()), {"masked": f"****{tail}"}))
    for m in _LONG_DIGITS_RE.finditer(text):
        if _inside(skip, m.start(), m.end()):
            continue
        digits = _digits(m.group())
        if not 12 <= len(digits) <= 19:
            continue
        from stdnum import luhn  # local import: only messages with long digit runs pay for it

        kind = "card_number" if luhn.is_valid(digits) else "account_number"
        out.append(Entity(kind, f"****{digits[-4:]}", norm.span(m.start(), m.end()), {"masked": f"****{digits[-4:]}"}))


def _codes(norm: Normalized, out: list[Entity]) -> None:
    for m in _CODE_RE.finditer(norm.lower):
        group = "a" if m.group("a") else "b"
        s, e = m.span(group)
        out.append(Entity("verification_code", m.group(group), norm.span(s, e)))


def _organisations(norm: Normalized, out: list[Entity]) -> tuple[Institution, ...]:
    text, lower = norm.text, norm.lower
    found: list[Institution] = []
    taken: list[tuple[int, int]] = []
    # Every signature opens with 【 or [: most texts have neither, and a substring test costs less than the scan.
    for m in _SIGNATURE_RE.finditer(text) if "【" in text or "[" in text else ():
        group = "a" if m.group("a") else "b"
        s, e = m.span(group)
        out.append(Entity("signature", m.group(group), norm.span(s - 1, e + 1)))
    for end, (key, insts) in _registry().automaton.iter(lower):
        start = end - len(key) + 1
        if key.isascii() and (
            (start > 0 and lower[start - 1].isascii() and lower[start - 1].isalnum())
            or (end + 1 < len(lower) and lower[end + 1].isascii() and lower[end + 1].isalnum())
        ):
            continue
        if any(a <= start and end + 1 <= b for a, b in taken):
            continue
        taken = [(a, b) for a, b in taken if not (start <= a and b <= end + 1)]
        taken.append((start, end + 1))
        for inst in insts:
            found.append(inst)
            out.append(
                Entity(
                    "organization",
                    inst.name_local or inst.name,
                    norm.span(start, end + 1),
                    {"type": inst.kind, "institution_id": inst.id, "registry": True},
                )
            )
    # The generic organisation pattern is costly on long Han runs; run it only when a suffix occurs.
    first = _ORG_SUFFIX_RE.search(text)
    if first is None:
        return tuple(dict.fromkeys(found))
    for m in _org_matches(text, first.start()):
        s, e = m.span("name")
        if any(a < e and s < b for a, b in taken):
            continue
        out.append(
            Entity(
                "organization",
                m.group("name"),
                norm.span(s, e),
                {"type": _ORG_TYPES[m.group("type")], "registry": False},
            )
        )
    return tuple(dict.fromkeys(found))


def _org_matches(text: str, first: int) -> list[regex.Match[str]]:
    """``_ORG_RE.finditer(text)``'s matches, for a text whose first suffix starts at ``first``.

    A match's name has 2 to 12 characters before its suffix, so it can start only 2 to 12 characters
    before where some suffix starts (overlapping ones too: 法院 inside 人民法院). Trying the pattern at
    those positions alone, left to right and from the end of the last match on, finds what finditer
    finds without running its lazy name loop at every other position of a long Chinese text.
    """
    starts: set[int] = set()
    for suffix in _ORG_TYPES:
        at = text.find(suffix, first)
        while at != -1:
            starts.update(range(max(0, at - 12), at - 1))
            at = text.find(suffix, at + 1)
    out: list[regex.Match[str]] = []
    resume = 0
    for pos in sorted(starts):
        if pos < resume:
            continue
        m = _ORG_RE.match(text, pos)
        if m is not None:
            out.append(m)
            resume = m.end()
    return out
