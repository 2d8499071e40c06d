"""End-to-end bulk benchmark: build N messages from the shared datasets, then `veritext scan`, `campaigns`,
`export` and `scan-report` as real subprocesses; wall time, messages/s and peak RSS (whole process tree).

    .venv/bin/python benchmarks/bench_scan.py                      # 1,000,000 messages (long: see README)
    .venv/bin/python benchmarks/bench_scan.py -n 20000             # quick check
    .venv/bin/python benchmarks/bench_scan.py --json scan-bench.json

Input: the ``text`` column of every ``../shared/data/*/*.shared.csv``, repeated to N rows. A share
``--perturb`` (default 0.5) of the rows get every digit replaced (same template, new numbers: what a
campaign looks like); every row gets a sender from a pool of ``--senders`` numbers and a time within 30
days. The CSV is written once to ``--work`` and reused when it already has N rows.

Also measured in-process, to say where the time goes: reading alone (the CSV reader), triage alone
(one process, unique texts) and the clustering step on the scan output. Every step also records CPU
seconds (the scanning process itself and its workers apart) and the load average before and after:
on a shared machine CPU per message moves far less than wall time does.

``--scan-only`` skips export and scan-report (for long runs whose figures are extrapolated to 1M).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DATA = (REPO.parent / "shared" / "data").resolve()
# The scan commands alone (same code as `veritext scan …`, without the other commands' imports).
VERITEXT = [sys.executable, "-m", "veritext.cli_scan"]


def _base_texts(data_dir: Path) -> list[str]:
    texts: list[str] = []
    for path in sorted(data_dir.glob("*/*.shared.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            texts.extend(row["text"] for row in csv.DictReader(f) if row.get("text"))
    if not texts:
        raise SystemExit(f"no *.shared.csv under {data_dir}")
    return texts


def _senders(n: int, rng: random.Random) -> list[str]:
    out = []
    for i in range(n):
        r = i % 10
        if r < 5:
            out.append(f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}")  # personal mobiles (SMS blasters)
        elif r < 8:
            out.append(f"106{rng.randrange(10**9):09d}")  # enterprise ports
        elif r < 9:
            out.append(f"95{rng.randrange(1000):03d}")  # service short codes
        else:
            out.append(f"+44{rng.randrange(10**10):010d}")  # overseas
    return out


def add_input_options(ap: argparse.ArgumentParser, *, work: Path) -> None:
    """The options of the input builder (:func:`build_input`) and where the input and outputs go."""
    ap.add_argument("--perturb", type=float, default=0.5, help="share of rows whose digits are changed")
    ap.add_argument("--senders", type=int, default=20_000, help="size of the sender pool")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=work, help="where input and outputs go")
    ap.add_argument("--data-dir", type=Path, default=DATA)


def build_input(path: Path, n: int, *, perturb: float, senders: int, seed: int, data_dir: Path) -> float:
    """Write the N-message CSV (text, sender, received_at); returns seconds taken (0 if reused)."""
    marker = path.with_suffix(".rows")
    if path.exists() and marker.exists() and marker.read_text().strip() == f"{n} {perturb} {senders} {seed}":
        return 0.0
    t0 = time.perf_counter()
    rng = random.Random(seed)
    base = _base_texts(data_dir)
    pool = _senders(senders, rng)
    start = datetime(2026, 10, 29, tzinfo=UTC)
    digits = str.maketrans({d: None for d in "0123456789"})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "sender", "received_at"])
        for i in range(n):
            text = base[i % len(base)]
            if rng.random() < perturb and text.translate(digits) != text:
                text = "".join(rng.choice("0123456789") if c.isdigit() else c for c in text)
            when = start + timedelta(seconds=rng.randrange(30 * 86400))
            w.writerow([text, rng.choice(pool), when.isoformat()])
    marker.write_text(f"{n} {perturb} {senders} {seed}\n")
    return time.perf_counter() - t0


class _Peak:
    """Samples the summed RSS of a process and all its children every 0.2 s, and each one's CPU time."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.cpu: dict[int, float] = {}  # pid → user + system seconds, last sample (workers exit first)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                total = 0
                for p in procs:
                    with contextlib.suppress(psutil.Error):  # a worker may exit between the two calls
                        total += p.memory_info().rss
                        t = p.cpu_times()
                        self.cpu[p.pid] = t.user + t.system
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(cmd: Sequence[str], label: str) -> dict[str, Any]:
    """Run a command, measuring wall time, peak tree RSS, CPU seconds and load average; stdout is returned.

    ``cpu_seconds`` is user + system time of the whole tree (from ``getrusage``: exact, every worker
    included); ``main_cpu_seconds`` that of the command's own process (sampled every 0.2 s, so it may
    miss the last 0.2 s), the rest being its workers'.
    """
    print(f"[bench] {label}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    load_before = _load()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    peak = _Peak(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    rss = peak.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed ({proc.returncode}):\n{err[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "label": label,
        "seconds": round(wall, 2),
        "peak_rss_mb": round(rss / 2**20, 1),
        "cpu_seconds": round(cpu, 2),
        "main_cpu_seconds": round(peak.cpu.get(proc.pid, 0.0), 2),
        "load_before": load_before,
        "load_after": _load(),
        "stdout": out,
    }


def reader_only(path: Path) -> dict[str, Any]:
    """Seconds to stream every row of the input as the scan reads it (``Reader.rows``; no triage), and
    the CPU seconds: on a shared machine the wall time says more about the neighbours."""
    from veritext.inbox import open_inbox

    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(1 for _ in open_inbox(path).rows())
    s, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"messages": n, "seconds": round(s, 2), "cpu_seconds": round(cpu, 2), "per_second": round(n / s)}


def triage_only(path: Path, sample: int) -> dict[str, Any]:
    """One process: `verdict_columns` on the first `sample` rows (mostly unique), warm."""
    import pyarrow.csv as pacsv

    from veritext.batch import verdict_columns, warm_up

    warm_up()
    # Message texts hold line breaks inside quoted cells (the 1M input has some past row 300,000).
    table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True)).slice(0, sample)
    t0 = time.perf_counter()
    out = verdict_columns(table, tz="UTC")
    s = time.perf_counter() - t0
    return {"messages": out.num_rows, "seconds": round(s, 2), "per_second": round(out.num_rows / s)}


def clustering_only(results: Path) -> dict[str, Any]:
    """`find_campaigns` on the scan output: reading its columns, clustering the distinct templates
    (MinHash + bands + components), and the whole call (clustering + per-campaign summaries)."""
    import pyarrow.compute as pc

    from veritext.campaigns import CAMPAIGN_INPUT_COLUMNS, cluster_templates, find_campaigns
    from veritext.scan import read_results

    t0 = time.perf_counter()
    table = read_results(results, columns=CAMPAIGN_INPUT_COLUMNS)
    t1 = time.perf_counter()
    templates = pc.unique(table.column("template").drop_null()).to_pylist()
    t2 = time.perf_counter()
    cluster_templates(sorted(templates))
    t3 = time.perf_counter()
    found = find_campaigns(table)
    t4 = time.perf_counter()
    return {
        "read_seconds": round(t1 - t0, 2),
        "cluster_seconds": round(t3 - t2, 2),
        "find_campaigns_seconds": round(t4 - t3, 2),
        "distinct_templates": found.distinct_templates,
        "campaigns": len(found.campaigns),
        "messages_in_campaigns": found.members.num_rows,
    }


def replicate(results: Path, rows: int, target: Path) -> float:
    """Tile a scan output to `rows` rows (ids made unique) so the steps after the scan can be timed at scale."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    table = pq.read_table(results)
    writer = pq.ParquetWriter(target, table.schema, compression="zstd")
    done, copy = 0, 0
    while done < rows:
        part = table.slice(0, min(table.num_rows, rows - done))
        ids = pc.binary_join_element_wise(part.column("message_id"), pa.scalar(f"r{copy}"), "-")
        writer.write_table(part.set_column(part.schema.get_field_index("message_id"), "message_id", ids))
        done += part.num_rows
        copy += 1
    writer.close()
    return time.perf_counter() - t0


def downstream(path: Path, work: Path, label: str, *, campaigns_only: bool = False) -> dict[str, Any]:
    """campaigns, export and scan-report on one scan output (only campaigns if ``campaigns_only``)."""
    camp = run([*VERITEXT, "campaigns", str(path), "--json", "--top", "5"], f"campaigns{label}")
    camp.pop("stdout")
    if campaigns_only:
        skipped = {"seconds": 0.0, "peak_rss_mb": 0.0, "skipped": True}
        return {"campaigns": camp, "export": skipped, "scan_report": skipped}
    exp = run(
        [*VERITEXT, "export", str(path), "--indicators", str(work / f"indicators{label}.csv"),
         "--stix", str(work / f"iocs{label}.stix.json")],
        f"export{label}",
    )  # fmt: skip
    exp.pop("stdout")
    rep = run([*VERITEXT, "scan-report", str(path), "--out", str(work / f"report{label}.html"), "--tz", "UTC"],
              f"scan-report{label}")  # fmt: skip
    rep.pop("stdout")
    return {"campaigns": camp, "export": exp, "scan_report": rep}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1_000_000, help="messages to scan (default 1,000,000)")
    ap.add_argument("--workers", type=int, default=0, help="scan workers (default: every core)")
    add_input_options(ap, work=Path("/tmp/veritext-bench"))
    ap.add_argument("--sample", type=int, default=5000, help="rows for the triage-only measurement")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--scan-only", action="store_true", help="scan and campaigns only: no export, no scan-report")
    ap.add_argument(
        "--replicate-to",
        type=int,
        default=0,
        help="also tile the scan output to this many rows and time campaigns / export / report on it",
    )
    args = ap.parse_args(argv)

    work = args.work
    src = work / f"messages-{args.n}.csv"
    out = work / f"verdicts-{args.n}.parquet"
    built = build_input(src, args.n, perturb=args.perturb, senders=args.senders, seed=args.seed, data_dir=args.data_dir)
    size_mb = src.stat().st_size / 2**20
    print(f"[bench] input {src} ({size_mb:,.0f} MB, built in {built:.1f} s)", file=sys.stderr, flush=True)

    scan = run(
        [*VERITEXT, "scan", str(src), "--out", str(out), "--restart", "--no-progress", "--json", "--tz", "UTC",
         "--workers", str(args.workers)],
        "scan",
    )  # fmt: skip
    summary = json.loads(scan.pop("stdout"))
    after = downstream(out, work, "", campaigns_only=args.scan_only)
    camp, exp, rep = after["campaigns"], after["export"], after["scan_report"]
    scaled: dict[str, Any] = {}
    if args.replicate_to:
        big = work / f"verdicts-tiled-{args.replicate_to}.parquet"
        secs = replicate(out, args.replicate_to, big)
        print(f"[bench] tiled to {args.replicate_to:,} rows in {secs:.1f} s", file=sys.stderr, flush=True)
        scaled = downstream(big, work, f"-{args.replicate_to}", campaigns_only=args.scan_only)
        scaled["clustering_only"] = clustering_only(big)

    print("[bench] in-process breakdown …", file=sys.stderr, flush=True)
    reading = reader_only(src)
    triage = triage_only(src, args.sample)
    clustering = clustering_only(out)

    n = summary["messages"]
    workers = args.workers or os.cpu_count() or 1
    end_to_end = scan["seconds"] + camp["seconds"]
    rate = n / scan["seconds"]
    # Linear for the scan: it streams in constant memory and every batch costs the same. Campaigns is
    # not linear (a fixed start-up, then rows read and distinct templates): it is only given for 1M
    # when measured on 1M tiled rows (--replicate-to 1000000).
    camp_1m = scaled["campaigns"]["seconds"] if args.replicate_to == 1_000_000 else None
    per_million = {
        "scan_seconds": round(1e6 / rate, 1),
        "campaigns_seconds_on_1m_tiled_rows": camp_1m,
        "scan_plus_campaigns_seconds": round(1e6 / rate + camp_1m, 1) if camp_1m is not None else None,
    }
    figures = {
        "messages": n,
        "input_mb": round(size_mb, 1),
        "cores": os.cpu_count(),
        "workers": workers,
        "scan": scan
        | {
            "messages_per_second": round(rate),
            "cpu_ms_per_message": round(1000 * scan["cpu_seconds"] / n, 3),
            "main_process_cpu_share": round(scan["main_cpu_seconds"] / scan["cpu_seconds"], 3)
            if scan["cpu_seconds"]
            else None,
        },
        "extrapolated_to_1m": per_million if n < 1_000_000 else None,
        "campaigns": camp,
        "export": exp,
        "scan_report": rep,
        "end_to_end_scan_plus_campaigns_seconds": round(end_to_end, 1),
        "peak_rss_mb_max": max(scan["peak_rss_mb"], camp["peak_rss_mb"], exp["peak_rss_mb"], rep["peak_rss_mb"]),
        "reader_only": reading,
        "triage_only_one_process": triage,
        "clustering_only": clustering,
        "errors": summary["errors"],
        "tiled": {"rows": args.replicate_to, **scaled} if scaled else None,
    }
    rows = [
        ("messages scanned", f"{n:,} ({size_mb:,.0f} MB CSV)"),
        (f"scan wall time ({workers} workers)", f"{scan['seconds']:,.1f} s → {rate:,.0f} messages/s"),
        ("scan CPU (all processes / main process)",
         f"{scan['cpu_seconds']:,.1f} s = {1000 * scan['cpu_seconds'] / n:.2f} ms per message / "
         f"{scan['main_cpu_seconds']:,.1f} s"),
        ("scan load average (1/5/15 min) before → after", f"{scan['load_before']} → {scan['load_after']}"),
        ("scan peak RSS (all processes)", f"{scan['peak_rss_mb']:,.0f} MB"),
        ("campaigns (read + cluster + summarise)", f"{camp['seconds']:,.1f} s, peak {camp['peak_rss_mb']:,.0f} MB"),
        ("  of which clustering alone",
         f"{clustering['cluster_seconds']:,.1f} s on {clustering['distinct_templates']:,} distinct templates"),
        ("export (indicators CSV + STIX)",
         "skipped (--scan-only)" if args.scan_only else f"{exp['seconds']:,.1f} s, peak {exp['peak_rss_mb']:,.0f} MB"),
        ("scan-report (HTML)",
         "skipped (--scan-only)" if args.scan_only else f"{rep['seconds']:,.1f} s, peak {rep['peak_rss_mb']:,.0f} MB"),
        ("end to end (scan + campaigns)", f"{end_to_end:,.1f} s (goal ≤ 120 s, ≤ 2,048 MB)"),
        ("reader alone (CSV → scan rows)", f"{reading['per_second']:,} messages/s, {reading['cpu_seconds']} CPU-s"),
        (f"triage alone, 1 process, first {triage['messages']:,} rows", f"{triage['per_second']:,} messages/s"),
    ]  # fmt: skip
    if scaled:
        r = args.replicate_to

        def took(step: dict[str, Any]) -> str:
            return f"{step['seconds']:,.1f} s, peak {step['peak_rss_mb']:,.0f} MB"

        c = scaled["clustering_only"]
        rows += [
            (f"campaigns on {r:,} tiled rows", took(scaled["campaigns"])),
            ("  of which clustering alone", f"{c['cluster_seconds']:,.1f} s, {c['distinct_templates']:,} templates"),
        ]
        if not args.scan_only:
            rows += [
                (f"export on {r:,} tiled rows", took(scaled["export"])),
                (f"scan-report on {r:,} tiled rows", took(scaled["scan_report"])),
            ]
    if n < 1_000_000:
        rows.append(
            (
                "EXTRAPOLATED to 1,000,000 at this rate",
                f"scan {per_million['scan_seconds']:,.0f} s"
                + (
                    f" + campaigns on 1M tiled rows {camp_1m:,.1f} s"
                    f" = {per_million['scan_plus_campaigns_seconds']:,.0f} s"
                    if camp_1m is not None
                    else " (campaigns at 1M: add --replicate-to 1000000)"
                ),
            )
        )
    rows.append(("machine", f"nproc={os.cpu_count()}, load avg at end {_load()}, {datetime.now(UTC):%Y-%m-%dT%H:%M}Z"))
    width = max(len(a) for a, _ in rows)
    print(f"\n{'what':<{width}}  figure\n{'-' * width}  {'-' * 40}")
    for a, b in rows:
        print(f"{a:<{width}}  {b}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
