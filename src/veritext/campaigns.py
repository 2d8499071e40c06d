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

import array
import hashlib
import itertools
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

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
    # Through one flat array.array: np.asarray on the nested lists inspects every element first.
    flat = array.array("I", itertools.chain.from_iterable(matrix.to_rows()))
    return np.frombuffer(flat, dtype=np.uint32).reshape(len(templates), num_perm)


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
    """Cluster the messages of a verdict table (needs :data:`CAMPAIGN_INPUT_COLUMNS`).

    Everything per message stays in Arrow / numpy arrays of integer codes; only the few values kept
    per campaign become Python objects, so a million messages fit in well under 2 GB.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    table = table.select(list(CAMPAIGN_INPUT_COLUMNS))
    if table.column("template").null_count:
        table = table.filter(pc.is_valid(table.column("template")))
    enc = pc.dictionary_encode(table.column("template")).combine_chunks()
    seen: list[str] = enc.dictionary.to_pylist()
    # Sorted templates make every bucket's representative its smallest template, whatever the row
    # order: the same pairs, hence the same campaigns, on any engine.
    order = sorted(range(len(seen)), key=seen.__getitem__)
    rank = np.empty(len(seen), dtype=np.int64)
    rank[order] = np.arange(len(seen), dtype=np.int64)
    templates = [seen[i] for i in order]
    tidx = rank[enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
    del enc, seen
    labels = cluster_templates(templates, threshold=threshold)
    comp = labels[tidx]
    sizes = np.bincount(comp, minlength=len(templates))
    keep = sizes[comp] >= min_size
    rows = table.drop_columns(["template"])  # encoded already: no need to filter its text
    if not keep.all():
        rows = rows.filter(pa.array(keep))
    comp, tidx = comp[keep], tidx[keep]
    # Labels are the smallest template index of each component: that template names the campaign.
    comp_ids = np.flatnonzero(sizes >= min_size)
    cid_of = {c: campaign_id(templates[c]) for c in comp_ids.tolist()}
    dense_of = np.zeros(len(templates), dtype=np.int64)
    dense_of[comp_ids] = np.arange(len(comp_ids))
    dense = dense_of[comp]  # 0 … campaigns-1, per message
    # A template lies in one campaign only, so its counts per template are its counts per (campaign, template).
    per_template = np.bincount(tidx, minlength=len(templates))
    used = np.flatnonzero(per_template)
    template_stats = (used, dense_of[labels[used]], per_template[used])
    campaigns = _summarise(rows, dense, template_stats, [cid_of[c] for c in comp_ids.tolist()], templates, top=top)
    members = pa.table(
        {
            "message_id": rows.column("message_id"),
            "campaign_id": pa.DictionaryArray.from_arrays(
                pa.array(dense, pa.int32()), pa.array([cid_of[c] for c in comp_ids.tolist()], pa.string())
            ).cast(pa.string()),
        }
    )
    return CampaignResult(
        campaigns=tuple(sorted(campaigns, key=lambda c: (-c.size, c.campaign_id))),
        members=members,
        messages=table.num_rows,
        distinct_templates=len(templates),
    )


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (-1 for null) and the values they stand for."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(column)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, enc.dictionary.to_pylist()


def _datetimes(column: pa.ChunkedArray) -> list[datetime | None]:
    """A timestamp column as datetimes, the values ``to_pylist`` gives (it is several times slower on zoned times)."""
    import pyarrow as pa

    zone = column.type.tz
    if column.type.unit != "us" or zone not in (None, "UTC"):
        return list(column.to_pylist())
    # UTC has no offset changes, so adding to its epoch is exact (as on naive times).
    epoch = datetime(1970, 1, 1, tzinfo=ZoneInfo(zone) if zone else None)
    return [None if v is None else epoch + timedelta(microseconds=v) for v in column.cast(pa.int64()).to_pylist()]


def _pair_counts(group: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (group, non-null code) pairs, sorted, with how often each occurs."""
    import numpy as np

    ok = codes >= 0
    if not ok.all():
        group, codes = group[ok], codes[ok]
    if group.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    # One sort of a combined key; np.unique would pick a slower hash path for it.
    width = int(codes.max()) + 1
    key = np.sort(group * width + codes)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    counts = np.diff(np.r_[starts, key.size])
    key = key[starts]
    return key // width, key % width, counts


def _top(g: np.ndarray, c: np.ndarray, counts: np.ndarray, n_groups: int, top: int) -> tuple[list[int], list[int]]:
    """Per group, its ``top`` most frequent codes (ties: smaller code first), from :func:`_pair_counts`.

    Returns the codes of all groups one after the other, and where each group's run starts (and ends).
    """
    import numpy as np

    if counts.size == 0:
        return [], [0] * (n_groups + 1)
    most, width = int(counts.max()) + 1, int(c.max()) + 1
    if n_groups * most * width < 2**62:  # one int64 sort key: group, then count descending, then code
        key = np.sort((g * most + (most - 1 - counts)) * width + c)
        g, c = key // (most * width), key % width
    else:
        order = np.lexsort((c, -counts, g))
        g, c = g[order], c[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    keep = rank < top
    g, c = g[keep], c[keep]
    return c.tolist(), np.searchsorted(g, np.arange(n_groups + 1)).tolist()


def _mode(group: np.ndarray, codes: np.ndarray, n_groups: int, n_values: int) -> list[int]:
    """Per group, its most frequent non-null code (ties: the smaller), or -1 if it has none."""
    import numpy as np

    if n_groups * n_values > 1 << 24:  # too many values for a table of counts
        flat, bounds = _top(*_pair_counts(group, codes), n_groups, 1)
        return [flat[bounds[g]] if bounds[g + 1] > bounds[g] else -1 for g in range(n_groups)]
    # A groups x values table of counts: no sort for a column with few values (kinds).
    ok = codes >= 0
    counts = np.bincount(group[ok] * n_values + codes[ok], minlength=n_groups * n_values)
    counts = counts.reshape(n_groups, n_values)
    best = counts.argmax(axis=1) if n_values else np.zeros(n_groups, dtype=np.int64)
    return list(np.where(counts.sum(axis=1) > 0, best, -1).tolist())


def _list_codes(rows: pa.Table, key: str, group: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """A list column flattened: (group per item, code per item, values)."""
    import pyarrow.compute as pc

    lists = rows.column(key).combine_chunks()
    parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    codes, values = _codes(pc.list_flatten(lists))
    return group[parents], codes, values


def _top_values(
    group: np.ndarray, codes: np.ndarray, values: list[Any], n_groups: int, top: int
) -> list[tuple[str, ...]]:
    """Per group, the values of its ``top`` most frequent non-null codes (ties: smaller code first)."""
    g, c, counts = _pair_counts(group, codes)
    flat, bounds = _top(g, c, counts, n_groups, top)
    names = [str(values[i]) for i in flat]
    return [tuple(names[bounds[k] : bounds[k + 1]]) for k in range(n_groups)]


def _summarise(
    rows: pa.Table,
    group: np.ndarray,
    template_stats: tuple[np.ndarray, np.ndarray, np.ndarray],
    ids: Sequence[str],
    templates: Sequence[str],
    *,
    top: int,
) -> list[Campaign]:
    """One :class:`Campaign` per group; ``template_stats`` is (template index, its group, its messages)
    for every template present in ``rows``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if rows.num_rows == 0:
        return []
    n_groups = len(ids)
    size = np.bincount(group, minlength=n_groups)
    risk_code = pc.index_in(rows.column("risk"), value_set=pa.array(RISK_ORDER)).fill_null(0)
    risk_code = risk_code.to_numpy(zero_copy_only=False).astype(np.int64)
    per_risk = np.bincount(group * 3 + risk_code, minlength=n_groups * 3).reshape(n_groups, 3)
    high = per_risk[:, 2]
    fraud = rows.column("fraud_probability").fill_null(0.0).to_numpy(zero_copy_only=False)
    fraud_sum = np.bincount(group, weights=fraud, minlength=n_groups)
    # The median member's risk (the upper median: a tie leans to the more dangerous reading).
    median_risk = (np.cumsum(per_risk, axis=1) > (size[:, None] / 2)).argmax(axis=1)
    grouped = pa.table({"g": pa.array(group), "t": rows.column("received_at"), "m": rows.column("message_id")})
    agg = grouped.group_by("g").aggregate([("t", "min"), ("t", "max"), ("m", "min")])
    agg = agg.take(pc.sort_indices(agg.column("g")))  # every group has a row: row g is group g
    first_seen, last_seen = _datetimes(agg.column("t_min")), _datetimes(agg.column("t_max"))
    example = agg.column("m_min").to_pylist()
    sender_codes, sender_values = _codes(rows.column("sender"))
    sg, sc, scounts = _pair_counts(group, sender_codes)
    distinct_senders = np.bincount(sg, minlength=n_groups)
    sflat, sbounds = _top(sg, sc, scounts, n_groups, top)
    sender_names = [str(sender_values[i]) for i in sflat]
    kind_codes, kind_values = _codes(rows.column("kind"))
    kind = _mode(group, kind_codes, n_groups, len(kind_values))
    # Each group's most common template (ties: the smaller) and how many different ones it has.
    t_index, t_group, t_count = template_stats
    distinct_templates = np.bincount(t_group, minlength=n_groups)
    order = np.lexsort((t_index, -t_count, t_group))
    firsts = order[np.r_[True, t_group[order][1:] != t_group[order][:-1]]]
    common = t_index[firsts].tolist()
    domains = _top_values(*_list_codes(rows, "domains", group), n_groups, top)
    phones = _top_values(*_list_codes(rows, "phones", group), n_groups, top)
    size_l, distinct_t, distinct_s = size.tolist(), distinct_templates.tolist(), distinct_senders.tolist()
    # Python's round (correctly rounded), not np.round (scales first, so it can differ in the last digit).
    high_share = [round(x, 4) for x in (high / size).tolist()]
    mean_fraud = [round(x, 4) for x in (fraud_sum / size).tolist()]
    risk = [RISK_ORDER[r] for r in median_risk.tolist()]
    return [
        Campaign(
            campaign_id=ids[g],
            size=size_l[g],
            distinct_templates=distinct_t[g],
            first_seen=first_seen[g],
            last_seen=last_seen[g],
            distinct_senders=distinct_s[g],
            top_senders=tuple(sender_names[sbounds[g] : sbounds[g + 1]]),
            domains=domains[g],
            phones=phones[g],
            template=templates[common[g]],
            kind=str(kind_values[kind[g]]) if kind[g] >= 0 else "other",
            risk=risk[g],
            high_share=high_share[g],
            mean_fraud_probability=mean_fraud[g],
            example_message_id=str(example[g]),
        )
        for g in range(n_groups)
    ]


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
    # Column by column (Arrow takes the tuples as lists): a loop per cell costs several times more.
    cols = {name: [getattr(c, name) for c in campaigns] for name in schema.names}
    return pa.Table.from_pydict(cols, schema=schema)


def risk_counts(campaigns: Sequence[Campaign]) -> Counter[str]:
    """How many campaigns per risk level."""
    return Counter(c.risk for c in campaigns)
