"""A process killed in the middle of an import leaves the ledger exactly as it was (DESIGN.md §6).

These tests kill REAL processes with SIGKILL — no cleanup handler, no rollback in Python — and then
open the database afresh: SQLite's journal must undo the half-written import by itself.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from veritext.ledger import loan_from_fields
from veritext.store import Store

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

# A child that starts an import of 5,000 loans, announces when it is half-way INSIDE the transaction,
# and then waits to be killed.
CHILD = textwrap.dedent(
    """
    import sys, time
    from decimal import Decimal
    from veritext.ledger import Loan
    from veritext.store import Store

    def loans():
        for i in range(5000):
            if i == 2500:
                print("half-way", flush=True)
                time.sleep(120)
            yield Loan(lender=f"imported {i}", outstanding=Decimal(i))

    with Store.open(sys.argv[1]) as store:
        store.add_loans(loans())
    print("finished", flush=True)
    """
)


def snapshot(db: Path) -> list[tuple[object, ...]]:
    """Every row of every table, opened as a new reader would open it."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows: list[tuple[object, ...]] = []
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            rows.extend((table, *r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1"))
        return rows


def seeded(db: Path) -> list[tuple[object, ...]]:
    with Store.open(db) as store:
        store.add_loan(loan_from_fields({"lender": "招联金融", "outstanding": "3000", "due": "2026-12-15"}))
        store.add_loan(loan_from_fields({"lender": "某某钱包", "outstanding": "1200", "due": "2027-01-05=600"}))
    return snapshot(db)


def test_killed_inside_the_import_transaction(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    before = seeded(db)
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script), str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "half-way"
        # 2,500 rows are written inside the open transaction; other readers still see the old ledger.
        assert snapshot(db) == before
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert snapshot(db) == before
    with Store.open(db) as store:  # and it can be written again: no lock was left behind
        assert [loan.lender for loan in store.loans()] == ["招联金融", "某某钱包"]
        store.add_loan(loan_from_fields({"lender": "after", "outstanding": "1"}))
        assert len(store.loans()) == 3


def test_killed_cli_import_is_all_or_nothing(tmp_path: Path) -> None:
    """``veritext loans import`` of a large CSV, killed as soon as it starts writing pages."""
    db = tmp_path / "ledger.db"
    before = seeded(db)
    big = tmp_path / "big.csv"
    lines = ["lender,outstanding,due,note"]
    lines += [f"lender {i},{i}.50,2027-01-{1 + i % 28:02d},{'x' * 200}" for i in range(40_000)]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    wal = Path(str(db) + "-wal")
    start_size = wal.stat().st_size if wal.exists() else 0
    child = subprocess.Popen(
        [sys.executable, "-m", "veritext.cli", "loans", "import", str(big), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed_while_running = False
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and child.poll() is None:
            # Pages spill into the WAL while the import's transaction is still open.
            if wal.exists() and wal.stat().st_size > start_size + 512 * 1024:
                os.kill(child.pid, signal.SIGKILL)
                killed_while_running = True
                break
            time.sleep(0.002)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    after = snapshot(db)
    if killed_while_running:
        assert after == before
    else:  # the import beat the watcher: then it must be complete, never partial
        assert len([r for r in after if r[0] == "loans"]) == 2 + 40_000
