"""A real `veritext scan` killed halfway (SIGKILL), then stopped (SIGTERM), then resumed: every message exactly once."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from veritext.inbox import open_inbox

pytestmark = pytest.mark.slow


def _committed(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return int(con.execute("SELECT COUNT(*) FROM batches").fetchone()[0])
    except sqlite3.Error:
        return 0  # the scanner is still creating it


def _run_until(cmd: list[str], db: Path, batches: int, sig: int) -> subprocess.CompletedProcess[str]:
    """Start the scan, wait until `batches` batches are committed, then send `sig` to it."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while _committed(db) < batches:
        assert proc.poll() is None, (
            f"the scan ended before it could be interrupted:\n{proc.stderr.read() if proc.stderr else ''}"
        )
        assert time.monotonic() < deadline, "the scan made no progress"
        time.sleep(0.02)
    if sig == signal.SIGKILL:
        os.killpg(proc.pid, sig)  # the whole process group: the scanner and its workers die at once
    else:
        proc.send_signal(sig)  # like Ctrl-C: the scanner stops its workers itself and keeps its checkpoint
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def test_killed_then_interrupted_then_resumed_scan_counts_every_message_once(tmp_path: Path) -> None:
    src = tmp_path / "queue.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sender", "text"])
        for i in range(600):  # written for this test: distinct texts, so no verdict is served from a cache
            w.writerow(
                [
                    f"1380013{i:04d}",
                    f"【某某金融】尊敬的客户{i}号，您的借款第{i % 97}期已逾期{i % 30 + 1}天，请登录 loan{i}.top 还款。",
                ]
            )
    out, db = tmp_path / "verdicts.parquet", tmp_path / "verdicts.parquet.scan.sqlite"
    cmd = [sys.executable, "-m", "veritext.cli", "scan", str(src), "--out", str(out), "--workers", "2",
           "--batch-size", "10", "--no-progress", "--tz", "UTC"]  # fmt: skip

    killed = _run_until(cmd, db, batches=3, sig=signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    assert not out.exists()
    after_kill = _committed(db)

    interrupted = _run_until(cmd, db, batches=after_kill + 3, sig=signal.SIGTERM)
    assert interrupted.returncode == 130, interrupted.stderr
    assert "Run the same command again to resume" in interrupted.stderr and "继续" in interrupted.stderr
    assert not out.exists()

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "resumed from the checkpoint" in done.stdout

    expected = Counter(r.message_id for r in open_inbox(src))
    got = Counter(pq.read_table(out, columns=["message_id"]).column("message_id").to_pylist())
    assert got == expected and len(got) == 600 and max(got.values()) == 1
    texts = pq.read_table(out, columns=["text", "position"]).to_pylist()
    assert [r["position"] for r in texts] == list(range(600))  # input order kept
