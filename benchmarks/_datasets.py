"""Shared by the benchmark scripts: load the SMS datasets, fingerprint the code under test (no veritext import here)."""

from __future__ import annotations

import csv
import hashlib
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = (BENCH_DIR.parent.parent / "shared" / "data").resolve()
REAL_DIRS = ("real_fixture_sms_dev", "real_loan_sms_dev", "real_zh_fraud_sms_dev")


def _is_spam_default(label: str) -> int:
    """ham / 0 = 0, anything else = 1 (uci, mendeley, india, zh_80w, zh_telecom)."""
    return 0 if label.strip() in {"ham", "0"} else 1


# Baseline labels: ham=0 / anything else=1, per the source's own label strings.
_LABEL_MAPS: dict[str, Callable[[str], int]] = {
    "uci_sms_spam_collection": lambda s: 1 if s == "spam" else 0,
    "mendeley_sms_phishing_5971": lambda s: 1 if s in {"spam", "Spam", "Smishing", "smishing"} else 0,
    "india_spam_sms": lambda s: 1 if s == "spam" else 0,
    "spamhunter_labelled": lambda s: 1,
    "zh_spam_message_80w_sample": lambda s: 1 if s == "1" else 0,
    "zh_telecom_fraud_texts_5": lambda s: 0 if s == "0" else 1,
}


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    texts: list[str]
    labels: list[int] | None  # None for the real_* folders (their taxonomy is not ham/spam)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_datasets(data_dir: Path, limit: int | None = None) -> list[Dataset]:
    """Every ``*.shared.csv`` under ``data_dir`` plus the three ``real_*/messages.csv``, capped at ``limit`` each."""
    out: list[Dataset] = []
    for path in sorted(data_dir.glob("*/*.shared.csv")):
        name = path.parent.name
        rows = _read_csv(path)[:limit]
        to_label = _LABEL_MAPS.get(name, _is_spam_default)
        out.append(Dataset(name, [r["text"] for r in rows], [to_label(r["label"]) for r in rows]))
    for name in REAL_DIRS:
        path = data_dir / name / "messages.csv"
        if path.is_file():
            rows = _read_csv(path)[:limit]
            out.append(Dataset(name, [r["text"] for r in rows], None))
    if not out:
        raise SystemExit(f"no datasets found under {data_dir}")
    return out


def source_state(repo: Path = BENCH_DIR.parent) -> dict[str, str | None]:
    """Which code was measured: git HEAD, whether the tree is dirty, and a hash of everything under src/.

    Others edit src/ while benchmarks run, so the commit alone does not pin down the code.
    """
    h = hashlib.sha256()
    for path in sorted((repo / "src").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(repo)).encode())
            h.update(path.read_bytes())

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    status = git("status", "--porcelain", "--", "src")
    return {
        "git_head": git("rev-parse", "--short", "HEAD"),
        "src_dirty": None if status is None else str(bool(status)).lower(),
        "src_sha256": h.hexdigest()[:12],
    }
