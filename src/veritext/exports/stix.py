"""Indicators and campaigns as a STIX 2.1 bundle, built and validated with the ``stix2`` library.

STIX 2.1 has observables for domains and URLs; phone numbers and bank accounts have none, so their
patterns use the custom observable types ``x-veritext-phone-number`` and
``x-veritext-financial-account`` (the ``x-`` prefix STIX reserves for custom content). Ids are
UUIDv5 of the value, so the same indicator has the same id in every export.
"""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import stix2

from veritext import __version__
from veritext.campaigns import Campaign
from veritext.exports.indicators import Indicator

_NS = uuid.UUID("6f1c7c3e-9a57-5b1e-8d0a-7e2b4d6c9f10")  # Veritext's namespace for deterministic ids
_PATTERN = {
    "domain": "domain-name:value",
    "url": "url:value",
    "phone": "x-veritext-phone-number:value",
    "account": "x-veritext-financial-account:account_number",
}
_LABEL = {"domain": "域名 domain", "url": "网址 URL", "phone": "电话 phone", "account": "账户 account"}


def _literal(value: str) -> str:
    """A STIX pattern string literal (quotes and backslashes escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _id(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(_NS, key)}"


def _ts(value: datetime | None, default: datetime) -> datetime:
    if value is None:
        return default
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def build_bundle(
    indicators: Sequence[Indicator],
    campaigns: Sequence[Campaign] = (),
    *,
    created: datetime | None = None,
) -> stix2.Bundle:
    """A bundle: the producing identity, one Indicator per value, one Campaign per campaign, and
    ``indicates`` relationships from each indicator to the campaigns it was seen in."""
    now = created or datetime.now(UTC)
    identity = stix2.Identity(
        id=_id("identity", "veritext"),
        name="Veritext",
        identity_class="system",
        description=f"Veritext {__version__}: offline triage of loan / debt / court text messages",
        created=now,
        modified=now,
    )
    objects: list[object] = [identity]
    wanted = {c.campaign_id for c in campaigns}
    for c in campaigns:
        objects.append(
            stix2.Campaign(
                id=_id("campaign", c.campaign_id),
                name=f"{c.campaign_id}: {c.template[:60]}",
                description=(
                    f"{c.size} 条短信 / messages, {c.distinct_senders} 个发送方 / senders; "
                    f"类型 kind {c.kind}; 风险 risk {c.risk}. 模板 template: {c.template}"
                ),
                first_seen=_ts(c.first_seen, now),
                last_seen=_ts(c.last_seen, now),
                created_by_ref=identity.id,
                created=now,
                modified=now,
                allow_custom=False,
            )
        )
    for ind in indicators:
        high = ind.high_risk_messages > 0
        sid = _id("indicator", f"{ind.type}:{ind.value}")
        objects.append(
            stix2.Indicator(
                id=sid,
                name=f"{_LABEL[ind.type]}: {ind.value}",
                description=(
                    f"出现在 {ind.messages} 条短信中（{ind.high_risk_messages} 条高风险） / "
                    f"seen in {ind.messages} messages ({ind.high_risk_messages} high risk)"
                ),
                pattern=f"[{_PATTERN[ind.type]} = {_literal(ind.value)}]",
                pattern_type="stix",
                valid_from=_ts(ind.first_seen, now),
                indicator_types=["malicious-activity" if high else "anomalous-activity"],
                confidence=round(ind.max_fraud_probability * 100),
                created_by_ref=identity.id,
                created=now,
                modified=now,
            )
        )
        for cid in ind.campaigns:
            if cid in wanted:
                objects.append(
                    stix2.Relationship(
                        id=_id("relationship", f"{sid}>{cid}"),
                        relationship_type="indicates",
                        source_ref=sid,
                        target_ref=_id("campaign", cid),
                        created_by_ref=identity.id,
                        created=now,
                        modified=now,
                    )
                )
    return stix2.Bundle(objects=objects, id=_id("bundle", f"{now.isoformat()}:{len(objects)}"))


def write_stix(bundle: stix2.Bundle, path: Path) -> None:
    """Write the bundle as pretty-printed JSON (UTF-8)."""
    # stix2's own pretty printer is quadratic (14 s for 400 objects): indent the plain form instead.
    text = json.dumps(json.loads(bundle.serialize()), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
