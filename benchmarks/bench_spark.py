"""Spark scaling benchmark: ``veritext spark-scan`` on ``local[1]`` and ``local[2]`` over the same N messages.

    .venv/bin/python benchmarks/bench_spark.py                 # 1,000,000 messages (long: see README)
    .venv/bin/python benchmarks/bench_spark.py -n 100000       # what fits in ~15 minutes on 2 cores
    .venv/bin/python benchmarks/bench_spark.py -n 20000 --masters 'local[2]'   # quick check

Input: the message builder of ``bench_scan.py`` (shared dataset texts repeated; half of the rows get
new digits; senders from a pool; times within 30 days), written once as a directory of ``--files``
Parquet files (partitioned input, as on a cluster). Each master runs the real command as a
subprocess (``python -m veritext.cli_spark``, the same code as ``veritext spark-scan``) with
campaigns on, so the figures include the JVM start, triage, the counts and the clustering.

Per run: wall time; triage time (input read → verdicts written, as the job reports it) and rows/s
from it; peak RSS of the Python workers (summed over all of them, and the largest single one),
of the JVM and of the driver's Python, sampled every 0.2 s. ``scaling`` = rows/s ÷ rows/s of the first master.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scan import REPO, add_input_options, build_input


def to_parquet(csv_path: Path, target: Path, files: int) -> None:
    """The builder's CSV as ``files`` Parquet files under ``target`` (reused when already there)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    marker = target / "_BUILT"
    stamp = f"{csv_path.stat().st_mtime_ns} {files}"
    if marker.exists() and marker.read_text() == stamp:
        return
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.parquet"):
        old.unlink()
    types = {"text": pa.string(), "sender": pa.string(), "received_at": pa.string()}
    table = pacsv.read_csv(
        csv_path,
        # Some shared texts hold line breaks inside their quoted field.
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types=types),
    )
    step = -(-table.num_rows // files)
    for i in range(files):
        pq.write_table(table.slice(i * step, step), target / f"part-{i:03d}.parquet", compression="zstd")
    marker.write_text(stamp)


class _Peaks:
    """Peak RSS per role in a process tree: Python workers (pyspark.daemon and its forks), JVM, driver."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.workers_sum = self.worker_max = self.jvm = self.driver = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        workers: list[int] = []
        for p in [self.root, *self.root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a worker may exit between listing and reading
                rss = p.memory_info().rss
                cmd = " ".join(p.cmdline())
                if "pyspark.daemon" in cmd or "pyspark.worker" in cmd:
                    workers.append(rss)
                elif p.name().startswith("java"):
                    self.jvm = max(self.jvm, rss)
                elif p.pid == self.root.pid:
                    self.driver = max(self.driver, rss)
        if workers:
            self.workers_sum = max(self.workers_sum, sum(workers))
            self.worker_max = max(self.worker_max, max(workers))

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self._sample()
            self._stop.wait(0.2)

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        mib = 2**20
        return {
            "workers_sum_mib": round(self.workers_sum / mib, 1),
            "worker_max_mib": round(self.worker_max / mib, 1),
            "jvm_mib": round(self.jvm / mib, 1),
            "driver_mib": round(self.driver / mib, 1),
        }


def run_master(master: str, source: Path, out: Path) -> dict[str, Any]:
    """One ``spark-scan`` run as a subprocess; its JSON counts plus wall time and peak memory."""
    cmd = [
        sys.executable, "-m", "veritext.cli_spark", str(source), "--out", str(out),
        "--master", master, "--overwrite", "--json", "--driver-memory", "2g",
    ]  # fmt: skip
    print(f"[bench] {master}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    peaks = _Peaks(proc.pid)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    memory = peaks.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{master} failed ({proc.returncode}):\n{stderr[-3000:]}")
    res = json.loads(stdout)
    return {
        "master": master,
        "messages": res["messages"],
        "wall_seconds": round(wall, 1),
        "triage_seconds": res["triage_seconds"],
        "rows_per_second": round(res["messages"] / res["triage_seconds"], 1),
        "campaigns": res["campaigns"],
        **memory,
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = ["master", "messages", "wall s", "triage s", "rows/s", "scaling", "py workers peak MiB (sum / max)",
            "JVM MiB", "campaigns"]  # fmt: skip
    first = rows[0]["rows_per_second"]
    body = [
        [
            r["master"],
            f"{r['messages']:,}",
            f"{r['wall_seconds']:,.1f}",
            f"{r['triage_seconds']:,.1f}",
            f"{r['rows_per_second']:,.0f}",
            f"{r['rows_per_second'] / first:.2f}×",
            f"{r['workers_sum_mib']:,.0f} / {r['worker_max_mib']:,.0f}",
            f"{r['jvm_mib']:,.0f}",
            f"{r['campaigns']:,}",
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(b, widths, strict=True))) for b in body
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1_000_000, help="messages (default 1,000,000)")
    ap.add_argument("--masters", default="local[1],local[2]", help="comma-separated Spark masters to compare")
    ap.add_argument("--files", type=int, default=8, help="Parquet files the input is split into")
    add_input_options(ap, work=Path("/tmp/veritext-bench-spark"))
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)

    csv_path = args.work / f"messages-{args.n}.csv"
    build_input(csv_path, args.n, perturb=args.perturb, senders=args.senders, seed=args.seed, data_dir=args.data_dir)
    source = args.work / f"messages-{args.n}.parquet"
    to_parquet(csv_path, source, args.files)
    load_before = os.getloadavg()
    rows = [run_master(m, source, args.work / f"out-{i}") for i, m in enumerate(args.masters.split(","))]
    load_after = os.getloadavg()
    print(table(rows))
    print(
        f"machine: nproc={os.cpu_count()}, load avg {[round(x, 2) for x in load_before]} → "
        f"{[round(x, 2) for x in load_after]}, {datetime.now(UTC).isoformat(timespec='seconds')}; "
        f"input {args.files} Parquet files; rows/s = messages ÷ triage seconds (read → verdicts written)"
    )
    if args.json:
        args.json.write_text(json.dumps({"runs": rows, "load": [load_before, load_after]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
