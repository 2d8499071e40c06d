"""Labelled datasets in the shared CSV format, mapped to this project's classes and kinds."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from veritext.datafiles import load_yaml

CLASSES = ("ham", "spam", "fraud", "not_fraud")
# Keys in the labelled domain set: a part column makes orig_row unique where a source restarts it.
_PART_COLUMNS = ("subset", "orig_file")


class DatasetError(ValueError):
    """A dataset or mapping cannot be used; the message names the file and row."""


@dataclass(frozen=True, slots=True)
class LabeledMessage:
    """One message with what is known about it."""

    dataset: str
    key: str
    text: str
    lang: str
    cls: str
    kind: str | None = None
    authenticity: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetMapping:
    """How one dataset's labels map to classes, and whether the shipped model may train on it."""

    name: str
    labels: Mapping[str, str]
    ship: bool
    licence: str
    real_format: bool = False

    def classify(self, label: str) -> str | None:
        """The class for a source label (``*`` matches any other label), or ``None`` if unmapped."""
        return self.labels.get(label, self.labels.get("*"))


@cache
def known_mappings() -> Mapping[str, DatasetMapping]:
    """The mappings shipped in data/eval_mappings.yaml, by dataset name."""
    raw = load_yaml(resources.files("veritext").joinpath("data/eval_mappings.yaml").read_text("utf-8"))
    return {name: _mapping(name, body) for name, body in raw.items()}


def _mapping(name: str, body: Mapping[str, Any]) -> DatasetMapping:
    labels = {str(k): str(v) for k, v in (body.get("labels") or {}).items()}
    bad = sorted(v for v in labels.values() if v not in CLASSES)
    if bad:
        raise DatasetError(f"mapping {name}: unknown classes {bad}; use {CLASSES}")
    return DatasetMapping(
        name=name,
        labels=labels,
        ship=bool(body.get("ship", False)),
        licence=str(body.get("licence", "unknown")),
        real_format=body.get("format") == "real",
    )


def parse_label_map(spec: str, *, name: str) -> DatasetMapping:
    """A mapping given on the command line: ``"ham=ham,spam=spam,phish=fraud"``."""
    labels: dict[str, str] = {}
    for part in spec.split(","):
        src, sep, dst = part.partition("=")
        if not sep or not src.strip():
            raise DatasetError(f"--label-map: expected LABEL=CLASS pairs, got {part!r}")
        labels[src.strip()] = dst.strip()
    return _mapping(name, {"labels": labels})


def load_domain_labels(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """The labelled domain set: (dataset, key) → (kind, authenticity)."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[(row["dataset"], row["key"])] = (row["kind"], row["authenticity"])
    return out


def row_key(row: Mapping[str, str]) -> str:
    """The key the labelled domain set uses for a row: ``id``, or ``[part:]orig_row``."""
    if row.get("id"):
        return row["id"]
    for col in _PART_COLUMNS:
        if row.get(col):
            return f"{row[col]}:{row.get('orig_row', '')}"
    return row.get("orig_row", "")


def read_dataset(
    path: Path,
    *,
    mapping: DatasetMapping | None = None,
    domain_labels: Mapping[tuple[str, str], tuple[str, str]] | None = None,
) -> Iterator[LabeledMessage]:
    """Read a CSV in the shared format (or the ``real_*`` format) as labelled messages.

    The dataset name is the ``source`` column, else the file's folder. Rows whose label the
    mapping does not know raise :class:`DatasetError` with the row number: nothing is dropped silently.
    """
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise DatasetError(f"{path}: no 'text' column")
        for line_no, row in enumerate(reader, start=2):
            # real_* files use `source` for a citation URL, so the folder names those datasets.
            name = row.get("source", "")
            if name not in known_mappings():
                name = path.parent.name
            m = mapping or known_mappings().get(name)
            if m is None:
                raise DatasetError(f"{path}: dataset {name!r} has no known label mapping; pass --label-map")
            key = row_key(row)
            kind, auth = (domain_labels or {}).get((name, key), (None, None))
            if m.real_format or ("kind" in row and "authenticity" in row and "label" not in row):
                kind, auth = row["kind"], row["authenticity"]
                cls = "fraud" if auth == "fraud" else "spam" if kind in ("marketing", "loan_marketing") else "ham"
            else:
                mapped = m.classify(row.get("label", ""))
                if mapped is None:
                    raise DatasetError(f"{path}:{line_no}: label {row.get('label')!r} is not in the mapping")
                cls = _relabel(mapped, kind, auth)
            yield LabeledMessage(
                dataset=name,
                key=key,
                text=row["text"],
                lang=row.get("lang", ""),
                cls=cls,
                kind=kind,
                authenticity=auth,
            )


def _relabel(cls: str, kind: str | None, authenticity: str | None) -> str:
    """Our labelled domain set overrides a source label where it is more specific.

    india_spam_sms calls every bulk message spam, genuine OTPs and bank notices included; our set marks
    those genuine, which for the spam metric is ham. A row our set calls fraud is fraud.
    """
    if authenticity == "fraud":
        return "fraud"
    if authenticity == "genuine" and kind not in (None, "marketing", "loan_marketing"):
        return "ham"
    return cls


def dataset_files(data_dir: Path) -> list[Path]:
    """Every dataset CSV under a folder laid out like ../shared/data."""
    files = sorted(data_dir.glob("*/*.shared.csv"))
    files += sorted(p for p in data_dir.glob("real_*/messages.csv"))
    return files
