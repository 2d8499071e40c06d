"""Parquet files, read batch by batch (only the mapped columns)."""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from collections.abc import Iterator

from veritext.inbox.base import TabularReader
from veritext.inbox.records import InboxRecord, tr

BATCH_ROWS = 8192


class ParquetReader(TabularReader):
    """Reader for ``.parquet`` files."""

    format = "parquet"

    def __iter__(self) -> Iterator[InboxRecord]:
        import pyarrow as pa  # local: only Parquet users pay for the import
        import pyarrow.parquet as pq

        try:
            if self.path.stat().st_size == 0:
                raise self.fail(tr("文件是空的", "the file is empty"))
            pf = pq.ParquetFile(self.path)
        except OSError as exc:
            raise self.fail(tr(f"无法打开：{exc.strerror}", f"cannot open: {exc.strerror}")) from None
        except (pa.ArrowInvalid, pa.ArrowException) as exc:
            raise self.fail(
                tr(
                    f"不是有效的 Parquet 文件（已损坏或被截断？）：{exc}",
                    f"not a valid Parquet file (damaged or truncated?): {exc}",
                )
            ) from None
        names = list(pf.schema_arrow.names)
        cols = self.resolve(names)
        wanted = [c for c in (cols.text, cols.sender, cols.time, cols.id) if c]
        self.stats.units_total = pf.metadata.num_rows
        position = 0
        try:
            for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=list(dict.fromkeys(wanted))):
                for row in batch.to_pylist():
                    pos = position
                    position += 1
                    self.stats.units_done = position
                    rec = self.row_record(row, cols, position=pos, location=f"row {pos + 1}")
                    if rec is not None:
                        yield rec
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
            raise self.fail(
                tr(
                    f"读到第 {position + 1} 行时出错（文件已损坏？）：{exc}",
                    f"error reading row {position + 1} (damaged file?): {exc}",
                ),
                f"row {position + 1}",
            ) from None
