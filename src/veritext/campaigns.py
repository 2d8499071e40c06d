"""Campaigns: the same template sent many times, from many numbers, with the variable parts changed.

Each message's campaign key is its *template*: the text with URLs, phone numbers, amounts, dates,
codes and account numbers masked (from the verdict's entity spans), NFKC-folded, case-folded and
with every remaining digit run masked. Clustering then works on distinct templates only:

1. MinHash signatures (rensa) of each template's character 3-grams;
2. banded buckets (LSH): templates sharing any band are candidates; each candidate is kept only if
   its estimated Jaccard similarity with the bucket's representative (its smallest template)
   reaches ``threshold``;
3. connected components over the kept pairs (min-label propagation: the result union-find gives,
   computed with array operations — the same iterative scheme a distributed join uses).

A campaign is a component with at least ``min_size`` messages. Its id is a hash of its smallest
template, so it is the same whichever order (or engine) the messages came in.
"""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import regex

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

PLACEHOLDERS = {
    "url": "<url>",
    "email": "<email>",
    "phone": "<tel>",
    "amount": "<amt>",
    "date": "<date>",
    "card_number": "<acct>",
    "account_number": "<acct>",
    "card_tail": "<acct>",
    "verification_code": "<code>",
}
_DIGITS = regex.compile(r"\d+")
_INVISIBLE = regex.compile(r"[\p{Cf}\p{Cc}]")
_SPACES = regex.compile(r"\s+")
RISK_ORDER = ("low", "medium", "high")

NUM_PERM = 128
BANDS = 32  # 32 bands x 4 rows: a pair at Jaccard 0.6 shares a band with probability 0.99
SEED = 20261128
SHINGLE = 3


def _clean(piece: str) -> str:
    piece = unicodedata.normalize("NFKC", piece).casefold()
    piece = _INVISIBLE.sub("", piece)
    return _DIGITS.sub("#", piece)


def mask_template(text: str, spans: Iterable[tuple[str, int, int]]) -> str:
    """``text`` with the variable parts masked: ``spans`` are ``(entity kind, start, end)`` in ``text``.

    >>> mask_template("您尾号1234的卡扣款500元 http://a.top/x", [("card_tail", 3, 7), ("url", 16, 31)])
    '您尾号<acct>的卡扣款#元 <url>'
    """
    pieces: list[str] = []
    pos = 0
    for kind, start, end in sorted((s for s in spans if s[0] in PLACEHOLDERS), key=lambda s: (s[1], -s[2])):
        if start < pos:
            continue  # inside a span already masked
        pieces.append(_clean(text[pos:start]))
        pieces.append(PLACEHOLDERS[kind])
        pos = end
    pieces.append(_clean(text[pos:]))
    return _SPACES.sub(" ", "".join(pieces)).strip()


def shingles(template: str) -> list[str]:
    """The character 3-grams of a template (the whole template if shorter)."""
    t = template.replace(" ", "")
    if len(t) <= SHINGLE:
        return [t]
    return [t[i : i + SHINGLE] for i in range(len(t) - SHINGLE + 1)]


def signatures(templates: Sequence[str], *, num_perm: int = NUM_PERM, seed: int = SEED) -> np.ndarray:
    """MinHash signatures, one row of ``num_perm`` uint32 per template (deterministic across processes)."""
    import numpy as np
    import rensa

    if not templates:
        return np.zeros((0, num_perm), dtype=np.uint32)
    matrix = rensa.RMinHash.digest_matrix_from_token_sets([shingles(t) for t in templates], num_perm, seed)
    return np.asarray(matrix.to_rows(), dtype=np.uint32)


def candidate_pairs(sig: np.ndarray, *, bands: int = BANDS, threshold: float = 0.6) -> np.ndarray:
    """Pairs ``(i, j)`` of similar rows: same bucket in some band and estimated Jaccard ≥ ``threshold``."""
    import numpy as np

    n, perms = sig.shape
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    rows = perms // bands
    found = []
    for b in range(bands):
        block = np.ascontiguousarray(sig[:, b * rows : (b + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        _, first_of, inverse = np.unique(keys, return_index=True, return_inverse=True)
        rep = first_of[inverse.ravel()]
        member = np.nonzero(rep != np.arange(n))[0]
        if member.size:
            found.append(np.stack([rep[member], member], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.unique(np.concatenate(found), axis=0)
    similar = np.empty(len(pairs), dtype=bool)
    step = 200_000  # bounded memory: compare signatures in slices
    for s in range(0, len(pairs), step):
        p = pairs[s : s + step]
        similar[s : s + step] = (sig[p[:, 0]] == sig[p[:, 1]]).mean(axis=1) >= threshold
    return pairs[similar].astype(np.int64)


def connected_components(n: int, pairs: np.ndarray) -> np.ndarray:
    """A component label per node (the smallest node index in its component)."""
    import numpy as np

    labels = np.arange(n, dtype=np.int64)
    if len(pairs) == 0:
        return labels
    u, v = pairs[:, 0], pairs[:, 1]
    while True:
        low = np.minimum(labels[u], labels[v])
        new = labels.copy()
        np.minimum.at(new, u, low)
        np.minimum.at(new, v, low)
        new = new[new]  # pointer jumping: follow labels to their own label
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new


def cluster_templates(templates: Sequence[str], *, threshold: float = 0.6) -> np.ndarray:
    """Component label per distinct template (see the module docstring)."""
    sig = signatures(templates)
    return connected_components(len(templates), candidate_pairs(sig, threshold=threshold))


@dataclass(frozen=True, slots=True)
class Campaign:
    """One cluster of near-identical messages."""

    campaign_id: str
    size: int
    distinct_templates: int
    first_seen: datetime | None
    last_seen: datetime | None
    distinct_senders: int
    top_senders: tuple[str, ...]
    domains: tuple[str, ...]
    phones: tuple[str, ...]
    template: str
    kind: str
    risk: str
    high_share: float
    mean_fraud_probability: float
    example_message_id: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (times as ISO 8601)."""
        return {
            "campaign_id": self.campaign_id,
            "size": self.size,
            "distinct_templates": self.distinct_templates,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "distinct_senders": self.distinct_senders,
            "top_senders": list(self.top_senders),
            "domains": list(self.domains),
            "phones": list(self.phones),
            "template": self.template,
            "kind": self.kind,
            "risk": self.risk,
            "high_share": self.high_share,
            "mean_fraud_probability": self.mean_fraud_probability,
            "example_message_id": self.example_message_id,
        }


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """Campaigns (largest first) and the membership of every message that belongs to one."""

    campaigns: tuple[Campaign, ...]
    members: pa.Table  # message_id, campaign_id
    messages: int
    distinct_templates: int


CAMPAIGN_INPUT_COLUMNS = (
    "message_id",
    "sender",
    "received_at",
    "template",
    "domains",
    "phones",
    "kind",
    "risk",
    "fraud_probability",
)


def campaign_id(smallest_template: str) -> str:
    """The id of the campaign whose lexicographically smallest template is given."""
    return "c" + hashlib.blake2b(smallest_template.encode("utf-8"), digest_size=6).hexdigest()


def find_campaigns(
    table: pa.Table,
    *,
    min_size: int = 3,
    threshold: float = 0.6,
    top: int = 10,
) -> CampaignResult:
    """Cluster the messages of a verdict table (needs :data:`CAMPAIGN_INPUT_COLUMNS`)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    table = table.select(list(CAMPAIGN_INPUT_COLUMNS)).filter(pc.is_valid(table.column("template")))
    enc = pc.dictionary_encode(table.column("template")).combine_chunks()
    seen: list[str] = enc.dictionary.to_pylist()
    # Sorted templates make every bucket's representative its smallest template, whatever the row
    # order: the same pairs, hence the same campaigns, on any engine.
    order = sorted(range(len(seen)), key=seen.__getitem__)
    rank = np.empty(len(seen), dtype=np.int64)
    rank[order] = np.arange(len(seen), dtype=np.int64)
    templates = [seen[i] for i in order]
    tidx = rank[enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
    labels = cluster_templates(templates, threshold=threshold)
    comp = labels[tidx]
    sizes = np.bincount(comp, minlength=len(templates))
    keep = sizes[comp] >= min_size
    rows = table.filter(pa.array(keep)).append_column("comp", pa.array(comp[keep]))
    comp_ids = np.unique(comp[keep])
    # Stable ids: the smallest template of each component names it.
    smallest: dict[int, str] = {}
    for t_i, label in enumerate(labels):
        if sizes[label] >= min_size:
            cur = smallest.get(int(label))
            if cur is None or templates[t_i] < cur:
                smallest[int(label)] = templates[t_i]
    cid_of = {c: campaign_id(smallest[int(c)]) for c in comp_ids}
    cid_col = pa.array([cid_of[c] for c in comp[keep]], type=pa.string())
    rows = rows.append_column("campaign_id", cid_col)
    campaigns = _summarise(rows, top=top)
    members = rows.select(["message_id", "campaign_id"])
    return CampaignResult(
        campaigns=tuple(sorted(campaigns, key=lambda c: (-c.size, c.campaign_id))),
        members=members,
        messages=table.num_rows,
        distinct_templates=len(templates),
    )


def _top(rows: pa.Table, key: str, top: int) -> dict[str, list[tuple[Any, int]]]:
    """Per campaign, the ``top`` most common values of ``key`` with their counts.

    Counting and ranking stay in Arrow / numpy: with a million messages there are about as many
    (campaign, sender) pairs, and only the few kept per campaign become Python objects.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    valid = rows.filter(pc.is_valid(rows.column(key)))
    counts = valid.group_by(["campaign_id", key]).aggregate([("message_id", "count")])
    if counts.num_rows == 0:
        return {}
    counts = counts.sort_by([("campaign_id", "ascending"), ("message_id_count", "descending"), (key, "ascending")])
    group = pc.dictionary_encode(counts.column("campaign_id")).combine_chunks().indices.to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, len(group)])
    rank = np.arange(len(group)) - np.repeat(starts, sizes)
    kept = counts.filter(pa.array(rank < top))
    out: dict[str, list[tuple[Any, int]]] = {}
    for r in kept.to_pylist():
        out.setdefault(r["campaign_id"], []).append((r[key], r["message_id_count"]))
    return out


def _exploded(rows: pa.Table, key: str) -> pa.Table:
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = rows.column(key).combine_chunks()
    parents = pc.list_parent_indices(lists)
    return pa.table(
        {
            "campaign_id": pc.take(rows.column("campaign_id"), parents),
            key: pc.list_flatten(lists),
            "message_id": pc.take(rows.column("message_id"), parents),
        }
    )


def _summarise(rows: pa.Table, *, top: int) -> list[Campaign]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if rows.num_rows == 0:
        return []
    risk_code = pc.index_in(rows.column("risk"), value_set=pa.array(RISK_ORDER))
    rows = rows.append_column("risk_code", risk_code).append_column(
        "is_high", pc.equal(rows.column("risk"), pa.scalar("high"))
    )
    agg = rows.group_by("campaign_id").aggregate(
        [
            ("message_id", "count"),
            ("message_id", "min"),
            ("template", "count_distinct"),
            ("received_at", "min"),
            ("received_at", "max"),
            ("sender", "count_distinct"),
            ("fraud_probability", "mean"),
            ("risk_code", "approximate_median"),
            ("is_high", "mean"),
        ]
    )
    senders = _top(rows, "sender", top)
    templates = _top(rows, "template", 1)
    kinds = _top(rows, "kind", 1)
    domains = _top(_exploded(rows, "domains"), "domains", top)
    phones = _top(_exploded(rows, "phones"), "phones", top)
    out = []
    for r in agg.to_pylist():
        cid = r["campaign_id"]
        median = r["risk_code_approximate_median"]
        out.append(
            Campaign(
                campaign_id=cid,
                size=r["message_id_count"],
                distinct_templates=r["template_count_distinct"],
                first_seen=r["received_at_min"],
                last_seen=r["received_at_max"],
                distinct_senders=r["sender_count_distinct"],
                top_senders=tuple(str(v) for v, _ in senders.get(cid, [])),
                domains=tuple(str(v) for v, _ in domains.get(cid, [])),
                phones=tuple(str(v) for v, _ in phones.get(cid, [])),
                template=str(templates[cid][0][0]),
                kind=str(kinds[cid][0][0]) if cid in kinds else "other",
                risk=RISK_ORDER[round(median)] if median is not None else "low",
                high_share=round(float(r["is_high_mean"] or 0.0), 4),
                mean_fraud_probability=round(float(r["fraud_probability_mean"] or 0.0), 4),
                example_message_id=str(r["message_id_min"]),
            )
        )
    return out


def campaign_table(campaigns: Sequence[Campaign]) -> pa.Table:
    """Campaigns as an Arrow table (for Parquet / CSV / JSONL output)."""
    import pyarrow as pa

    schema = pa.schema(
        [
            ("campaign_id", pa.string()),
            ("size", pa.int64()),
            ("distinct_templates", pa.int64()),
            ("first_seen", pa.timestamp("us", tz="UTC")),
            ("last_seen", pa.timestamp("us", tz="UTC")),
            ("distinct_senders", pa.int64()),
            ("top_senders", pa.list_(pa.string())),
            ("domains", pa.list_(pa.string())),
            ("phones", pa.list_(pa.string())),
            ("template", pa.string()),
            ("kind", pa.string()),
            ("risk", pa.string()),
            ("high_share", pa.float64()),
            ("mean_fraud_probability", pa.float64()),
            ("example_message_id", pa.string()),
        ]
    )
    cols: dict[str, list[Any]] = {name: [] for name in schema.names}
    for c in campaigns:
        for name in schema.names:
            value = getattr(c, name)
            cols[name].append(list(value) if isinstance(value, tuple) else value)
    return pa.Table.from_pydict(cols, schema=schema)


def risk_counts(campaigns: Sequence[Campaign]) -> Counter[str]:
    """How many campaigns per risk level."""
    return Counter(c.risk for c in campaigns)
