"""SMS Backup & Restore XML: emoji references, hostile XML refused, malformed XML located, memory bounded."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest
from _inbox_fixtures import MESSAGES, RECEIVED, android_xml

from veritext.inbox import InboxError, ReadOptions, open_inbox
from veritext.inbox.charrefs import CharRefFilter, rewrite


def _read(path: Path, **opts: object) -> list:
    return list(open_inbox(path, options=ReadOptions(**opts)))  # type: ignore[arg-type]


def test_reads_received_sms_and_mms_with_senders_times_and_emoji(tmp_path: Path) -> None:
    path = android_xml(tmp_path / "backup.xml")
    reader = open_inbox(path)
    records = list(reader)
    assert [r.message.text for r in records] == [m.text for m in RECEIVED]
    assert records[0].message.text.endswith("😀")  # written as &#55357;&#56832; in the file
    assert [r.message.sender for r in records] == [m.sender for m in RECEIVED]
    assert records[0].message.received_at == MESSAGES[0].when
    assert reader.stats.records == len(RECEIVED) and reader.stats.not_received == 1
    assert [r.message_id for r in records] == [r.message_id for r in open_inbox(path)]  # stable ids
    assert len({r.message_id for r in records}) == len(records)


def test_include_sent_reads_the_sent_mms_too(tmp_path: Path) -> None:
    records = _read(android_xml(tmp_path / "b.xml"), include_sent=True)
    assert records[-1].message.text == MESSAGES[-1].text
    assert records[-1].location == "<mms> #6"


def test_surrogate_pairs_in_hex_and_lone_surrogates(tmp_path: Path) -> None:
    path = tmp_path / "hex.xml"
    path.write_text(  # written for this test
        '<smses><sms address="1" type="1" body="还款 &#xD83D;&#xDE00; 成功" />'
        '<sms address="2" type="1" body="broken &#55357; half" /></smses>',
        encoding="utf-8",
    )
    assert [r.message.text for r in _read(path)] == ["还款 😀 成功", "broken \ufffd half"]


def test_the_filter_keeps_lengths_and_never_splits_a_pair_between_chunks() -> None:
    data = ("x" * 50 + "&#55357;&#56832;" + "y" * 7) * 40
    assert len(rewrite(data.encode())) == len(data.encode())
    for size in (7, 16, 61, 64, 100):
        stream = CharRefFilter(io.BytesIO(data.encode()), chunk_size=size)
        chunks = []
        while chunk := stream.read(size):
            chunks.append(chunk)
        out = b"".join(chunks)
        assert out.decode().count("&#0000000128512;") == 40


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE smses [<!ENTITY a "哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;">]>',
        '<!DOCTYPE smses [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["entity-expansion", "external-entity"],
)
@pytest.mark.parametrize("on_error", ["skip", "stop"])
def test_hostile_xml_is_refused_whatever_the_error_policy(tmp_path: Path, doctype: str, on_error: str) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(f'<?xml version="1.0"?>\n{doctype}\n<smses><sms address="1" type="1" body="&c;&secret;"/></smses>')
    with pytest.raises(InboxError) as err:
        _read(path, on_error=on_error)
    assert "refused" in str(err.value) and "拒绝" in str(err.value)


def _malformed(tmp_path: Path) -> Path:
    path = tmp_path / "bad.xml"
    path.write_text(  # written for this test; line 3 has a raw "<" inside an attribute
        "<?xml version='1.0' encoding='UTF-8'?>\n<smses>\n"
        '<sms address="1" type="1" body="first" />\n'
        '<sms address="2" type="1" body="bad <here" />\n'
        '<sms address="3" type="1" body="third" />\n'
        "</smses>\n",
        encoding="utf-8",
    )
    return path


def test_malformed_xml_stops_with_line_and_column(tmp_path: Path) -> None:
    reader = open_inbox(_malformed(tmp_path))
    got = []
    with pytest.raises(InboxError) as err:
        for rec in reader:
            got.append(rec.message.text)
    assert got == ["first"]
    assert err.value.location == "line 4, column 37"  # the "<" of "<here"
    assert "--on-error skip" in str(err.value)


def test_malformed_xml_with_skip_goes_on_and_lists_what_it_skipped(tmp_path: Path) -> None:
    seen = []
    reader = open_inbox(_malformed(tmp_path), options=ReadOptions(on_error="skip"), on_issue=seen.append)
    assert [r.message.text for r in reader] == ["first", "third"]
    assert reader.stats.skipped == 1 and len(seen) == 1
    assert seen[0].location == "line 4, column 37"
    assert "skipped line(s) 4" in seen[0].reason.en and "跳过第 4 行" in seen[0].reason.zh


def test_a_truncated_backup_keeps_everything_before_the_cut(tmp_path: Path) -> None:
    full = android_xml(tmp_path / "full.xml", mms_last=False).read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(full[: full.index(b"<sms", full.index(b"+447700900123") - 100)] + b'<sms address="9" bo')
    reader = open_inbox(cut, options=ReadOptions(on_error="skip"))
    assert [r.message.sender for r in reader] == [m.sender for m in MESSAGES[:3]]
    assert reader.stats.skipped == 1 and "malformed XML" in reader.stats.issues[0].reason.en
    with pytest.raises(InboxError, match="line"):
        _read(cut)


def test_empty_and_missing_files_get_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.xml").write_bytes(b"")
    with pytest.raises(InboxError, match="empty"):
        _read(tmp_path / "empty.xml")
    with pytest.raises(InboxError, match="cannot open"):
        _read(tmp_path / "missing.xml", format="android-xml")


def test_memory_stays_flat_on_a_long_backup(tmp_path: Path) -> None:
    path = tmp_path / "long.xml"
    with path.open("w", encoding="utf-8") as f:
        f.write("<smses>\n")
        for i in range(20_000):
            body = f"第{i}条 还款提醒 &#55357;&#56832;"  # written for this test
            f.write(f'<sms address="1380013{i % 10000:04d}" date="{1764300000000 + i}" type="1" body="{body}" />\n')
        f.write("</smses>\n")
    tracemalloc.start()
    n = sum(1 for _ in open_inbox(path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 20_000
    assert peak < 4 * 2**20, f"peak {peak / 2**20:.1f} MB for a {path.stat().st_size / 2**20:.1f} MB file"
