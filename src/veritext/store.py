"""All of Veritext's storage: one SQLite file, versioned with forward migrations.

Where the file is: ``--db PATH`` if given, else ``$VERITEXT_DB``, else ``veritext.db`` in the user's
data directory (``$XDG_DATA_HOME/veritext`` or ``~/.local/share/veritext`` on Linux; the platform's
equivalent elsewhere, from ``platformdirs``).

Schema: ``PRAGMA user_version`` is the number of the last migration applied; the migrations are the
numbered SQL files in ``veritext/migrations/`` (see the README there to add a table). Opening a
database applies the missing ones in ONE transaction, so a crash leaves it at the old version.
Writes run in ``BEGIN IMMEDIATE`` transactions in WAL mode: a process killed in the middle of an
import leaves the database exactly as it was before the import started.

Nothing outside this module writes SQL.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs
import regex

from veritext.ledger import Instalment, Loan, with_id

__all__ = ["ENV_VAR", "Migration", "Store", "StoreError", "default_path", "migrations", "resolve_path"]

ENV_VAR = "VERITEXT_DB"
_MIGRATION_NAME = regex.compile(r"^(?P<n>\d{4})_[a-z0-9_]+\.sql$")
_LOAN_COLUMNS = (
    "id, lender, institution_id, product, principal, outstanding, currency, status, annual_rate, "
    "penalty_rate, penalty_basis, app, hotline, website, note"
)


class StoreError(Exception):
    """The database cannot be opened or written; the message says why and what to do."""


class MissingLoan(StoreError):
    """The loan to change is not in the store (it may have been deleted since it was looked up)."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file from ``veritext/migrations``."""

    version: int
    name: str
    sql: str


def default_path() -> Path:
    """``veritext.db`` in the user's data directory (not created here)."""
    return platformdirs.user_data_path("veritext", appauthor=False) / "veritext.db"


def resolve_path(db: str | os.PathLike[str] | None = None) -> Path:
    """The database to use: ``db`` if given, else ``$VERITEXT_DB``, else :func:`default_path`."""
    if db:
        return Path(db).expanduser()
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else default_path()


def migrations() -> tuple[Migration, ...]:
    """Every migration shipped with the package, in order; numbers must run 1, 2, 3 … without gaps."""
    folder = resources.files("veritext").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group("n")), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    if not found:
        raise StoreError("veritext/migrations: no migration files found (were the .sql files packaged?)")
    if [mig.version for mig in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"veritext/migrations: numbering has gaps or repeats: {[m.name for m in found]}")
    return tuple(found)


def _statements(sql: str) -> Iterator[str]:
    """Split a script into statements (``executescript`` would commit the open transaction)."""
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""
    if buffer.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()):
        raise StoreError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:80]!r}")


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


class Store:
    """An open Veritext database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
        """Open (and, with ``create``, make) the database at ``path`` (see :func:`resolve_path`) and migrate it.

        :class:`StoreError` if the file is not a Veritext database, was made by a newer Veritext, or
        ``create`` is false and there is no file.
        """
        target = resolve_path(path)
        if not target.exists():
            if not create:
                raise StoreError(f"no database at {target} (add a loan first: veritext loans add --db {target} …)")
            if path is None and not os.environ.get(ENV_VAR):
                target.parent.mkdir(parents=True, exist_ok=True)
            if not target.parent.is_dir():
                raise StoreError(f"cannot create {target}: folder {target.parent} does not exist")
            # The ledger is personal financial data: readable by its owner only.
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            conn = sqlite3.connect(target, isolation_level=None, timeout=15.0)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {target}: {exc}") from None
        store = cls(target, conn)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 15000")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None:
                raise StoreError(f"{target}: could not switch to WAL mode")
            store._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{target} is not a Veritext database ({exc})") from None
        except StoreError:
            conn.close()
            raise
        return store

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The last migration applied (``PRAGMA user_version``)."""
        row = self._conn.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _migrate(self) -> None:
        known = migrations()
        latest = len(known)
        if self.schema_version > latest:
            raise StoreError(
                f"{self.path} has schema version {self.schema_version}, made by a newer Veritext "
                f"(this one knows up to {latest}); upgrade Veritext to use it"
            )
        if self.schema_version == latest:
            return
        with self.transaction():
            # Read the version again inside the write lock: another process may have migrated meanwhile.
            for mig in known[self.schema_version :]:
                for statement in _statements(mig.sql):
                    self._conn.execute(statement)
                # PRAGMA takes no parameters; the value is an int from a file name we validated.
                self._conn.execute(f"PRAGMA user_version = {mig.version:d}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any exception (including KeyboardInterrupt)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path} is busy or read-only ({exc}); try again") from None
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"{self.path}: {exc}; nothing was changed") from None
            raise

    # ------------------------------------------------------------------ loans

    def loans(self) -> tuple[Loan, ...]:
        """Every loan, by id."""
        rows = self._conn.execute(f"SELECT {_LOAN_COLUMNS} FROM loans ORDER BY id").fetchall()
        schedules = self._schedules()
        return tuple(self._loan(row, schedules.get(int(row[0]), ())) for row in rows)

    def loan(self, loan_id: int) -> Loan | None:
        """The loan with this id, or ``None``."""
        row = self._conn.execute(f"SELECT {_LOAN_COLUMNS} FROM loans WHERE id = ?", (loan_id,)).fetchone()
        if row is None:
            return None
        return self._loan(row, self._schedules(loan_id).get(loan_id, ()))

    def add_loan(self, loan: Loan) -> Loan:
        """Store a new loan (its ``id`` is ignored) and return it with the id it got."""
        return self.add_loans([loan])[0]

    def add_loans(self, loans: Iterable[Loan], *, replace: bool = False) -> tuple[Loan, ...]:
        """Store many loans in ONE transaction: all of them or, on any error or kill, none.

        With ``replace`` the existing loans are deleted first, in the same transaction.
        """
        added: list[Loan] = []
        with self.transaction() as conn:
            if replace:
                conn.execute("DELETE FROM loans")
            for loan in loans:
                cur = conn.execute(
                    "INSERT INTO loans (lender, institution_id, product, principal, outstanding, currency, "
                    "status, annual_rate, penalty_rate, penalty_basis, app, hotline, website, note) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    self._values(loan),
                )
                loan_id = int(cur.lastrowid or 0)
                self._write_schedule(conn, loan_id, loan.schedule)
                added.append(with_id(loan, loan_id))
        return tuple(added)

    def update_loan(self, loan: Loan) -> Loan:
        """Replace the stored loan that has ``loan.id``; :class:`MissingLoan` if there is none."""
        if loan.id is None:
            raise StoreError("update_loan needs a loan with an id")
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE loans SET lender = ?, institution_id = ?, product = ?, principal = ?, outstanding = ?, "
                "currency = ?, status = ?, annual_rate = ?, penalty_rate = ?, penalty_basis = ?, app = ?, "
                "hotline = ?, website = ?, note = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                "WHERE id = ?",
                (*self._values(loan), loan.id),
            )
            if cur.rowcount == 0:
                raise MissingLoan(f"no loan #{loan.id}")
            conn.execute("DELETE FROM instalments WHERE loan_id = ?", (loan.id,))
            self._write_schedule(conn, loan.id, loan.schedule)
        return loan

    def remove_loan(self, loan_id: int) -> bool:
        """Delete a loan (and its schedule); ``False`` if there was none."""
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM loans WHERE id = ?", (loan_id,))
        return cur.rowcount > 0

    @staticmethod
    def _values(loan: Loan) -> tuple[Any, ...]:
        return (
            loan.lender,
            loan.institution_id,
            loan.product,
            _text(loan.principal),
            _text(loan.outstanding),
            loan.currency,
            loan.status,
            _text(loan.annual_rate),
            _text(loan.penalty_rate),
            loan.penalty_basis,
            loan.app,
            loan.hotline,
            loan.website,
            loan.note,
        )

    @staticmethod
    def _write_schedule(conn: sqlite3.Connection, loan_id: int, schedule: tuple[Instalment, ...]) -> None:
        conn.executemany(
            "INSERT INTO instalments (loan_id, due, amount, paid) VALUES (?, ?, ?, ?)",
            [(loan_id, i.due.isoformat(), _text(i.amount), int(i.paid)) for i in schedule],
        )

    def _schedules(self, loan_id: int | None = None) -> dict[int, tuple[Instalment, ...]]:
        sql = "SELECT loan_id, due, amount, paid FROM instalments"
        params: tuple[Any, ...] = ()
        if loan_id is not None:
            sql += " WHERE loan_id = ?"
            params = (loan_id,)
        out: dict[int, list[Instalment]] = {}
        for lid, due, amount, paid in self._conn.execute(sql + " ORDER BY loan_id, due", params):
            out.setdefault(int(lid), []).append(
                Instalment(due=date.fromisoformat(due), amount=_dec(amount), paid=bool(paid))
            )
        return {k: tuple(v) for k, v in out.items()}

    @staticmethod
    def _loan(row: tuple[Any, ...], schedule: tuple[Instalment, ...]) -> Loan:
        (lid, lender, inst, product, principal, outstanding, currency, status, annual, penalty, basis,
         app, hotline, website, note) = row  # fmt: skip
        return Loan(
            id=int(lid),
            lender=lender,
            institution_id=inst,
            product=product,
            principal=_dec(principal),
            outstanding=Decimal(outstanding),
            currency=currency,
            schedule=schedule,
            status=status,
            annual_rate=_dec(annual),
            penalty_rate=_dec(penalty),
            penalty_basis=basis,
            app=app,
            hotline=hotline,
            website=website,
            note=note,
        )

    # ------------------------------------------------------------------ user rules

    def rules_toml(self) -> str | None:
        """The saved user-rules document (TOML), or ``None`` when there is none."""
        row = self._conn.execute("SELECT toml FROM user_rules WHERE id = 1").fetchone()
        return None if row is None else str(row[0])

    def save_rules_toml(self, text: str | None) -> None:
        """Replace the saved user-rules document (``None`` deletes it). Validate it before calling this."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM user_rules")
            if text is not None:
                conn.execute("INSERT INTO user_rules (id, toml) VALUES (1, ?)", (text,))
