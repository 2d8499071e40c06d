"""Triage inside Spark: the batch function :func:`veritext.batch.verdict_columns` on every Arrow batch.

``verdicts(df)`` is the one-liner for a DataFrame (``mapInArrow``: Arrow batches go straight to the
batch function, nested columns keep their types). :func:`triage_pandas` is the same for
``df.mapInPandas(triage_pandas, verdict_struct())`` in a job that already works in pandas.
Rules and model load once per Python worker (on its first batch; Spark reuses workers).
"""
# pyarrow and pandas ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from veritext.batch import verdict_columns
from veritext.inbox.fields import cell_text

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

SOURCE_COL = "source"  # optional input columns: where the message came from (used for derived ids)
POSITION_COL = "position"


def _text_or_none(values: list[Any]) -> list[str | None]:
    return [cell_text(v) or None for v in values]


def as_read(batch: pa.RecordBatch, *, text: str, sender: str | None, id_col: str | None) -> pa.RecordBatch:
    """The rows ``veritext scan``'s readers would yield: blank texts dropped, empty senders and ids as null.

    (The same cell rules as :meth:`veritext.inbox.base.TabularReader.row_record`, so a Parquet file
    gives the same messages — and the same derived ids — on both engines.)
    """
    texts = batch.column(text).to_pylist()
    cells = [cell_text(t) for t in texts]
    keep = [c is not None and bool(c.strip()) for c in cells]
    if not all(keep):
        batch = batch.filter(pa.array(keep))
    for name in (sender, id_col):
        if name is not None:
            i = batch.schema.get_field_index(name)
            batch = batch.set_column(i, name, pa.array(_text_or_none(batch.column(i).to_pylist()), pa.string()))
    return batch


@dataclass(frozen=True, slots=True)
class TriageBatches:
    """``mapInArrow`` function: message batches in, verdict batches out (picklable: it ships to the workers)."""

    text_col: str = "text"
    sender_col: str | None = "sender"
    time_col: str | None = "received_at"
    id_col: str | None = "message_id"
    source_col: str | None = SOURCE_COL
    position_col: str | None = POSITION_COL
    tz: str | None = None
    reader_rules: bool = False  # drop blank texts etc. as the file readers do (spark-scan turns it on)

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if self.reader_rules:
                batch = as_read(batch, text=self.text_col, sender=self.sender_col, id_col=self.id_col)
            if batch.num_rows == 0:
                continue
            out = verdict_columns(
                batch,
                text_col=self.text_col,
                sender_col=self.sender_col,
                time_col=self.time_col,
                id_col=self.id_col,
                source_col=self.source_col,
                position_col=self.position_col,
                tz=self.tz,
            )
            assert isinstance(out, pa.RecordBatch)
            yield out


def triage_pandas(frames: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """For ``df.mapInPandas(triage_pandas, verdict_struct())``: columns ``text`` (needed), ``sender``,
    ``received_at``, ``message_id``, ``source``, ``position`` (optional) in; verdict columns out.

    Other column names: ``functools.partial(verdict_columns, text_col="body")`` per frame, or
    :func:`verdicts`, which takes the names.
    """
    for frame in frames:
        out = verdict_columns(frame)
        yield out  # a pandas DataFrame in, a pandas DataFrame out


def verdicts(
    df: DataFrame,
    *,
    text_col: str = "text",
    sender_col: str | None = "sender",
    time_col: str | None = "received_at",
    id_col: str | None = "message_id",
    tz: str | None = None,
) -> DataFrame:
    """A DataFrame of messages → a DataFrame of verdicts (the ``veritext scan`` schema), lazily.

    Columns named ``None`` or absent from ``df`` are treated as missing (ids are then derived from
    the ``source`` / ``position`` columns if present, and the content). ``tz``: the zone naive times
    are in and night checks use (IANA name; ``None`` = the worker's zone).
    """
    from veritext.spark.schema import verdict_struct

    have = set(df.columns)
    fn = TriageBatches(
        text_col=text_col,
        sender_col=sender_col if sender_col in have else None,
        time_col=time_col if time_col in have else None,
        id_col=id_col if id_col in have else None,
        source_col=SOURCE_COL if SOURCE_COL in have else None,
        position_col=POSITION_COL if POSITION_COL in have else None,
        tz=tz,
    )
    return df.mapInArrow(fn, verdict_struct())
