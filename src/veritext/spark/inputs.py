"""Messages in: a Parquet file or a (partitioned) directory, columns found as ``veritext scan`` finds them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from veritext.inbox.fields import ColumnMap, Resolved, resolve_columns
from veritext.inbox.records import InboxError, tr

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Where each row came from (private names: an input may have its own ``source`` column).
FILE_COL = "_veritext_file"
ROW_COL = "_veritext_row"


@dataclass(frozen=True, slots=True)
class Messages:
    """The input as Spark reads it, and which of its columns hold the text, sender, time and id."""

    frame: DataFrame
    columns: Resolved


def read_messages(spark: SparkSession, path: str, columns: ColumnMap | None = None) -> Messages:
    """Read Parquet at ``path`` (file, directory or glob; Hive-style partitions become columns).

    :data:`FILE_COL` and :data:`ROW_COL` are the file's name and the row's index in it — what the local
    readers use — so messages without an id column get the same ids on both engines.
    """
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    try:
        df = spark.read.parquet(path)
    except AnalysisException as exc:
        raise InboxError(
            tr(f"无法读取 Parquet 输入：{exc.getMessage()}", f"cannot read the Parquet input: {exc.getMessage()}"),
            source=path,
        ) from None
    names = list(df.columns)
    found = resolve_columns(names, columns or ColumnMap())
    if not isinstance(found, Resolved):
        have = ", ".join(names[:20]) or "—"
        if found:
            raise InboxError(
                tr(f"没有名为 {found!r} 的列（现有列：{have}）", f"no column named {found!r} (columns: {have})"),
                source=path,
            )
        raise InboxError(
            tr(
                f"找不到短信内容所在的列（现有列：{have}）；请用 --text-col 指定",
                f"cannot tell which column holds the message text (columns: {have}); name it with --text-col",
            ),
            source=path,
        )
    wanted = list(dict.fromkeys(c for c in (found.text, found.sender, found.time, found.id) if c))
    frame = df.select(
        *[F.col(f"`{c}`") for c in wanted],
        F.col("_metadata.file_name").alias(FILE_COL),
        F.col("_metadata.row_index").alias(ROW_COL),
    )
    return Messages(frame, found)
