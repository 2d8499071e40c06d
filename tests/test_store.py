"""The store: where the file is, migrations from an empty and from an older database, and atomic writes."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from veritext.ledger import Instalment, Loan, loan_from_fields
from veritext.store import MissingLoan, Store, StoreError, default_path, migrations, resolve_path

LATEST = len(migrations())

# The schema as release 1 shipped it (migration 0001 only), written out by hand as an old database has it.
V1_SCHEMA = """
CREATE TABLE loans (
    id INTEGER PRIMARY KEY, lender TEXT NOT NULL, institution_id TEXT, product TEXT NOT NULL DEFAULT '',
    principal TEXT, outstanding TEXT NOT NULL, currency TEXT NOT NULL DEFAULT 'CNY',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paid', 'disputed')),
    annual_rate TEXT, penalty_rate TEXT,
    penalty_basis TEXT NOT NULL DEFAULT 'daily' CHECK (penalty_basis IN ('daily', 'annual')),
    app TEXT NOT NULL DEFAULT '', hotline TEXT NOT NULL DEFAULT '', website TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE instalments (
    loan_id INTEGER NOT NULL REFERENCES loans (id) ON DELETE CASCADE, due TEXT NOT NULL, amount TEXT,
    paid INTEGER NOT NULL DEFAULT 0 CHECK (paid IN (0, 1)), PRIMARY KEY (loan_id, due)
);
CREATE INDEX instalments_due ON instalments (due);
INSERT INTO loans (id, lender, institution_id, outstanding, penalty_rate)
    VALUES (7, '招联金融', 'cn-cfc-mucfc', '3000.00', '0.05');
INSERT INTO instalments (loan_id, due, amount) VALUES (7, '2026-12-15', NULL);
PRAGMA user_version = 1;
"""


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def a_loan(**fields: str) -> Loan:
    return loan_from_fields({"lender": "招联金融", "outstanding": "3000", "due": "2026-12-15", **fields})


# ------------------------------------------------------------------------------ where the file is


def test_the_path_comes_from_the_option_then_the_environment_then_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("VERITEXT_DB", raising=False)
    assert default_path() == tmp_path / "xdg" / "veritext" / "veritext.db"
    assert resolve_path(None) == default_path()
    monkeypatch.setenv("VERITEXT_DB", str(tmp_path / "env.db"))
    assert resolve_path(None) == tmp_path / "env.db"
    assert resolve_path(tmp_path / "given.db") == tmp_path / "given.db"


def test_the_default_file_and_its_folder_are_created_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("VERITEXT_DB", raising=False)
    with Store.open() as store:
        store.add_loan(a_loan())
    path = tmp_path / "xdg" / "veritext" / "veritext.db"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # personal financial data


# ------------------------------------------------------------------------------ migrations


def test_an_empty_database_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with Store.open(db) as store:
        assert store.schema_version == LATEST
        assert store.loans() == ()
    assert {"loans", "instalments", "user_rules"} <= tables(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_older_database_is_upgraded_and_keeps_its_loans(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(V1_SCHEMA)
    assert "user_rules" not in tables(db)
    with Store.open(db) as store:
        assert store.schema_version == LATEST
        (loan,) = store.loans()
        store.save_rules_toml("version = 1\n")
        assert store.rules_toml() == "version = 1\n"
    assert loan.id == 7 and loan.lender == "招联金融" and loan.outstanding == Decimal("3000.00")
    assert loan.schedule == (Instalment(date(2026, 12, 15)),)
    assert loan.penalty_rate == Decimal("0.05") and loan.penalty_basis == "daily"


def test_a_database_from_a_newer_veritext_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(StoreError, match="newer Veritext"):
        Store.open(db)


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("my shopping list\n" * 100)
    with pytest.raises(StoreError, match="not a Veritext database"):
        Store.open(notes)
    assert notes.read_text() == "my shopping list\n" * 100


def test_a_missing_file_is_an_error_when_not_creating(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database"):
        Store.open(tmp_path / "nope.db", create=False)
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "no-such-folder" / "x.db")


def test_migrations_are_numbered_without_gaps_and_upgrade_in_one_step() -> None:
    found = migrations()
    assert [m.version for m in found] == list(range(1, LATEST + 1))
    assert all("user_version" not in m.sql.lower() and "begin" not in m.sql.lower() for m in found)


# ------------------------------------------------------------------------------ loans


def test_loans_round_trip_with_decimal_amounts_stored_as_text(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    loan = a_loan(principal="5000.10", due="2026-12-15=1000.25;2027-01-15=1000.25=paid", penalty_rate="36%/year",
                  app="招联金融", hotline="400-000-0000", website="example.com", note="合同第3页")  # fmt: skip
    with Store.open(db) as store:
        saved = store.add_loan(loan)
        assert saved.id == 1
        assert store.loans() == (saved,)
        assert store.loan(1) == saved and store.loan(2) is None
    with sqlite3.connect(db) as conn:
        kinds = conn.execute("SELECT typeof(outstanding), typeof(principal), outstanding FROM loans").fetchone()
    assert kinds == ("text", "text", "3000")


def test_update_and_remove(tmp_path: Path) -> None:
    with Store.open(tmp_path / "l.db") as store:
        saved = store.add_loan(a_loan())
        changed = loan_from_fields({"lender": "招联金融", "outstanding": "2500", "due": "2027-01-15"}, loan_id=saved.id)
        store.update_loan(changed)
        assert store.loan(saved.id or 0) == changed
        with pytest.raises(MissingLoan, match="no loan #99"):
            store.update_loan(loan_from_fields({"lender": "x", "outstanding": "1"}, loan_id=99))
        assert store.remove_loan(saved.id or 0) is True
        assert store.remove_loan(saved.id or 0) is False
        assert store.loans() == ()


def test_a_failure_halfway_through_adding_many_loans_changes_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path / "l.db") as store:
        first = store.add_loan(a_loan())

        def loans_then_crash() -> Iterator[Loan]:
            yield a_loan(lender="A")
            yield a_loan(lender="B")
            raise RuntimeError("power cut")

        with pytest.raises(RuntimeError, match="power cut"):
            store.add_loans(loans_then_crash())
        assert store.loans() == (first,)
        store.add_loans([a_loan(lender="C")], replace=True)
        assert [loan.lender for loan in store.loans()] == ["C"]


def test_two_connections_see_only_committed_loans(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    with Store.open(db) as writer, Store.open(db) as reader:
        with writer.transaction() as conn:
            conn.execute("INSERT INTO loans (lender, outstanding) VALUES ('A', '1')")
            assert reader.loans() == ()  # not committed yet
        assert [loan.lender for loan in reader.loans()] == ["A"]
