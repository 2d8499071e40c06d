"""MinHash signatures as a column: :func:`veritext.campaigns.signatures` (same permutations and seed) per batch."""
# pyarrow ships no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pyarrow as pa

from veritext import campaigns as local

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

SIGNATURE_DDL = "template string, signature array<bigint>"


def _sign(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        templates = batch.column("template").to_pylist()
        sig = local.signatures(templates)  # uint32; Spark has no unsigned ints, so int64 holds them exactly
        flat = pa.array(sig.astype("int64").ravel(), pa.int64())
        offsets = pa.array(range(0, sig.size + 1, local.NUM_PERM), pa.int32())
        yield pa.RecordBatch.from_arrays(
            [pa.array(templates, pa.string()), pa.ListArray.from_arrays(offsets, flat)], names=["template", "signature"]
        )


def with_signatures(templates: DataFrame) -> DataFrame:
    """``template`` (distinct, non-null) → ``template, signature`` (``NUM_PERM`` MinHash values)."""
    return templates.select("template").mapInArrow(_sign, SIGNATURE_DDL)
