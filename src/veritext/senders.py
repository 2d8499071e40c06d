"""What kind of number (or name) sent the message.

China's numbering conventions decide most of this: 106… enterprise SMS ports, 95xxx / 96xxx service
numbers, 12xxx government short codes (12368 courts, 12381 fraud warnings), 11-digit personal mobiles.
Anything with another country code is overseas from a Chinese phone's point of view.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import regex

_ALNUM_ID_RE = regex.compile(r"^(?:[A-Z]{2}-)?[A-Za-z][A-Za-z0-9 _.&-]{1,15}$")
_CN_MOBILE_RE = regex.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
# Compiled once: a module-level regex.sub / regex.fullmatch looks its pattern up in regex's cache on
# every call, which cost more than the match itself (a bulk scan classifies every new sender).
_SEPARATORS_RE = regex.compile(r"[\s()\-.]")
_NUMBER_RE = regex.compile(r"\+?\d{3,20}")
_SERVICE_95_RE = regex.compile(r"95\d{3,4}")
_SERVICE_96_RE = regex.compile(r"96\d{3,4}")
_GOVERNMENT_12_RE = regex.compile(r"12\d{3}")
_CN_400_RE = regex.compile(r"400\d{7}")

SENDER_TYPES = (
    "unknown",
    "cn_enterprise_106",
    "cn_service_95",
    "cn_service_96",
    "cn_government_12",
    "cn_mobile",
    "cn_landline",
    "cn_400",
    "short_code",
    "mobile",
    "landline",
    "toll_free",
    "overseas",
    "alphanumeric",
    "email",
    "other",
)


@dataclass(frozen=True, slots=True)
class SenderInfo:
    """The sender as given, its digits, its type (one of ``SENDER_TYPES``) and its country if known."""

    raw: str | None
    digits: str
    type: str
    region: str = ""

    @property
    def is_personal(self) -> bool:
        """A number a person, not an organisation's messaging platform, would send from."""
        return self.type in {"cn_mobile", "mobile"}

    @property
    def is_service(self) -> bool:
        """An organisation's messaging number: enterprise port, service number or short code."""
        return self.type in {
            "cn_enterprise_106",
            "cn_service_95",
            "cn_service_96",
            "cn_government_12",
            "short_code",
        }


# A bulk scan sees tens of thousands of senders, each many times; an entry is ~300 bytes.
@lru_cache(maxsize=65_536)
def classify_sender(sender: str | None) -> SenderInfo:
    """Classify a sender number or name. ``None`` or blank gives type ``unknown``."""
    if sender is None or not sender.strip():
        return SenderInfo(raw=sender, digits="", type="unknown")
    s = sender.strip()[:64]
    if "@" in s:
        return SenderInfo(raw=sender, digits="", type="email")
    compact = _SEPARATORS_RE.sub("", s)
    digits = "".join(ch for ch in compact if ch.isdigit())
    if not _NUMBER_RE.fullmatch(compact):
        if _ALNUM_ID_RE.match(s):
            return SenderInfo(raw=sender, digits=digits, type="alphanumeric")
        return SenderInfo(raw=sender, digits=digits, type="other")
    local = (
        digits[2:]
        if compact.startswith(("+86", "0086")) or (digits.startswith("86") and len(digits) == 13)
        else digits
    )
    if compact.startswith("0086"):
        local = digits[4:]
    if local.startswith("106") and len(local) >= 8:
        return SenderInfo(raw=sender, digits=local, type="cn_enterprise_106", region="CN")
    if _SERVICE_95_RE.fullmatch(local):
        return SenderInfo(raw=sender, digits=local, type="cn_service_95", region="CN")
    if _SERVICE_96_RE.fullmatch(local):
        return SenderInfo(raw=sender, digits=local, type="cn_service_96", region="CN")
    if _GOVERNMENT_12_RE.fullmatch(local):
        return SenderInfo(raw=sender, digits=local, type="cn_government_12", region="CN")
    if _CN_MOBILE_RE.match(compact) and not compact.startswith("+1"):
        return SenderInfo(raw=sender, digits=local[-11:], type="cn_mobile", region="CN")
    if _CN_400_RE.fullmatch(local):
        return SenderInfo(raw=sender, digits=local, type="cn_400", region="CN")
    if not compact.startswith("+") and len(digits) <= 6:
        return SenderInfo(raw=sender, digits=digits, type="short_code")
    return _international(sender, compact, digits)


def _international(sender: str, compact: str, digits: str) -> SenderInfo:
    candidates = [compact] if compact.startswith("+") else ["+" + digits, digits]
    for cand in candidates:
        region_hint = None if cand.startswith("+") else "US"
        try:
            num = phonenumbers.parse(cand, region_hint)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_possible_number(num):
            continue
        region = phonenumbers.region_code_for_number(num) or ""
        if region == "CN":
            ntype = phonenumbers.number_type(num)
            kind = "cn_mobile" if ntype == phonenumbers.PhoneNumberType.MOBILE else "cn_landline"
            return SenderInfo(raw=sender, digits=str(num.national_number), type=kind, region="CN")
        if region in {"US", "CA", "GB"}:
            ntype = phonenumbers.number_type(num)
            if ntype == phonenumbers.PhoneNumberType.TOLL_FREE:
                kind = "toll_free"
            elif ntype in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            ):
                kind = "mobile"
            else:
                kind = "landline"
            return SenderInfo(raw=sender, digits=digits, type=kind, region=region)
        if region:
            return SenderInfo(raw=sender, digits=digits, type="overseas", region=region)
    return SenderInfo(raw=sender, digits=digits, type="other")
