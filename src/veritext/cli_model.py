"""``veritext train`` and ``veritext eval``: build the model and measure verdicts on labelled data."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from veritext.evaluation.datasets import (
    DatasetError,
    DatasetMapping,
    LabeledMessage,
    dataset_files,
    known_mappings,
    load_domain_labels,
    parse_label_map,
    read_dataset,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_LABELS = REPO_ROOT / "labels" / "domain_labels.csv"
ALL_DATASETS = "(all datasets)"
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "model" / "veritext-model.npz"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"veritext: error: {message}", err=True)
    return typer.Exit(1)


def _read(files: Sequence[Path], *, label_map: str | None, labels: Path | None) -> list[LabeledMessage]:
    domain = load_domain_labels(labels) if labels and labels.is_file() else {}
    out: list[LabeledMessage] = []
    for f in files:
        mapping: DatasetMapping | None = parse_label_map(label_map, name=f.stem) if label_map else None
        try:
            out.extend(read_dataset(f, mapping=mapping, domain_labels=domain))
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(f"{f}: {exc}") from None
    return out


def train_command(
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="Train on these CSV files instead of the shipped recipe.")
    ] = None,
    data_dir: Annotated[Path, typer.Option(help="Folder laid out like ../shared/data.")] = DEFAULT_DATA,
    labels: Annotated[Path, typer.Option(help="Kind labels keyed by (dataset, key).")] = DEFAULT_LABELS,
    label_map: Annotated[str | None, typer.Option(help="For --data files of unknown datasets: LABEL=CLASS,…")] = None,
    out: Annotated[Path, typer.Option(help="Where to write the model file.")] = DEFAULT_OUT,
    seed: Annotated[int, typer.Option(help="Random seed (training is reproducible for a given seed).")] = 13,
    max_features: Annotated[int, typer.Option(help="Size of the n-gram vocabulary.")] = 150_000,
) -> None:
    """Train the model. Without --data: the shipped recipe (only datasets whose licence allows it)."""
    from veritext.model.train import save_arrays, train

    try:
        if data:
            messages = _read(data, label_map=label_map, labels=labels)
            sources = [{"file": str(p.name), "licence": "user-supplied"} for p in data]
        else:
            files = [f for f in dataset_files(data_dir) if _ship(f)]
            if not files:
                raise _fail(f"no shippable datasets under {data_dir}")
            messages = _read(files, label_map=None, labels=labels)
            sources = [{"dataset": _name(f), "licence": known_mappings()[_name(f)].licence} for f in files]
    except DatasetError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"training on {len(messages):,} messages from {len(sources)} source(s), seed {seed} …", err=True)
    arrays = train(messages, seed=seed, max_features=max_features, sources=sources)
    save_arrays(arrays, out)
    typer.echo(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


def _name(f: Path) -> str:
    return f.parent.name


def _ship(f: Path) -> bool:
    m = known_mappings().get(_name(f))
    return bool(m and m.ship)


def _fmt(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def eval_command(
    datasets: Annotated[list[Path], typer.Argument(help="CSV files in the shared format (or real_* format).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    by_lang: Annotated[bool, typer.Option("--by-lang", help="Split every dataset by language.")] = False,
    label_map: Annotated[
        str | None, typer.Option(help="For unknown datasets: LABEL=CLASS,… (classes: ham spam fraud not_fraud)")
    ] = None,
    labels: Annotated[Path, typer.Option(help="Kind labels keyed by (dataset, key).")] = DEFAULT_LABELS,
    model_path: Annotated[
        Path | None, typer.Option("--model", help="Evaluate this model file instead of the shipped one.")
    ] = None,
    cv: Annotated[
        int, typer.Option(help="k-fold cross-validation inside each dataset (trains k models per dataset).")
    ] = 0,
    cross: Annotated[
        bool, typer.Option(help="Cross-dataset: for each dataset, train on all the others given.")
    ] = False,
    pool: Annotated[
        bool, typer.Option(help="With --cv: split all datasets together (one model per fold, as shipped).")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed for folds and training.")] = 13,
) -> None:
    """Measure verdicts on labelled datasets: fused, rules alone and model alone."""
    from veritext.evaluation.run import SYSTEMS, metrics, reliability, score
    from veritext.model import ModelError, default_model, load_model

    try:
        groups: dict[str, list[LabeledMessage]] = {}
        for m in _read(datasets, label_map=label_map, labels=labels):
            key = f"{m.dataset}/{m.lang}" if by_lang else m.dataset
            groups.setdefault(key, []).append(m)
    except DatasetError as exc:
        raise _fail(str(exc)) from None
    if cv or cross:
        from veritext.evaluation.crossval import cross_dataset, in_dataset, pooled

        if cross:
            scored_by, mode = cross_dataset(groups, seed=seed), "cross-dataset"
        elif pool:
            scored_by, mode = pooled(groups, k=cv, seed=seed), f"{cv}-fold pooled"
        else:
            scored_by, mode = in_dataset(groups, k=cv, seed=seed), f"{cv}-fold in-dataset"
    else:
        try:
            model = load_model(model_path) if model_path else default_model()
        except ModelError as exc:
            raise _fail(str(exc)) from None
        scored_by = {name: score(msgs, model) for name, msgs in groups.items()}
        mode = "shipped model" if not model_path else f"model {model_path}"
    report = {
        name: {"systems": {s: metrics(sc, s) for s in SYSTEMS}, "reliability": reliability(sc)}
        for name, sc in scored_by.items()
    }
    everything = [s for sc in scored_by.values() for s in sc]
    if len(scored_by) > 1:
        # One row over every message given: the pooled kind accuracy and genuine→high rate.
        report[ALL_DATASETS] = {"systems": {s: metrics(everything, s) for s in SYSTEMS}, "reliability": []}
    calibration = reliability(everything)
    if as_json:
        out = {"mode": mode, "datasets": report, "reliability_all": calibration}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    _print_table(report, mode)
    _print_reliability(calibration)


def _print_table(report: dict[str, Any], mode: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    table = Table(title=f"veritext eval — {mode}", show_lines=False)
    # fraud P/R/F1: flagged high risk. fraud→flagged: spam ≥ 0.5 or risk ≥ medium. ham→high: ordinary
    # messages flagged high risk. genuine→high: messages labelled genuine flagged high risk.
    for col in ("dataset", "system", "n", "spam P", "spam R", "spam F1", "fraud P", "fraud R", "fraud F1",
                "fraud→flagged", "ham→spam", "ham→high", "genuine→high", "kind acc (n)"):  # fmt: skip
        table.add_column(col, justify="right" if col not in ("dataset", "system") else "left")
    for name, body in report.items():
        for system, m in body["systems"].items():
            table.add_row(
                name if system == "fused" else "",
                system,
                str(m["n"]),
                _fmt(m["spam"]["precision"]),
                _fmt(m["spam"]["recall"]),
                _fmt(m["spam"]["f1"]),
                _fmt(m["fraud"]["precision"]),
                _fmt(m["fraud"]["recall"]),
                _fmt(m["fraud"]["f1"]),
                _fmt(m["fraud_flagged_recall"]),
                _fmt(m["ham_fpr_spam"]),
                _fmt(m["ham_high_risk"]),
                f"{_fmt(m['genuine_high_risk'])} ({m['genuine_n']})" if m["genuine_n"] else "—",
                f"{_fmt(m['kind_accuracy'])} ({m['kind_n']})" if m["kind_n"] else "—",
            )
    console.print(table)
    for name, body in report.items():
        conf = body["systems"]["fused"]["kind_confusion"]
        if conf:
            console.print(f"[bold]{name}[/] kind confusion (fused; rows = labelled, columns = predicted):")
            cols = sorted({p for row in conf.values() for p in row})
            t = Table(show_header=True)
            t.add_column("labelled \\ predicted")
            for c in cols:
                t.add_column(c[:12], justify="right")
            for gold, row in conf.items():
                t.add_row(gold, *(str(row.get(c, "")) for c in cols))
            console.print(t)


def _print_reliability(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="reliability of the fused fraud probability (all datasets pooled)")
    for col in ("bin", "messages", "mean predicted", "observed fraud rate"):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(str(r["bin"]), f"{int(r['n']):,}", f"{r['mean_predicted']:.3f}", f"{r['observed']:.3f}")
    Console(width=160).print(t)


def register(app: typer.Typer) -> None:
    """Add ``train`` and ``eval`` to the main command."""
    app.command("train")(train_command)
    app.command("eval")(eval_command)
