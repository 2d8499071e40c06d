"""The evidence bundle: printable HTML, a PDF with the Chinese font embedded, and a JSON file.

The JSON holds each message with its time, sender and the SHA-256 of its ORIGINAL text, plus the
findings; ``SHA256SUMS`` fingerprints the three files. Redaction is on by default: the printed and
stored texts hide personal data, while the hashes are still those of the originals, so the person
(who keeps the originals on the phone) can show that nothing was altered.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import veritext
from veritext.decide import kind_name
from veritext.report.pdf import html_to_pdf
from veritext.report.redact import Redaction
from veritext.report.results import ConductReport
from veritext.report.templating import render_html
from veritext.report.views import finding_view, layout, message_view, redact_all, trusted_css, ui_both

__all__ = ["BundleFiles", "evidence_html", "evidence_json", "write_bundle"]

SCHEMA = "veritext.evidence/1"


@dataclass(frozen=True, slots=True)
class BundleFiles:
    """Where a bundle was written."""

    json: Path
    html: Path
    pdf: Path | None
    sums: Path


def _generator() -> str:
    return f"veritext {veritext.__version__}"


def _now() -> datetime:
    return datetime.now(tz=UTC).replace(microsecond=0)


def evidence_json(
    report: ConductReport, *, redaction: Redaction | None = None, generated_at: datetime | None = None
) -> dict[str, Any]:
    """The bundle as a JSON-able dict (schema ``veritext.evidence/1``)."""
    redaction = redaction or Redaction()
    redacted = redact_all(report.messages, redaction)
    by_message: dict[int, list[str]] = {}
    for f in report.findings:
        for h in f.hits:
            by_message.setdefault(h.index, []).append(f.id)
    messages = []
    for m, v in zip(report.messages, report.verdicts, strict=True):
        view = message_view(m, redaction, redacted[m.index])
        messages.append(
            {
                "index": m.index,
                "received_at": view["iso_time"],
                "sender": m.sender,
                "text": view["text"],
                "text_is_original": not redaction.enabled or not view["redactions"],
                "redactions": view["redactions"],
                "sha256": m.sha256,
                "source": m.source,
                "kind": v.kind,
                "risk": v.risk,
                "fraud_probability": v.fraud_probability,
                "signals": [s.id for s in v.signals if s.group != "kind"],
                "findings": by_message.get(m.index, []),
            }
        )
    return {
        "schema": SCHEMA,
        "generator": _generator(),
        "generated_at": (generated_at or _now()).isoformat(),
        "jurisdiction": report.jurisdiction,
        "redacted": redaction.enabled,
        "hash": "sha256 of the UTF-8 bytes of each ORIGINAL message text",
        "messages": messages,
        "findings": [f.to_dict() for f in report.findings],
        "notes": [n.to_dict() for n in report.notes],
    }


def evidence_html(
    report: ConductReport, *, redaction: Redaction | None = None, generated_at: datetime | None = None
) -> str:
    """The bundle as one printable, self-contained HTML page (both languages; every value escaped)."""
    redaction = redaction or Redaction()
    redacted = redact_all(report.messages, redaction)
    titles: dict[int, list[str]] = {}
    for f in report.findings:
        for h in f.hits:
            titles.setdefault(h.index, []).append(f"{f.title.zh} / {f.title.en}")
    words = ui_both()
    findings = []
    for f in report.findings:
        zh, en = finding_view(f, "zh", redacted), finding_view(f, "en", redacted)
        findings.append(
            {
                "basis_key": f.basis,
                "title": f.title.to_dict(),
                "basis": {"zh": zh["basis"], "en": en["basis"]},
                "summary": f.summary.to_dict(),
                "hits": [{"zh": a, "en": b} for a, b in zip(zh["hits"], en["hits"], strict=True)],
                "rules": [r.to_dict() for r in f.rules],
                "advice": f.advice.to_dict() if f.advice else None,
                "note": f.note.to_dict() if f.note else None,
            }
        )
    messages = []
    for m, v in zip(report.messages, report.verdicts, strict=True):
        view = message_view(m, redaction, redacted[m.index])
        view["kind"] = kind_name(v.kind).to_dict()
        view["risk"] = f"{words['risk_' + v.risk]['zh']} / {v.risk}"
        view["findings"] = titles.get(m.index, [])
        messages.append(view)
    bundle = {
        "generated_at": (generated_at or _now()).isoformat(),
        "generator": _generator(),
        "jurisdiction": report.jurisdiction,
        "total": len(report.messages),
        "collection": len(report.collection),
        "privacy": words["redacted"] if redaction.enabled else words["originals"],
        "findings": findings,
        "notes": [n.to_dict() for n in report.notes],
        "messages": messages,
    }
    return render_html(layout()["evidence_html"], b=bundle, ui=words, css=trusted_css())


def _write(path: Path, data: bytes) -> None:
    # Write beside, then rename: a killed process never leaves a half-written evidence file.
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_bundle(
    report: ConductReport,
    out_dir: str | Path,
    *,
    redaction: Redaction | None = None,
    pdf: bool = True,
    generated_at: datetime | None = None,
) -> BundleFiles:
    """Write ``evidence.json``, ``evidence.html``, ``evidence.pdf`` (unless ``pdf=False``) and ``SHA256SUMS``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    when = generated_at or _now()
    json_bytes = (
        json.dumps(evidence_json(report, redaction=redaction, generated_at=when), ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")
    html = evidence_html(report, redaction=redaction, generated_at=when)
    files: dict[str, bytes] = {"evidence.json": json_bytes, "evidence.html": html.encode("utf-8")}
    if pdf:
        files["evidence.pdf"] = html_to_pdf(html)
    for name, data in files.items():
        _write(out / name, data)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items())
    _write(out / "SHA256SUMS", sums.encode("utf-8"))
    return BundleFiles(
        json=out / "evidence.json",
        html=out / "evidence.html",
        pdf=out / "evidence.pdf" if pdf else None,
        sums=out / "SHA256SUMS",
    )
