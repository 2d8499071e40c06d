"""The bulk scanner: inbox readers → batches → worker processes (:func:`veritext.batch.verdict_columns`) → output.

Reading happens in this process; each batch of ``batch_size`` messages is dealt to the workers by
text (every repeat of a text to the same worker, whose caches know it), and each worker triages its
shard and writes it as a *part* file next to the output (:mod:`veritext.scan.parts`); when all of a
batch's parts are in, this process records the batch in the checkpoint
(:mod:`veritext.scan.checkpoint`) and appends it, in input order, to the output (Parquet, CSV or
JSONL) while the workers go on. When the last batch is in, the output is renamed into place and the
summary is computed.

A scan that is killed resumes from its checkpoint when the same command runs again. At most
``2 × workers + 2`` batches are in flight, so memory does not grow with the input.
"""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import csv
import gc
import multiprocessing as mp
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from types import FrameType
from typing import Any

import pyarrow as pa
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from veritext.batch import verdict_columns, warm_up
from veritext.inbox import InboxError, InboxIssue, Reader, ReadOptions, open_inbox
from veritext.inbox.records import ScanRow, tr
from veritext.message import SCHEMA_VERSION, I18nText
from veritext.scan.checkpoint import Checkpoint
from veritext.scan.parts import OrderedMerge, join_parts, part_name, write_part
from veritext.scan.results import output_format
from veritext.scan.summary import ScanSummary, SourceStats, summarise

DEFAULT_BATCH = 2000


class ScanError(InboxError):
    """The scan cannot start or go on; the message says why in both languages."""


class ScanInterrupted(Exception):
    """The scan was interrupted (Ctrl-C / SIGTERM); its checkpoint lets the same command resume it."""


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How to scan. ``workers=0`` uses every core; ``db=None`` puts the checkpoint next to ``out``."""

    out: Path
    db: Path | None = None
    workers: int = 0
    batch_size: int = DEFAULT_BATCH
    read: ReadOptions = field(default_factory=ReadOptions)
    restart: bool = False
    progress: bool = True
    tz: str | None = None  # the zone of times written without one, and of night checks; None = this computer's


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan produced and how it went."""

    out: Path
    db: Path
    summary: ScanSummary
    issues: tuple[InboxIssue, ...]  # the first few; every one is in the checkpoint and the issues file
    skipped: int
    repaired: int
    resumed_batches: int
    already_complete: bool
    seconds: float
    issues_file: Path | None


def default_db(out: Path) -> Path:
    """The checkpoint that goes with an output file."""
    return out.with_name(out.name + ".scan.sqlite")


def _parts_dir(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _fingerprint(inputs: list[Path], options: ScanOptions) -> dict[str, Any]:
    files = []
    for p in inputs:
        try:
            st = p.stat()
        except OSError as exc:
            raise ScanError(tr(f"无法打开：{exc.strerror}", f"cannot open: {exc.strerror}"), source=str(p)) from None
        files.append([str(p.resolve()), st.st_size, st.st_mtime_ns])
    read = asdict(options.read)
    read.pop("on_error")  # skip vs stop only changes where reading ends, never the batches before it
    zone = options.tz or f"local:{datetime.now().astimezone().tzname()}"
    return {
        "inputs": files,
        "read": read,
        "batch_size": options.batch_size,
        "tz": zone,
        "schema_version": SCHEMA_VERSION,
    }


# ---- garbage collection --------------------------------------------------------------------------

# A worker keeps large, long-lived caches (veritext.memo) and makes millions of short-lived objects a
# batch. With CPython's default thresholds (700, 10, 10) the cyclic collector ran ~4,700 times in 65 s
# of one simulated worker's CPU and took 14% of it, most of it walking the caches again and again.
# Young collections 140× rarer took that to ~3% (memory: garbage in cycles waits longer, the scan
# makes little). Everything loaded before the scan (rules, lexicons, model) is frozen: never walked,
# and a forked worker does not touch (and so copy) the parent's pages to walk it.
_GC_THRESHOLDS = (100_000, 20, 10)


def _bulk_gc() -> tuple[int, int, int]:
    """Freeze what is loaded and space collections out for a bulk run; returns the thresholds before."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)
    return before


def _restore_gc(before: tuple[int, int, int]) -> None:
    gc.unfreeze()
    gc.set_threshold(*before)


# ---- worker side -------------------------------------------------------------------------------


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: terminate() must end a worker
    warm_up()
    _bulk_gc()  # for the worker's life


def _ping() -> int:
    return os.getpid()


def _worker_part(*args: Any) -> int:
    """:func:`triage_part` in a worker, then freeze what the batch left alive (see _GC_THRESHOLDS)."""
    rows = triage_part(*args)
    # What outlives a batch is mostly cache entries, which the collector would otherwise walk again in
    # every older-generation collection (a 200,000-row slice of worker: 2.9 CPU-s of collections, 0.1
    # frozen). The scan makes little cyclic garbage, and a frozen object is still freed by its refcount.
    gc.freeze()
    return rows


def triage_part(
    batch: int,
    payload: dict[str, list[Any]],
    parts_dir: str,
    tz: str | None,
    shard: int | None = None,
    rows: list[int] | None = None,
) -> int:
    """Triage one batch (or one shard of it: ``rows`` are its rows' indices in the batch) and write it as
    its part file (atomically). Returns the row count.

    Only the count goes back to the parent: the verdicts travel through the part file, never pickled.
    """
    table = verdict_columns(pa.table(payload), tz=tz)
    write_part(table, Path(parts_dir), batch, shard, rows)
    return int(table.num_rows)


# ---- parent side -------------------------------------------------------------------------------


class _Rate(ProgressColumn):
    """Messages triaged and the rate, e.g. ``12,000 条/msgs · 2,345/s``."""

    def render(self, task: Task) -> Text:
        done = int(task.fields.get("messages", 0))
        fresh = int(task.fields.get("fresh", 0))
        elapsed = task.elapsed or 0.0
        rate = fresh / elapsed if elapsed > 0 else 0.0
        return Text(f"{done:,} 条/msgs · {rate:,.0f}/s", style="progress.data.speed")


def _progress(console: Console, enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        _Rate(),
        TextColumn("用时/elapsed"),
        TimeElapsedColumn(),
        TextColumn("剩余/ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
        transient=False,
        # One redraw costs ~2.8 ms of this process's CPU: rich's default 10 per second took ~3% of a
        # core from the workers; twice a second is still live for a scan that runs minutes.
        refresh_per_second=2,
    )


@dataclass
class _Stream:
    """Rows from all inputs in order, with a progress position in bytes-equivalent units."""

    readers: list[Reader]
    sizes: list[int]
    current: int = 0

    def rows(self) -> Iterator[ScanRow]:
        for i, reader in enumerate(self.readers):
            self.current = i
            yield from reader.rows()

    def position(self) -> float:
        done = sum(self.sizes[: self.current])
        st = self.readers[self.current].stats
        frac = st.units_done / st.units_total if st.units_total else 0.0
        return done + self.sizes[self.current] * min(frac, 1.0)


_COLUMNS = ("message_id", "source", "position", "text", "sender", "received_at")


def _batches(
    stream: _Stream, size: int, committed: dict[int, int]
) -> Iterator[tuple[int, dict[str, list[Any]] | None, int, float]]:
    """(batch number, payload or None if already done, rows, progress position) in input order."""
    rows = stream.rows()
    k = 0
    while chunk := list(islice(rows, size)):
        # A batch's rows become its columns in one transposition (received_at is ISO text: it keeps
        # "no zone" apart from "UTC", which an Arrow timestamp column could not hold both of).
        payload = None if k in committed else dict(zip(_COLUMNS, map(list, zip(*chunk, strict=True)), strict=True))
        yield k, payload, len(chunk), stream.position()
        if len(chunk) < size:
            return  # the stream is done (islice stopped short)
        k += 1


def _shards(payload: dict[str, list[Any]], n: int) -> list[tuple[int, dict[str, list[Any]], list[int]]]:
    """Deal a batch's rows to ``n`` workers by text: (worker, its rows, their indices in the batch) for
    every worker that gets any.

    A worker keeps what it learnt of each text (extraction, model scores, verdicts by situation) across
    batches; dealt by text, every row of a text goes to the same worker, so a text is new to one worker
    only and its repeats find their situations there. ``hash`` is salted per process, which is fine: it
    only says who triages a row, never what the row says (a resumed scan may deal otherwise).
    """
    texts = payload["text"]
    index: list[list[int]] = [[] for _ in range(n)]
    for i, text in enumerate(texts):
        index[hash(text) % n].append(i)
    return [
        (j, {c: [col[i] for i in rows] for c, col in payload.items()}, rows) for j, rows in enumerate(index) if rows
    ]


@dataclass
class _InFlight:
    """A batch whose shards are being triaged."""

    parts: list[str]
    pos: float
    left: int
    rows: int = 0


class _Workers:
    """One single-process pool per worker, so that a shard goes to the worker that owns its texts."""

    def __init__(self, workers: int) -> None:
        # fork shares the rules and model already loaded here (warm_up); elsewhere each loads its own.
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        context = mp.get_context(method)
        self.pools = [
            ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_init_worker) for _ in range(workers)
        ]

    def start(self) -> None:
        """Fork every worker now (before the progress thread starts)."""
        for f in [pool.submit(_ping) for pool in self.pools]:
            f.result()

    def submit(self, shard: int, *args: Any) -> Future[int]:
        return self.pools[shard].submit(_worker_part, *args)

    def stop_now(self) -> None:
        """Stop the workers without waiting for their batches: unfinished batches are redone on resume."""
        for pool in self.pools:
            # ProcessPoolExecutor has no public terminate before Python 3.14; its worker table is stable.
            procs = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                proc.terminate()

    def shutdown(self) -> None:
        for pool in self.pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def scan(inputs: list[Path], options: ScanOptions, *, console: Console | None = None) -> ScanResult:
    """Scan ``inputs`` into ``options.out``; resume an interrupted scan of the same inputs."""
    console = console or Console(stderr=True)
    started = time.monotonic()
    if not inputs:
        raise ScanError(tr("没有给出要扫描的文件", "no input files given"))
    out = options.out
    output_format(out)  # fail early on a bad output name
    db = options.db or default_db(out)
    parts_dir = _parts_dir(out)
    fingerprint = _fingerprint(inputs, options)
    if options.restart:
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            p.unlink(missing_ok=True)
        shutil.rmtree(parts_dir, ignore_errors=True)
    elif not db.exists() and out.exists():
        raise ScanError(
            tr(
                f"{out} 已存在；要重新扫描并覆盖它，请加 --restart",
                f"{out} already exists; pass --restart to scan again and replace it",
            )
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    ckpt = Checkpoint.open(db)
    try:
        return _run(inputs, options, ckpt, fingerprint, parts_dir, console, started)
    finally:
        ckpt.close()


def _run(
    inputs: list[Path],
    options: ScanOptions,
    ckpt: Checkpoint,
    fingerprint: dict[str, Any],
    parts_dir: Path,
    console: Console,
    started: float,
) -> ScanResult:
    out, db = options.out, ckpt.path
    previous = ckpt.get("fingerprint")
    if previous is not None and previous != fingerprint:
        raise ScanError(
            tr(
                f"{db.name} 记录的是另一次扫描（输入文件或选项不同）；要从头开始请加 --restart",
                f"{db.name} belongs to a different scan (other inputs or options); pass --restart to start over",
            )
        )
    if ckpt.get("status") == "complete" and out.exists():
        skipped, repaired = ckpt.issue_counts()
        return ScanResult(
            out=out,
            db=db,
            summary=ScanSummary.from_dict(ckpt.get("summary")),
            issues=tuple(ckpt.issues(limit=20)),
            skipped=skipped,
            repaired=repaired,
            resumed_batches=0,
            already_complete=True,
            seconds=time.monotonic() - started,
            issues_file=_issues_path(out) if _issues_path(out).exists() else None,
        )
    ckpt.put("fingerprint", fingerprint)
    ckpt.put("status", "running")
    parts_dir.mkdir(exist_ok=True)
    committed = ckpt.committed()
    pending_issues: list[InboxIssue] = []
    readers = [open_inbox(p, options=options.read, on_issue=pending_issues.append) for p in inputs]
    stream = _Stream(readers, [max(1, int(f[1])) for f in fingerprint["inputs"]])
    workers = options.workers or os.cpu_count() or 1
    if workers > 1:
        warm_up()  # loaded once here; forked workers share it
    # SIGTERM stops a scan like Ctrl-C does (signal handlers can only be set from the main thread).
    main_thread = threading.current_thread() is threading.main_thread()
    old_term = signal.signal(signal.SIGTERM, _raise_interrupt) if main_thread else None
    gc_before = _bulk_gc()  # before forking (see _GC_THRESHOLDS); this process's own is restored after
    pool = _Workers(workers) if workers > 1 else None
    merge = OrderedMerge(_incomplete(out), parts_dir)
    try:
        if pool is not None:
            pool.start()
        with _progress(console, options.progress) as progress:
            task = progress.add_task("扫描 scanning", total=float(sum(stream.sizes)), messages=0, fresh=0)
            batches = _drive(stream, options, ckpt, committed, pending_issues, merge, pool, workers, progress, task)
            progress.update(task, completed=float(sum(stream.sizes)))
    except KeyboardInterrupt:
        if pool is not None:
            pool.stop_now()
            pool = None
        merge.abandon()
        ckpt.add_issues(pending_issues)
        raise ScanInterrupted() from None
    except BaseException:
        merge.abandon()
        raise
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, old_term)
        if pool is not None:
            pool.shutdown()
        _restore_gc(gc_before)
        ckpt.add_issues(pending_issues)
    sources = tuple(
        SourceStats(r.source, r.format, r.stats.records, r.stats.skipped, r.stats.warnings, r.stats.not_received)
        for r in readers
    )
    try:
        summary = _finish(out, ckpt, parts_dir, sources, merge, batches)
    except KeyboardInterrupt:
        merge.abandon()
        raise ScanInterrupted() from None  # every batch is committed: a rerun only merges
    skipped, repaired = ckpt.issue_counts()
    issues_file = _write_issues(out, ckpt) if skipped or repaired else None
    return ScanResult(
        out=out,
        db=db,
        summary=summary,
        issues=tuple(ckpt.issues(limit=20)),
        skipped=skipped,
        repaired=repaired,
        resumed_batches=len(committed),
        already_complete=False,
        seconds=time.monotonic() - started,
        issues_file=issues_file,
    )


def _drive(
    stream: _Stream,
    options: ScanOptions,
    ckpt: Checkpoint,
    committed: dict[int, int],
    pending_issues: list[InboxIssue],
    merge: OrderedMerge,
    pool: _Workers | None,
    workers: int,
    progress: Progress,
    task: Any,
) -> int:
    """Feed batches to the workers with a bounded number in flight; commit and merge each as it lands.

    Returns the number of batches in the input.
    """
    parts_dir = str(merge.parts_dir)
    names = {b: part for b, _, part in ckpt.parts()} if committed else {}
    batches = 0
    in_flight: dict[Future[int], int] = {}  # a shard's future → its batch
    batches_in_flight: dict[int, _InFlight] = {}
    done_msgs = sum(committed.values())
    fresh = 0
    furthest = 0.0
    progress.update(task, messages=done_msgs)

    def land(k: int, rows: int, part: str, pos: float) -> None:
        nonlocal done_msgs, fresh, furthest
        ckpt.commit_batch(k, rows, part)
        if pending_issues:
            ckpt.add_issues(pending_issues)
            pending_issues.clear()
        merge.add(k, part)  # after the commit: the batch is safe even if appending fails
        done_msgs += rows
        fresh += rows
        furthest = max(furthest, pos)
        progress.update(task, completed=furthest, messages=done_msgs, fresh=fresh)

    def drain(block_until: int) -> None:
        """Wait until at most ``block_until`` batches are in flight; a batch lands when all its shards have."""
        while len(batches_in_flight) > block_until:
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for fut in finished:
                batch = batches_in_flight[in_flight.pop(fut)]
                batch.rows += fut.result()
                batch.left -= 1
            for k in [k for k, b in batches_in_flight.items() if b.left == 0]:
                b = batches_in_flight.pop(k)
                land(k, b.rows, join_parts(b.parts), b.pos)

    try:
        for k, payload, rows, pos in _batches(stream, options.batch_size, committed):
            batches = k + 1
            if payload is None:
                if committed.get(k) != rows:
                    raise ScanError(
                        tr(
                            f"检查点与输入不一致（第 {k} 批）；请加 --restart 重新扫描",
                            f"the checkpoint does not match the inputs (batch {k}); pass --restart to scan again",
                        )
                    )
                merge.add(k, names[k])
                furthest = max(furthest, pos)
                progress.update(task, completed=furthest)
                continue
            if pool is None:
                land(k, triage_part(k, payload, parts_dir, options.tz), part_name(k), pos)
                continue
            drain(2 * workers + 1)
            shards = _shards(payload, workers)
            batches_in_flight[k] = _InFlight([part_name(k, j) for j, _, _ in shards], pos, left=len(shards))
            for j, rows_j, index in shards:
                in_flight[pool.submit(j, k, rows_j, parts_dir, options.tz, j, index)] = k
    except InboxError:
        drain(0)  # keep what was already triaged: a later run resumes from here
        raise
    drain(0)
    return batches


def _incomplete(out: Path) -> Path:
    return out.with_name(f"{out.stem}.incomplete{out.suffix}")


def _finish(
    out: Path,
    ckpt: Checkpoint,
    parts_dir: Path,
    sources: tuple[SourceStats, ...],
    merge: OrderedMerge,
    batches: int,
) -> ScanSummary:
    """Close the merged output and rename it into place; summarise; mark the scan complete."""
    merge.close(batches)
    os.replace(merge.tmp, out)
    summary = summarise(merge.kept, sources=sources)
    ckpt.put("summary", summary.to_dict())
    ckpt.put("status", "complete")
    shutil.rmtree(parts_dir, ignore_errors=True)
    return summary


def _issues_path(out: Path) -> Path:
    return out.with_name(out.name + ".issues.csv")


def _write_issues(out: Path, ckpt: Checkpoint) -> Path:
    path = _issues_path(out)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "location", "skipped", "reason_zh", "reason_en"])
        for i in ckpt.issues():
            w.writerow([i.source, i.location, "yes" if i.skipped else "no (repaired)", i.reason.zh, i.reason.en])
    return path


def interrupted_message(out: Path) -> I18nText:
    """What to tell a person whose scan was interrupted."""
    return tr(
        f"扫描已中断；已完成的部分保存在检查点里。再次运行同一条命令即可从中断处继续（输出：{out}）",
        "scan interrupted; finished batches are saved in the checkpoint. "
        f"Run the same command again to resume (output: {out})",
    )
