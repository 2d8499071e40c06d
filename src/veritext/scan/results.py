"""Scan results on disk: write the verdict table as Parquet, CSV or JSONL, and read any of them back.

Parquet keeps the nested columns (signals, entities, lists) as they are. CSV stores each nested
column as a JSON string in its cell; JSONL stores one JSON object per message. All three read back
into the same Arrow schema (:data:`veritext.batch.VERDICT_SCHEMA`).
"""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from veritext.batch import NESTED_COLUMNS, VERDICT_SCHEMA
from veritext.inbox.records import InboxError, tr

OUTPUT_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_READ_ROWS = 50_000


def output_format(path: Path) -> str:
    """``parquet``, ``csv`` or ``jsonl`` from the file name, or a clear error."""
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InboxError(
            tr(
                f"输出文件名须以 .parquet、.csv 或 .jsonl 结尾：{path.name}",
                f"the output name must end in .parquet, .csv or .jsonl: {path.name}",
            )
        )
    return fmt


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


class Sink(Protocol):
    """Something verdict tables are appended to, then closed."""

    def write(self, table: pa.Table) -> None: ...
    def close(self) -> None: ...


class ParquetSink:
    """Appends tables to one Parquet file (zstd, one row group per table)."""

    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(path, VERDICT_SCHEMA, compression="zstd")

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table.cast(VERDICT_SCHEMA))

    def close(self) -> None:
        self._writer.close()


class CsvSink:
    """Appends tables to a UTF-8 CSV (with BOM, so spreadsheet programs read the Chinese right)."""

    def __init__(self, path: Path) -> None:
        self._f = path.open("w", encoding="utf-8-sig", newline="")
        self._w = csv.writer(self._f)
        self._w.writerow(VERDICT_SCHEMA.names)

    def write(self, table: pa.Table) -> None:
        names = VERDICT_SCHEMA.names
        for row in table.to_pylist():
            self._w.writerow([_csv_cell(name, row[name]) for name in names])

    def close(self) -> None:
        self._f.close()


def _csv_cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name in NESTED_COLUMNS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class JsonlSink:
    """Appends tables to a JSON Lines file."""

    def __init__(self, path: Path) -> None:
        self._f = path.open("w", encoding="utf-8")

    def write(self, table: pa.Table) -> None:
        for row in table.to_pylist():
            self._f.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")

    def close(self) -> None:
        self._f.close()


def open_sink(path: Path) -> Sink:
    """A sink for ``path`` in the format its name says."""
    fmt = output_format(path)
    return ParquetSink(path) if fmt == "parquet" else CsvSink(path) if fmt == "csv" else JsonlSink(path)


def _typed(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    for row in rows:
        for f in schema:
            v = row.get(f.name)
            if v == "" or v is None:
                row[f.name] = None
            elif isinstance(v, str) and f.name in NESTED_COLUMNS:
                row[f.name] = json.loads(v)
            elif isinstance(v, str) and pa.types.is_timestamp(f.type):
                row[f.name] = datetime.fromisoformat(v)
            elif isinstance(v, str) and pa.types.is_floating(f.type):
                row[f.name] = float(v)
            elif isinstance(v, str) and pa.types.is_integer(f.type):
                row[f.name] = int(v)
    return pa.Table.from_pylist(rows, schema=schema)


def iter_results(path: Path, *, columns: Sequence[str] | None = None, rows: int = _READ_ROWS) -> Iterator[pa.Table]:
    """Stream a scan output as Arrow tables of at most ``rows`` rows (only ``columns``, if given)."""
    fmt = output_format(path)
    if not path.is_file():
        raise InboxError(tr(f"找不到文件：{path}", f"no such file: {path}"))
    wanted = list(columns) if columns else list(VERDICT_SCHEMA.names)
    missing = [c for c in wanted if c not in VERDICT_SCHEMA.names]
    if missing:
        raise KeyError(f"not verdict columns: {missing}")
    schema = pa.schema([VERDICT_SCHEMA.field(c) for c in wanted])
    if fmt == "parquet":
        try:
            pf = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InboxError(tr(f"不是有效的 Parquet 文件：{exc}", f"not a valid Parquet file: {exc}")) from None
        absent = [c for c in wanted if c not in pf.schema_arrow.names]
        if absent:
            raise InboxError(
                tr(
                    f"这不是 veritext scan 的输出（缺少列 {absent}）",
                    f"not a veritext scan output (missing columns {absent})",
                )
            )
        for batch in pf.iter_batches(batch_size=rows, columns=wanted):
            yield pa.Table.from_batches([batch]).cast(schema)
        return
    buf: list[dict[str, Any]] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        source: Iterator[dict[str, Any]] = (
            csv.DictReader(f) if fmt == "csv" else (json.loads(line) for line in f if line.strip())
        )
        for row in source:
            buf.append({c: row.get(c) for c in wanted})
            if len(buf) >= rows:
                yield _typed(buf, schema)
                buf = []
    if buf:
        yield _typed(buf, schema)


def read_results(path: Path, *, columns: Sequence[str] | None = None) -> pa.Table:
    """A whole scan output (only ``columns``, if given) as one Arrow table."""
    tables = list(iter_results(path, columns=columns))
    if not tables:
        wanted = list(columns) if columns else list(VERDICT_SCHEMA.names)
        return pa.schema([VERDICT_SCHEMA.field(c) for c in wanted]).empty_table()
    return pa.concat_tables(tables)
