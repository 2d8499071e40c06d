"""The verdict schema as Spark sees it: :data:`veritext.batch.VERDICT_SCHEMA`, converted, never retyped."""
# pyarrow ships no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql.types import StructType


def verdict_struct() -> StructType:
    """The Spark ``StructType`` of a verdict row (signals and entities as arrays of structs)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    from veritext.batch import VERDICT_SCHEMA

    return from_arrow_schema(VERDICT_SCHEMA)
