"""Benchmark veritext against a plain scikit-learn char-n-gram baseline, in one process.

    .venv/bin/python benchmarks/bench_triage.py [--data-dir ../shared/data] [--limit N] [--repeat 3]
                                                [--sample 2000] [--seed 0] [--json out.json]

Prints a plain-text table (what | veritext | baseline | ratio) to stdout; progress goes to stderr.
The ratio is always veritext's cost divided by the baseline's (time per message, latency, memory):
above 1 means veritext is slower or bigger by that factor. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _datasets import DEFAULT_DATA_DIR, Dataset, load_datasets, source_state

# A realistic Chinese debt-collection SMS (invented; the names and numbers are placeholders).
COLLECTION_ZH = (
    "【信和金融】尊敬的张先生，您在我司申请的借款合同编号XH20240315008已逾期37天，欠款本息合计人民币"
    "18,650.00元。请于2024年4月25日18:00前通过官方APP或对公账户（开户行：中国工商银行深圳福田支行，"
    "账号6222021109200123456）还清欠款。逾期未还，我司将依法上报中国人民银行征信中心并委托律师事务所"
    "向法院提起诉讼，届时产生的诉讼费、律师费由您承担。如有疑问请致电客服400-820-1234。退订回T"
)
WARMUP_EN = "Your loan payment of $250.00 is overdue. Call 1-800-555-0199 today to avoid legal action."
BIG_CHARS = 100_000
BIG_RUNS = 5


def _clear_caches() -> None:
    """Every cache kept across triage_many calls (older trees have only ``_cached``): timed runs start cold."""
    import veritext.pipeline

    getattr(veritext.pipeline, "clear_caches", veritext.pipeline._cached.cache_clear)()


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def current_rss_mib() -> float | None:
    """Current resident set size (VmRSS), or None where /proc is not available."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def percentile(values_ns: Sequence[int], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a list of nanosecond timings."""
    ordered = sorted(values_ns)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return float(ordered[rank - 1])


def fmt_ns(ns: float | None) -> str:
    if ns is None:
        return "—"
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.0f} µs"


def fmt_num(x: float | None, unit: str = "", digits: int = 0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}{unit}"


def fmt_ratio(r: float | None) -> str:
    return "" if r is None else f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def cost_ratio(veritext: float | None, baseline: float | None) -> float | None:
    return None if not veritext or not baseline else veritext / baseline


def build_big_message(chars: int = BIG_CHARS) -> str:
    unit = COLLECTION_ZH + "\n"
    return (unit * (chars // len(unit) + 1))[:chars]


@dataclass
class Row:
    what: str
    veritext: str
    baseline: str
    ratio: str = ""


@dataclass
class Results:
    machine: dict[str, Any] = field(default_factory=dict)
    datasets: dict[str, dict[str, int]] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)


def time_ns(fn: Callable[..., object], *args: object) -> int:
    t0 = time.perf_counter_ns()
    fn(*args)
    return time.perf_counter_ns() - t0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def machine_info() -> dict[str, Any]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": affinity,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def render_table(rows: list[Row]) -> str:
    headers = Row("what", "veritext", "baseline", "ratio")
    cols = [[getattr(r, name) for r in [headers, *rows]] for name in ("what", "veritext", "baseline", "ratio")]
    widths = [max(len(v) for v in col) for col in cols]
    lines = []
    for i, r in enumerate([headers, *rows]):
        cells = [r.what.ljust(widths[0])] + [
            getattr(r, n).rjust(w) for n, w in zip(("veritext", "baseline", "ratio"), widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--limit", type=int, default=None, help="cap messages per dataset")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs over all messages (median reported)")
    ap.add_argument("--sample", type=int, default=2000, help="messages for the per-message latency sample")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)

    res = Results(machine=machine_info())
    fig = res.figures
    fig["rss_peak_start_mib"] = peak_rss_mib()
    rss_cur0 = current_rss_mib()

    # --- veritext: import + first call -------------------------------------------------------------
    t0 = time.perf_counter_ns()
    import veritext
    import veritext.pipeline

    fig["veritext_import_ns"] = time.perf_counter_ns() - t0
    fig["veritext_first_call_ns"] = time_ns(veritext.triage, COLLECTION_ZH)
    fig["veritext_first_call_en_ns"] = time_ns(veritext.triage, WARMUP_EN)
    fig["veritext_version"] = veritext.__version__
    res.machine["code"] = source_state()
    fig["rss_peak_after_veritext_mib"] = peak_rss_mib()
    rss_cur1 = current_rss_mib()
    fig["rss_added_by_veritext_mib"] = None if rss_cur0 is None or rss_cur1 is None else rss_cur1 - rss_cur0
    log(f"veritext imported in {fmt_ns(fig['veritext_import_ns'])}, first call {fmt_ns(fig['veritext_first_call_ns'])}")

    # --- data --------------------------------------------------------------------------------------
    t0 = time.perf_counter_ns()
    datasets: list[Dataset] = load_datasets(args.data_dir.resolve(), args.limit)
    fig["data_load_ns"] = time.perf_counter_ns() - t0
    texts = [t for d in datasets for t in d.texts]
    total, unique = len(texts), len(set(texts))
    for d in datasets:
        res.datasets[d.name] = {"messages": len(d.texts), "unique": len(set(d.texts))}
    fig["messages_total"], fig["messages_unique"] = total, unique
    fig["chars_total"] = sum(map(len, texts))
    log(f"loaded {total:,} messages ({unique:,} unique) from {len(datasets)} datasets under {args.data_dir}")

    rng = random.Random(args.seed)
    sample = rng.sample(texts, min(args.sample, total))
    for t in sample[:200]:  # warm every lazily built table on both languages before timing
        veritext.triage(t)
    fig["rss_peak_after_warmup_mib"] = peak_rss_mib()

    # --- baseline: import + fit on a fixed 80% split of the labelled messages -----------------------
    rss_cur2 = current_rss_mib()
    t0 = time.perf_counter_ns()
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import Pipeline, make_pipeline

    fig["sklearn_import_ns"] = time.perf_counter_ns() - t0
    labelled = [(t, y) for d in datasets if d.labels is not None for t, y in zip(d.texts, d.labels, strict=True)]
    split_rng = random.Random(args.seed + 1)
    order = list(range(len(labelled)))
    split_rng.shuffle(order)
    cut = int(0.8 * len(order))
    train = [labelled[i] for i in order[:cut]]
    test = [labelled[i] for i in order[cut:]]
    pipe: Pipeline = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), MultinomialNB())
    t0 = time.perf_counter_ns()
    pipe.fit([t for t, _ in train], [y for _, y in train])
    fig["baseline_fit_ns"] = time.perf_counter_ns() - t0
    fig["baseline_train_messages"] = len(train)
    fig["baseline_vocabulary"] = len(pipe.named_steps["tfidfvectorizer"].vocabulary_)
    if test:
        pred = pipe.predict([t for t, _ in test])
        fig["baseline_test_accuracy"] = float(sum(int(p == y) for p, (_, y) in zip(pred, test, strict=True)))
        fig["baseline_test_accuracy"] /= len(test)
    rss_cur3 = current_rss_mib()
    fig["rss_added_by_baseline_mib"] = None if rss_cur2 is None or rss_cur3 is None else rss_cur3 - rss_cur2
    log(f"baseline fitted in {fmt_ns(fig['baseline_fit_ns'])} on {len(train):,} messages")

    # --- 1 + 4. throughput over all messages, interleaved so machine noise hits both alike -------------
    v_runs, b_runs, cache_hits = [], [], []
    for r in range(args.repeat):
        _clear_caches()
        ns = time_ns(lambda: collections.deque(veritext.triage_many(texts), maxlen=0))
        v_runs.append(total / (ns / 1e9))
        cache_hits.append(veritext.pipeline._cached.cache_info().hits)
        ns = time_ns(pipe.predict_proba, texts)
        b_runs.append(total / (ns / 1e9))
        log(f"run {r + 1}/{args.repeat}: veritext {v_runs[-1]:,.0f} msg/s, baseline {b_runs[-1]:,.0f} msg/s")
    _clear_caches()
    fig["veritext_msgs_per_s_runs"], fig["baseline_msgs_per_s_runs"] = v_runs, b_runs
    fig["veritext_msgs_per_s"] = statistics.median(v_runs)
    fig["baseline_msgs_per_s"] = statistics.median(b_runs)
    fig["triage_many_cache_hits_runs"] = cache_hits

    # --- 2. per-message latency on the sample: one pass each per repeat, median of the pass percentiles ---
    pipe.predict_proba(sample[:20])
    lat: dict[str, dict[str, list[float]]] = {n: {"p50": [], "p99": [], "max": []} for n in ("veritext", "baseline")}
    for _ in range(args.repeat):
        # Block-wise rather than per message, so neither side runs on caches the other just evicted.
        passes = (
            ("veritext", [time_ns(veritext.triage, t) for t in sample]),
            ("baseline", [time_ns(pipe.predict_proba, [t]) for t in sample]),
        )
        for name, ns_list in passes:
            lat[name]["p50"].append(percentile(ns_list, 50))
            lat[name]["p99"].append(percentile(ns_list, 99))
            lat[name]["max"].append(float(max(ns_list)))
    fig["latency_sample_size"] = len(sample)
    for name, stats in lat.items():
        for q, vals in stats.items():
            fig[f"{name}_latency_{q}_ns_runs"] = vals
            fig[f"{name}_latency_{q}_ns"] = statistics.median(vals)
    log(f"latency sample done ({len(sample):,} messages x {args.repeat})")

    # --- 3. one 100 kB message --------------------------------------------------------------------------
    big = build_big_message()
    fig["big_message_chars"] = len(big)
    v_big = [time_ns(veritext.triage, big) for _ in range(BIG_RUNS)]
    b_big = [time_ns(pipe.predict_proba, [big]) for _ in range(BIG_RUNS)]
    fig["veritext_big_ns_runs"], fig["baseline_big_ns_runs"] = v_big, b_big
    fig["veritext_big_ns"], fig["baseline_big_ns"] = statistics.median(v_big), statistics.median(b_big)
    fig["rss_peak_end_mib"] = peak_rss_mib()
    res.machine["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None

    # --- report -----------------------------------------------------------------------------------------
    v_tp, b_tp = fig["veritext_msgs_per_s"], fig["baseline_msgs_per_s"]
    rows = [
        Row("messages (total / unique)", f"{total:,} / {unique:,}", f"{total:,} / {unique:,}"),
        Row(
            f"throughput, triage_many vs predict_proba (msg/s, median of {args.repeat})",
            fmt_num(v_tp),
            fmt_num(b_tp),
            fmt_ratio(cost_ratio(1 / v_tp, 1 / b_tp)),
        ),
    ]
    for q in ("p50", "p99"):
        v, b = fig[f"veritext_latency_{q}_ns"], fig[f"baseline_latency_{q}_ns"]
        rows.append(
            Row(
                f"latency per message {q} (n={len(sample):,}, median of {args.repeat})",
                fmt_ns(v),
                fmt_ns(b),
                fmt_ratio(cost_ratio(v, b)),
            )
        )
    rows += [
        Row(
            f"latency, one {len(big) // 1000} kB zh message (median of {BIG_RUNS})",
            fmt_ns(fig["veritext_big_ns"]),
            fmt_ns(fig["baseline_big_ns"]),
            fmt_ratio(cost_ratio(fig["veritext_big_ns"], fig["baseline_big_ns"])),
        ),
        Row(
            "import time (veritext / sklearn)",
            fmt_ns(fig["veritext_import_ns"]),
            fmt_ns(fig["sklearn_import_ns"]),
            fmt_ratio(cost_ratio(fig["veritext_import_ns"], fig["sklearn_import_ns"])),
        ),
        Row("first call after import (warm-up)", fmt_ns(fig["veritext_first_call_ns"]), "—"),
        Row(f"fit time (baseline, {len(train):,} messages)", "—", fmt_ns(fig["baseline_fit_ns"])),
        Row(
            "RSS added (MiB): import+warm-up / import+fit",
            fmt_num(fig["rss_added_by_veritext_mib"], digits=1),
            fmt_num(fig["rss_added_by_baseline_mib"], digits=1),
            fmt_ratio(cost_ratio(fig["rss_added_by_veritext_mib"], fig["rss_added_by_baseline_mib"])),
        ),
        Row(
            "peak RSS after loading veritext (MiB)",
            fmt_num(fig["rss_peak_after_veritext_mib"], digits=1),
            "",
        ),
        Row("peak RSS at end, whole process (MiB)", fmt_num(fig["rss_peak_end_mib"], digits=1), ""),
    ]
    m = res.machine
    hits = statistics.median(cache_hits)
    print(render_table(rows))
    print()
    print(
        f"ratio = veritext cost / baseline cost (time per message, latency, MiB): >1 means veritext is that many"
        f" times slower/bigger. triage_many served {hits:,.0f} of {total:,} messages from its cache per run"
        f" (cache cleared before each run); the baseline has no cache."
    )
    if "baseline_test_accuracy" in fig:
        print(
            f"baseline: TfidfVectorizer(char, 1-3) + MultinomialNB, {fig['baseline_vocabulary']:,} features,"
            f" held-out accuracy {fig['baseline_test_accuracy']:.3f} on {len(test):,} messages (ham=0 / else=1)."
        )
    print(
        f"machine: nproc={m['nproc']} (usable {m['cpus_usable']}), {m['python']}, {m['platform']},"
        f" load avg {m['loadavg_at_start']} → {m['loadavg_at_end']}, {m['date']}, veritext {fig['veritext_version']}"
    )
    code = m["code"]
    print(f"code: git {code['git_head']}, src dirty={code['src_dirty']}, src sha256 {code['src_sha256']}")
    if args.limit:
        print(f"note: --limit {args.limit} messages per dataset")

    if args.json:
        payload = {"args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}}
        payload.update(machine=res.machine, datasets=res.datasets, figures=res.figures)
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
