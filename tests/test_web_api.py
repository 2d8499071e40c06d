"""The web app in-process (FastAPI TestClient): the REST API, the pages' forms, and the security guard.

Every message here was written for these tests.
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

with warnings.catch_warnings():  # Starlette asks for httpx2 instead of httpx; httpx is what schemathesis uses
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from typer.testing import CliRunner

import veritext
import veritext.cli
from veritext.store import Store, migrations
from veritext.web import WebConfig, create_app, pages
from veritext.web.config import MAX_BATCH, MAX_TEXT_CHARS, is_loopback
from veritext.web.highlight import reveal, segments
from veritext.web.i18n import UI, choose_lang
from veritext.web.schemas import BatchOut, HistoryListOut, HistoryRecordOut, LoanOut, VerdictOut

BASE = "http://127.0.0.1:8321"
HTML = {"accept": "text/html"}
ZH_SCAM = "【某某消费金融】您的借款已逾期3天，请点击 http://xx-repay.top 处理，否则将上报征信并起诉"
EN_SCAM = "URGENT: your loan payment is 30 days past due. Avoid legal action, pay now at bit.ly/xyz"
ZL_WRONG = "【招联金融】您的借款已逾期3天，逾期金额8000元，请点击 http://zl-pay.top 还款。"


def make_client(tmp_path: Path, **config: Any) -> TestClient:
    app = create_app(WebConfig(db_path=tmp_path / "web.db", **config))
    return TestClient(app, base_url=BASE, raise_server_exceptions=False)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path) as c:
        yield c


def csrf(client: TestClient, path: str = "/") -> str:
    page = client.get(path, headers=HTML)
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "every page with a form carries the CSRF token"
    return found.group(1)


def is_problem(r: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["detail_i18n"]["zh"] and body["detail_i18n"]["en"]
    if slug:
        assert body["type"] == f"urn:veritext:problem:{slug}"
    return body


# ---------------------------------------------------------------------- triage


def test_triage_returns_exactly_the_verdict_json_of_veritext_check(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/api/v1/triage", json={"text": ZH_SCAM, "sender": "17187654321"})
    assert r.status_code == 200
    got = r.json()
    VerdictOut.model_validate(got)  # the documented schema matches the real output, field for field
    cli = CliRunner().invoke(
        veritext.cli.app, ["check", ZH_SCAM, "--sender", "17187654321", "--json", "--db", str(tmp_path / "web.db")]
    )
    assert json.loads(cli.stdout) == got
    assert got["risk"] == "high" and got["kind"] == "overdue_collection"
    spans = [s for sig in got["signals"] for s in sig["spans"]]
    assert any(s["text"] == "http://xx-repay.top" for s in spans)
    assert all(ZH_SCAM[s["start"] : s["end"]] == s["text"] for s in spans)


def test_context_answers_reach_the_pipeline(client: TestClient) -> None:
    text = "【某银行】您的验证码为482913，请勿泄露"
    asked = client.post("/api/v1/triage", json={"text": text, "context": {"requested_code": "yes"}}).json()
    not_asked = client.post("/api/v1/triage", json={"text": text, "context": {"requested_code": "no"}}).json()
    assert asked["context"]["requested_code"] == "yes" and not_asked["context"]["requested_code"] == "no"
    expected = veritext.triage(text, context=veritext.Context(requested_code="no")).to_dict()
    assert not_asked == expected
    j = client.post("/api/v1/triage", json={"text": EN_SCAM, "context": {"jurisdiction": "UK"}}).json()
    assert j["jurisdiction"] == "UK"


def test_the_ledger_is_used_unless_switched_off(client: TestClient) -> None:
    overdue = (date.today() - timedelta(days=3)).isoformat()
    made = client.post("/api/v1/loans", json={"lender": "招联金融", "outstanding": "3000", "due": [overdue]})
    assert made.status_code == 201
    with_ledger = client.post("/api/v1/triage", json={"text": ZL_WRONG, "sender": "95786"}).json()
    ids = {s["id"] for s in with_ledger["signals"]}
    assert "VERIFY_MISMATCH_AMOUNT" in ids and with_ledger["context"]["loans"] == 1
    without = client.post(
        "/api/v1/triage", json={"text": ZL_WRONG, "sender": "95786", "context": {"use_ledger": False}}
    ).json()
    assert not any(s["id"].startswith("VERIFY_") for s in without["signals"])
    assert without["context"]["loans"] == 0


def test_batch_is_in_order_and_bounded(client: TestClient) -> None:
    msgs = [{"text": ZH_SCAM}, {"text": EN_SCAM}, {"text": "妈，我晚上七点到家", "sender": "+8613800138000"}]
    r = client.post("/api/v1/triage/batch", json={"messages": msgs})
    assert r.status_code == 200
    BatchOut.model_validate(r.json())
    assert [v["text"] for v in r.json()["verdicts"]] == [m["text"] for m in msgs]
    too_many = client.post("/api/v1/triage/batch", json={"messages": [{"text": "hi"}] * (MAX_BATCH + 1)})
    body = is_problem(too_many, 422, "validation-error")
    assert body["errors"][0]["loc"][:2] == ["body", "messages"]
    is_problem(client.post("/api/v1/triage/batch", json={"messages": []}), 422)


# ---------------------------------------------------------------------- bad requests


def test_bad_requests_get_clear_problem_documents(client: TestClient) -> None:
    bad_json = client.post("/api/v1/triage", content=b'{"text": ', headers={"content-type": "application/json"})
    is_problem(bad_json, 400, "malformed-json")
    form = client.post(
        "/api/v1/triage", content=b"text=hi", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    is_problem(form, 415, "unsupported-media-type")
    unknown = client.post("/api/v1/triage", json={"text": "hi", "txet": "typo"})
    assert "txet" in json.dumps(is_problem(unknown, 422, "validation-error")["errors"])
    long = client.post("/api/v1/triage", json={"text": "x" * (MAX_TEXT_CHARS + 1)})
    assert "10000" in is_problem(long, 422)["detail"]
    wrong_type = client.post("/api/v1/triage", json={"text": ["not", "a", "string"]})
    is_problem(wrong_type, 422)
    bad_answer = client.post("/api/v1/triage", json={"text": "hi", "context": {"has_loan": "maybe"}})
    is_problem(bad_answer, 422)
    zh = client.post(
        "/api/v1/triage", content=b"{", headers={"content-type": "application/json", "accept-language": "zh-CN"}
    )
    assert is_problem(zh, 400)["detail"] == "请求体不是有效的 JSON。"
    # a problem never echoes what was sent (it may be hostile, or not even encodable)
    hostile = client.post("/api/v1/triage", json={"text": "<script>x</script>", "sender": 12})
    assert "<script>" not in hostile.text
    lone = client.post(
        "/api/v1/triage",
        content=b'{"text": "\\ud800 overdue", "sender": "\\udfff"}',
        headers={"content-type": "application/json"},
    )
    assert {e["type"] for e in is_problem(lone, 422)["errors"]} == {"string_unicode"}  # lone surrogates: refused


def test_bodies_over_the_limit_are_refused_by_length_and_while_streaming(tmp_path: Path) -> None:
    with make_client(tmp_path, max_body_bytes=4096) as c:
        declared = c.post("/api/v1/triage", content=b"x" * 5000, headers={"content-type": "application/json"})
        is_problem(declared, 413, "payload-too-large")

        def chunks() -> Iterator[bytes]:
            yield b'{"text": "'
            for _ in range(10):
                yield b"a" * 1000
            yield b'"}'

        streamed = c.post("/api/v1/triage", content=chunks(), headers={"content-type": "application/json"})
        is_problem(streamed, 413, "payload-too-large")
        page = c.post(
            "/check",
            content=b"text=" + b"a" * 5000,
            headers={**HTML, "content-type": "application/x-www-form-urlencoded"},
        )
        assert page.status_code == 413 and "text/html" in page.headers["content-type"]


# ---------------------------------------------------------------------- loans


def test_loans_crud(client: TestClient) -> None:
    assert client.get("/api/v1/loans").json() == []
    made = client.post(
        "/api/v1/loans",
        json={
            "lender": "招联金融",
            "outstanding": 3000,
            "due": ["2026-12-15=1000", "2027-01-15"],
            "annual_rate": "18%",
        },
    )
    assert made.status_code == 201
    loan = LoanOut.model_validate(made.json())
    assert loan.id and loan.institution_id == "cn-cfc-mucfc" and loan.annual_rate == "18"
    assert client.get(f"/api/v1/loans/{loan.id}").json() == made.json()
    changed = client.put(f"/api/v1/loans/{loan.id}", json={"lender": "招联金融", "outstanding": "600"})
    assert changed.status_code == 200 and changed.json()["outstanding"] == "600"
    assert changed.json()["schedule"] == []
    bad = client.put(f"/api/v1/loans/{loan.id}", json={"lender": "招联金融", "outstanding": "3千"})
    assert "outstanding" in is_problem(bad, 422, "validation-error")["detail"]  # the schema's pattern
    not_a_day = client.put(
        f"/api/v1/loans/{loan.id}", json={"lender": "招联金融", "outstanding": "1", "due": ["2026-02-30"]}
    )
    assert "not a real calendar date" in is_problem(not_a_day, 422, "invalid-loan")["detail"]  # the ledger's check
    cents = client.post("/api/v1/loans", json={"lender": "招联金融", "outstanding": "1.005", "currency": "JPY"})
    assert "decimal" in is_problem(cents, 422, "invalid-loan")["detail"]
    is_problem(client.get("/api/v1/loans/999"), 404, "not-found")
    is_problem(client.put("/api/v1/loans/999", json={"lender": "x", "outstanding": "1"}), 404)
    is_problem(client.get("/api/v1/loans/0"), 422)
    is_problem(client.get(f"/api/v1/loans/{2**70}"), 422)
    assert client.delete(f"/api/v1/loans/{loan.id}").status_code == 204
    is_problem(client.delete(f"/api/v1/loans/{loan.id}"), 404)


def test_a_loan_deleted_while_it_is_being_updated_is_not_found_not_a_server_error(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = client.post("/api/v1/loans", json={"lender": "招联金融", "outstanding": 3000}).json()
    looked_up = Store.loan

    def look_up_then_lose_the_race(self: Store, loan_id: int) -> Any:
        found = looked_up(self, loan_id)
        self.remove_loan(loan_id)  # another request deletes it right after this look-up
        return found

    monkeypatch.setattr(Store, "loan", look_up_then_lose_the_race)
    raced = client.put(f"/api/v1/loans/{made['id']}", json={"lender": "招联金融", "outstanding": "600"})
    is_problem(raced, 404, "not-found")


def test_loan_import_is_all_or_nothing_and_due_dates_list(client: TestClient) -> None:
    soon = (date.today() + timedelta(days=5)).isoformat()
    late = (date.today() - timedelta(days=2)).isoformat()
    good = f"lender,outstanding,due\n招联金融,3000,{soon}\n马上消费金融,1200.50,{late}\n"
    r = client.post("/api/v1/loans/import", json={"csv": good})
    assert r.status_code == 201 and r.json()["imported"] == 2
    bad = "lender,outstanding,due\n招联金融,3000,2026-12-15\n,abc,2026-13-01\n"
    body = is_problem(client.post("/api/v1/loans/import", json={"csv": bad}), 422, "invalid-csv")
    assert body["errors"][0]["loc"][-1] == "row 3"
    assert len(client.get("/api/v1/loans").json()) == 2  # nothing of the bad file was saved
    due = client.get("/api/v1/loans/due", params={"within_days": 7}).json()
    assert [(d["lender"], d["days_until"]) for d in due] == [("马上消费金融", -2), ("招联金融", 5)]
    replaced = client.post("/api/v1/loans/import", json={"csv": "lender,outstanding\nA Lender,10\n", "replace": True})
    assert replaced.status_code == 201 and len(client.get("/api/v1/loans").json()) == 1


# ---------------------------------------------------------------------- history


def test_history_saves_lists_and_deletes(tmp_path: Path) -> None:
    with make_client(tmp_path, history_limit=3) as c:
        assert c.post("/api/v1/triage", json={"text": "not saved"}).status_code == 200
        assert c.get("/api/v1/history").json() == {"total": 0, "items": []}
        for i in range(4):
            assert c.post("/api/v1/triage", json={"text": f"{EN_SCAM} #{i}", "save": True}).status_code == 200
        listed = HistoryListOut.model_validate(c.get("/api/v1/history").json())
        assert listed.total == 3  # only the newest `history_limit` are kept
        assert [e.text[-2:] for e in listed.items] == ["#3", "#2", "#1"]
        one = c.get(f"/api/v1/history/{listed.items[0].id}")
        record = HistoryRecordOut.model_validate(one.json())
        assert record.verdict.text == f"{EN_SCAM} #3"
        assert c.delete(f"/api/v1/history/{record.id}").status_code == 204
        is_problem(c.get(f"/api/v1/history/{record.id}"), 404)
        is_problem(c.delete(f"/api/v1/history/{record.id}"), 404)
        assert c.delete("/api/v1/history").json() == {"deleted": 2}
        assert c.get("/api/v1/history").json()["total"] == 0


def test_history_migration_upgrades_an_older_database_and_keeps_its_loans(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    Store.open(path).close()
    with sqlite3.connect(path) as conn:  # back to the schema before the history migration
        conn.execute("DROP TABLE check_history")
        conn.execute("INSERT INTO loans (lender, outstanding) VALUES ('招联金融', '3000')")
        conn.execute("PRAGMA user_version = 2")
    names = [m.name for m in migrations()]
    assert "0003_check_history.sql" in names
    with TestClient(create_app(WebConfig(db_path=path)), base_url=BASE) as c:
        assert [loan["lender"] for loan in c.get("/api/v1/loans").json()] == ["招联金融"]
        assert c.get("/api/v1/history").json()["total"] == 0


# ---------------------------------------------------------------------- security


def test_host_header_must_be_loopback(client: TestClient) -> None:
    for host in ("127.0.0.1:8321", "localhost:8321", "[::1]:8321"):
        assert client.get("/api/v1/health", headers={"host": host}).status_code == 200
    is_problem(client.get("/api/v1/health", headers={"host": "evil.example"}), 400, "bad-host")
    is_problem(client.get("/api/v1/health", headers={"host": "127.0.0.1.evil.example:8321"}), 400, "bad-host")


def test_cross_site_requests_are_refused(client: TestClient) -> None:
    is_problem(client.post("/api/v1/triage", json={"text": "hi"}, headers={"origin": "http://evil.example"}), 403)
    is_problem(client.post("/api/v1/triage", json={"text": "hi"}, headers={"sec-fetch-site": "cross-site"}), 403)
    is_problem(client.delete("/api/v1/history", headers={"origin": "http://127.0.0.1:9999"}), 403, "cross-site")
    same = client.post("/api/v1/triage", json={"text": "hi"}, headers={"origin": BASE, "sec-fetch-site": "same-origin"})
    assert same.status_code == 200


def test_token_guards_every_request(tmp_path: Path) -> None:
    token = "s3cret-token-0123456789"
    with make_client(tmp_path, token=token, allowed_hosts=None) as c:
        body = is_problem(c.get("/api/v1/health"), 401, "token-required")
        assert "token" in body["detail"]
        assert c.get("/api/v1/health").headers["www-authenticate"] == "Bearer"
        assert c.get("/static/style.css").status_code == 401
        assert c.get("/openapi.json").status_code == 401
        assert c.get("/api/v1/health", headers={"authorization": "Bearer wrong-token-0000000"}).status_code == 401
        assert c.get("/api/v1/health", headers={"authorization": f"Bearer {token}"}).status_code == 200
        page = c.get("/", headers=HTML)
        assert page.status_code == 401 and "text/html" in page.headers["content-type"]
        entry = c.get(f"/loans?token={token}&x=1", headers=HTML, follow_redirects=False)
        assert entry.status_code == 303 and entry.headers["location"] == "/loans?x=1"
        assert "HttpOnly" in entry.headers["set-cookie"]
        assert c.get("/loans", headers=HTML).status_code == 200  # the cookie now carries it
        assert c.get("/static/style.css").status_code == 200


def test_every_page_form_needs_the_csrf_token(client: TestClient) -> None:
    page_posts = [r.path for r in pages.router.routes if isinstance(r, APIRoute) and "POST" in r.methods]
    assert len(page_posts) >= 8
    token = csrf(client)
    for path in page_posts:
        concrete = path.replace("{loan_id}", "1").replace("{entry_id}", "1")
        missing = client.post(concrete, data={"text": "hi"}, headers=HTML)
        assert missing.status_code == 403 and "text/html" in missing.headers["content-type"], path
        forged = client.post(concrete, data={"csrf_token": "abc.def", "text": "hi"}, headers=HTML)
        assert forged.status_code == 403, path
        api_style = client.post(concrete, data={"text": "hi"})
        is_problem(api_style, 403, "csrf")
    # a token signed by another server (another secret) does not pass either
    other = make_client(client.app.state.config.db_path.parent)  # type: ignore[attr-defined]
    foreign = csrf(other)
    assert foreign != token
    client.cookies.set("vt_csrf", foreign)
    assert client.post("/check", data={"csrf_token": foreign, "text": "hi"}, headers=HTML).status_code == 403


def test_pages_render_forms_with_tokens_and_no_inline_script(client: TestClient) -> None:
    token = csrf(client)
    client.post("/loans", data={"csrf_token": token, "lender": "招联金融", "outstanding": "3000"}, headers=HTML)
    client.post("/check", data={"csrf_token": token, "text": ZH_SCAM, "save": "1"}, headers=HTML)
    for path in ("/", "/loans", "/loans/1/edit", "/history", "/history/1"):
        r = client.get(path, headers=HTML)
        assert r.status_code == 200, path
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", r.text, flags=re.S)
        assert scripts == [""] and '<script src="/static/app.js" defer>' in r.text, path  # one file, no inline
        assert not re.search(r"\son[a-z]+=", r.text), path  # no inline event handlers
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", r.text, flags=re.S)
        assert forms, path
        assert all('name="csrf_token"' in f for f in forms), path
        assert not re.search(r'(src|href)="(https?:)?//', r.text), f"{path} links an external resource"


def test_hostile_text_is_escaped_on_every_page(client: TestClient) -> None:
    token = csrf(client)
    payload = '"><img src=x onerror=alert(1)><script>alert(2)</script>\u202e{{7*7}}'
    r = client.post("/check", data={"csrf_token": token, "text": payload, "sender": payload, "save": "1"}, headers=HTML)
    assert r.status_code == 200
    shown = [r.text.split('<section class="verdict"')[1], client.get("/history", headers=HTML).text]
    shown.append(client.get("/history/1", headers=HTML).text)
    for text in shown:
        assert "<img src=x" not in text and "<script>" not in text
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text
        assert "\u202e" not in text and "[U+202E]" in text  # a bidi override is shown, not obeyed
        assert "{{7*7}}" in text  # shown as typed, never evaluated


def test_check_page_shows_the_verdict_and_validates_input(client: TestClient) -> None:
    token = csrf(client)
    empty = client.post("/check", data={"csrf_token": token, "text": "  "}, headers=HTML)
    assert empty.status_code == 422 and "Paste the message text first." in empty.text
    bad = client.post("/check", data={"csrf_token": token, "text": "hi", "has_loan": "maybe"}, headers=HTML)
    assert bad.status_code == 422
    r = client.post(
        "/check", data={"csrf_token": token, "text": ZH_SCAM, "sender": "17187654321", "has_loan": "no"}, headers=HTML
    )
    assert r.status_code == 200
    assert 'data-kind="overdue_collection"' in r.text and 'id="risk">High<' in r.text
    assert 'data-start="22" data-end="41"' in r.text and ">http://xx-repay.top</mark>" in r.text
    assert client.get("/api/v1/history").json()["total"] == 0  # "save" was not ticked


def test_loan_pages_add_edit_import_delete(client: TestClient) -> None:
    token = csrf(client, "/loans")
    bad = client.post("/loans", data={"csrf_token": token, "lender": "", "outstanding": "3千"}, headers=HTML)
    assert bad.status_code == 422 and "outstanding" in bad.text and "lender" in bad.text
    due = (date.today() + timedelta(days=4)).isoformat()
    ok = client.post(
        "/loans",
        data={"csrf_token": token, "lender": "招联金融", "outstanding": "3000", "due": f"{due}\n"},
        headers=HTML,
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/loans?notice=loan_added")
    shown = client.get(ok.headers["location"], headers=HTML).text
    assert "Added loan #1: 招联金融" in shown and "due in 4 days" in shown
    edit = client.post(
        "/loans/1", data={"csrf_token": token, "lender": "招联金融", "outstanding": "500", "due": due}, headers=HTML
    )
    assert edit.status_code == 200 and "Updated loan #1" in edit.text and "500.00 CNY" in edit.text
    csv = "lender,outstanding\n马上消费金融,200\n".encode()
    imported = client.post(
        "/loans/import", data={"csrf_token": token}, files={"file": ("l.csv", csv, "text/csv")}, headers=HTML
    )
    assert imported.status_code == 200 and "Imported 1 loan(s)" in imported.text
    broken = client.post(
        "/loans/import", data={"csrf_token": token}, files={"file": ("l.csv", b"\xff\xfe", "text/csv")}, headers=HTML
    )
    assert broken.status_code == 422 and "not UTF-8" in broken.text
    exported = client.get("/loans/export.csv")
    assert exported.text.splitlines()[0].startswith("id,lender")
    gone = client.post("/loans/2/delete", data={"csrf_token": token}, headers=HTML)
    assert gone.status_code == 200 and "Removed loan #2" in gone.text
    assert client.get("/loans/99/edit", headers=HTML).status_code == 404


def test_language_switch_is_remembered(client: TestClient) -> None:
    token = csrf(client)
    r = client.post("/lang", data={"csrf_token": token, "lang": "zh", "next": "/loans"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/loans"
    page = client.get("/loans", headers=HTML)
    assert '<html lang="zh-CN">' in page.text and "我的贷款" in page.text
    for target in ("//evil.example/", "https://evil.example/", "/\\evil"):
        away = client.post("/lang", data={"csrf_token": token, "lang": "en", "next": target}, follow_redirects=False)
        assert away.headers["location"] == "/"
    assert '<html lang="en">' in client.get("/", headers=HTML).text


def test_not_found_is_a_page_for_browsers_and_a_problem_for_the_api(client: TestClient) -> None:
    page = client.get("/nowhere", headers=HTML)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    is_problem(client.get("/api/v1/nowhere"), 404, "not-found")
    assert client.get("/docs").status_code == 404  # the interactive docs would load scripts from a CDN


# ---------------------------------------------------------------------- OpenAPI


def test_openapi_documents_every_status_the_api_returns(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["Problem"]["properties"]["detail_i18n"]
    for path, ops in spec["paths"].items():
        assert path.startswith("/api/v1/")
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"400", "401", "403", "413", "422", "500"} <= codes, (method, path)
            if method in ("post", "put", "delete"):
                assert "415" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            for code, resp in op["responses"].items():
                if code.startswith(("4", "5")):
                    assert list(resp["content"]) == ["application/problem+json"], (method, path, code)


# ---------------------------------------------------------------------- pieces


def test_segments_cover_the_text_exactly_and_merge_overlaps() -> None:
    text = "abcdefghij"
    sigs = [
        {"id": "A", "weight": 1.0, "spans": [{"start": 2, "end": 6}]},
        {"id": "B", "weight": -1.0, "spans": [{"start": 4, "end": 8}]},
        {"id": "C", "weight": 0.0, "spans": [{"start": 9, "end": 99}]},  # clipped to the text
    ]
    segs = segments(text, sigs)
    assert "".join(s.text for s in segs) == text
    assert [(s.text, s.signals, s.tone) for s in segs] == [
        ("ab", (), ""),
        ("cd", (0,), "warn"),
        ("ef", (0, 1), "warn"),
        ("gh", (1,), "ok"),
        ("i", (), ""),
        ("j", (2,), "cue"),
    ]


def test_reveal_escapes_and_shows_invisible_characters() -> None:
    out = str(reveal("<b>x</b>\u200b\u202e\n"))
    assert (
        out == '&lt;b&gt;x&lt;/b&gt;<span class="cc" title="U+200B">[U+200B]</span>'
        '<span class="cc" title="U+202E">[U+202E]</span>\n'
    )


def test_every_interface_string_has_both_languages() -> None:
    for key, (zh, en) in UI.items():
        assert zh.strip() and en.strip(), key
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), key
    assert choose_lang(cookie=None, accept_language="zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert choose_lang(cookie=None, accept_language="en-GB,zh;q=0.5") == "en"
    assert choose_lang(cookie="zh", accept_language="en") == "zh"
    assert choose_lang(cookie="xx", accept_language=None) == "en"


def test_serve_refuses_a_public_address_without_a_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VERITEXT_TOKEN", raising=False)
    runner = CliRunner()
    r = runner.invoke(veritext.cli.app, ["serve", "--host", "0.0.0.0", "--db", str(tmp_path / "x.db")])
    assert r.exit_code == 1 and "refusing to listen on 0.0.0.0" in r.output and "--token" in r.output
    short = runner.invoke(veritext.cli.app, ["serve", "--host", "0.0.0.0", "--token", "short"])
    assert short.exit_code == 1 and "at least 16" in short.output
    odd = runner.invoke(veritext.cli.app, ["serve", "--token", "with spaces; and=cookie-breaking"])
    assert odd.exit_code == 1 and "only letters, digits" in odd.output
    assert not (tmp_path / "x.db").exists()
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.com")
