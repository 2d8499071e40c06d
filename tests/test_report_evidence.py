"""The evidence bundle, as an example: a harassment sequence becomes HTML, PDF and JSON whose
hashes prove the originals were not altered; hostile text cannot break the HTML or the PDF."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from veritext.report import (
    EvidenceMessage,
    Redaction,
    channels,
    check_conduct,
    drafts,
    drafts_html,
    evidence_html,
    html_to_pdf,
    sha256_text,
    write_bundle,
)
from veritext.report.pdf import cjk_font_available

# Written for this test: a collector's messages, one carrying hostile markup and template syntax.
SEQUENCE = [
    ("【安心借】尊敬的王小明先生，您的借款3200元已逾期5天，请登录App还款。", "1069012345", "2026-11-25T10:02"),
    ("王小明你已逾期6天，今天不还就联系你的紧急联系人和单位同事。", "17187654321", "2026-11-26T08:15"),
    ("还不还？今晚我们的人就上门，别让你家人难堪。", "17187654321", "2026-11-26T23:48"),
    (
        "逾期通知 <script>alert(1)</script></title><img src=x onerror=alert(1)> {{7*7}} {% raw %} "
        "身份证110101199003077777",
        "17187654321",
        "2026-11-27T06:30",
    ),
]


def _report():  # type: ignore[no-untyped-def]
    msgs = [EvidenceMessage(n, t, s, datetime.fromisoformat(w)) for n, (t, s, w) in enumerate(SEQUENCE, 1)]
    return check_conduct(msgs, jurisdiction="CN")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _needs_pdf() -> None:
    pytest.importorskip("weasyprint", reason="PDF output needs weasyprint")
    if not cjk_font_available():
        pytest.skip("the Chinese font is not installed (Debian: fonts-wqy-microhei)")


def test_the_json_keeps_time_sender_and_the_hash_of_each_original(tmp_path: Path) -> None:
    report = _report()
    files = write_bundle(report, tmp_path / "bundle", pdf=False, generated_at=datetime(2026, 11, 28, 9, 0))
    data = json.loads(files.json.read_text("utf-8"))
    assert data["schema"] == "veritext.evidence/1" and data["redacted"] is True
    for row, (text, sender, when) in zip(data["messages"], SEQUENCE, strict=True):
        assert row["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert (row["sender"], row["received_at"]) == (sender, when + ":00")
    assert "王小明" not in json.dumps(data, ensure_ascii=False)  # redacted by default …
    assert data["messages"][3]["redactions"] == ["id_number"] and not data["messages"][3]["text_is_original"]
    assert {f["id"] for f in data["findings"]} >= {"night_contact", "threats", "third_party_disclosure"}
    sums = dict(line.split("  ")[::-1] for line in files.sums.read_text().splitlines())
    assert sums["evidence.json"] == hashlib.sha256(files.json.read_bytes()).hexdigest()


def test_originals_are_included_only_on_request(tmp_path: Path) -> None:
    files = write_bundle(_report(), tmp_path, redaction=Redaction.off(), pdf=False)
    data = json.loads(files.json.read_text("utf-8"))
    assert [m["text"] for m in data["messages"]] == [t for t, _, _ in SEQUENCE]
    assert data["redacted"] is False


def test_hostile_message_text_is_escaped_in_the_html() -> None:
    html = evidence_html(_report())
    assert "<script" not in html and "<img" not in html
    assert html.count("</title>") == 1 and html.count("</style>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "{{7*7}}" in html and "{% raw %}" in html


def test_the_pdf_renders_with_the_chinese_font_and_holds_messages_and_hashes(tmp_path: Path) -> None:
    _needs_pdf()
    pypdf = pytest.importorskip("pypdf")
    report = _report()
    files = write_bundle(report, tmp_path)
    assert files.pdf is not None
    reader = pypdf.PdfReader(str(files.pdf))
    text = _squash("".join(page.extract_text() for page in reader.pages))
    for m in report.messages:
        assert m.sha256 in text
    assert _squash("还不还？今晚我们的人就上门，别让你家人难堪。") in text
    assert _squash("<script>alert(1)</script></title><imgsrc=xonerror=alert(1)>{{7*7}}{%raw%}") in text
    assert "王小明" not in text and "110101199003077777" not in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("WenQuanYi" in f for f in fonts), fonts  # the Chinese font is embedded (subset)
    assert sha256_text(SEQUENCE[0][0]) in text


def test_every_draft_renders_to_pdf_with_hostile_text() -> None:
    _needs_pdf()
    import veritext

    hostile = SEQUENCE[3][0]
    all_drafts = []
    for j in ("CN", "US", "UK"):
        v = veritext.triage(hostile, sender="17187654321", context=veritext.Context(jurisdiction=j))
        all_drafts += drafts(v, only=[s.id for s in channels(j)])
    pdf = html_to_pdf(drafts_html(all_drafts))
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
