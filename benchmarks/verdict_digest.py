"""Golden verdicts: hash ``Verdict.to_dict()`` per message so a speed-up can prove it changed no verdict.

    .venv/bin/python benchmarks/verdict_digest.py --out /tmp/digest-before.tsv [--limit N]
    .venv/bin/python benchmarks/verdict_digest.py --out /tmp/digest-after.tsv --compare /tmp/digest-before.tsv

Runs ``veritext.triage_many`` over the ``text`` column of every ``*.shared.csv`` plus the ``real_*``
``messages.csv`` under the data directory, in several variants: plain text; with a sender and a
received-at time; with a Context (has_loan / requested_code / jurisdiction, and a small loan ledger);
and ``veritext.triage`` (no cache) on a sample. Writes one line per message and variant:
``variant<TAB>index<TAB>sha256(json(to_dict()))``, floats as they are (``repr`` via json). With
``--compare`` it prints every line that differs and exits 1 when any does. Nothing is written under
the data directory. ``verify`` uses today's date when ``received_at`` is absent, so compare digests
made on the same day.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from _datasets import DEFAULT_DATA_DIR, load_datasets

SENDERS = (
    None,
    "95588",
    "1069012345678",
    "+8613800138000",
    "13912345678",
    "+447700900123",
    "1-800-555-0199",
    "Barclays",
    "10086",
    "+12025550123",
)
BASE_TIME = datetime(2026, 11, 20, 0, 30)


def _digest(obj: object) -> str:
    blob = json.dumps(obj, ensure_ascii=False, sort_keys=True, default=repr)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def variants(texts: list[str], sample: int, seed: int) -> Iterator[tuple[str, list[object]]]:
    """(name, inputs for triage_many) per variant; the "single" variant goes through ``triage``."""
    import veritext
    from veritext.ledger import Instalment, Loan

    yield "plain", list(texts)
    yield (
        "sender",
        [
            veritext.Message(t, sender=SENDERS[i % len(SENDERS)], received_at=BASE_TIME + timedelta(minutes=97 * i))
            for i, t in enumerate(texts)
        ],
    )
    loan = Loan(
        lender="招联金融",
        outstanding=Decimal("3000"),
        schedule=(Instalment(BASE_TIME.date() - timedelta(days=8)),),
        penalty_rate=Decimal("0.05"),
        app="招联金融",
    )
    contexts = (
        veritext.Context(has_loan="no", requested_code="yes"),
        veritext.Context(has_loan="yes", requested_code="no", jurisdiction="UK"),
        veritext.Context(jurisdiction="US"),
        veritext.Context(loans=(loan,)),
        veritext.Context(has_loan="unknown", requested_code="no", jurisdiction="CN"),
    )
    yield (
        "context",
        [veritext.Message(t, received_at=BASE_TIME, context=contexts[i % len(contexts)]) for i, t in enumerate(texts)],
    )
    idx = sorted(random.Random(seed).sample(range(len(texts)), min(sample, len(texts))))
    yield "single", [texts[i] for i in idx]


def run(texts: list[str], sample: int, seed: int) -> list[str]:
    import veritext

    lines: list[str] = []
    for name, inputs in variants(texts, sample, seed):
        t0 = time.perf_counter()
        single = name == "single"
        verdicts = [veritext.triage(t) for t in inputs] if single else list(veritext.triage_many(inputs))  # type: ignore[arg-type]
        dt = time.perf_counter() - t0
        print(f"{name}: {len(verdicts):,} verdicts in {dt:.1f} s ({len(verdicts) / dt:,.0f} msg/s)", file=sys.stderr)
        lines += [f"{name}\t{i}\t{_digest(v.to_dict())}" for i, v in enumerate(verdicts)]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--limit", type=int, default=None, help="cap messages per dataset")
    ap.add_argument("--sample", type=int, default=3000, help="messages also run through triage() (no cache)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True, help="digest file to write (e.g. under /tmp)")
    ap.add_argument("--compare", type=Path, default=None, help="a digest file to compare with")
    args = ap.parse_args(argv)

    texts = [t for d in load_datasets(args.data_dir.resolve(), args.limit) for t in d.texts]
    lines = run(texts, args.sample, args.seed)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines):,} digests ({len(texts):,} texts) to {args.out}", file=sys.stderr)
    if args.compare is None:
        return 0
    old = args.compare.read_text(encoding="utf-8").splitlines()
    diffs = [(a, b) for a, b in zip(old, lines, strict=False) if a != b]
    if len(old) != len(lines):
        print(f"line count differs: {len(old):,} vs {len(lines):,}")
    for a, b in diffs[:50]:
        print(f"DIFF {a}  ->  {b.rsplit(chr(9), 1)[-1]}")
    print(f"{len(diffs):,} differences over {min(len(old), len(lines)):,} verdicts")
    return 1 if diffs or len(old) != len(lines) else 0


if __name__ == "__main__":
    raise SystemExit(main())
