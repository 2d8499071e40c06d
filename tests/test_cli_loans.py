"""``veritext loans …``, ``veritext rules …`` and ``veritext check --db``, run for real in a subprocess
as a person would run them, each against a database under tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

WHEN = "2026-11-28T10:00"
# written for this test: the real notice for the loan added below, one with the wrong amount, and one
# from a lender the person has no loan with
MATCHING = "【招联金融】您的借款3000元已逾期8天，请尽快登录招联金融App还款。"
WRONG_AMOUNT = "【招联金融】您的借款5000元已逾期8天，请尽快还款。"
NO_LOAN = "【马上消费金融】您的借款2000元已逾期5天，请尽快还款。"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: English output, and a data folder of its own (never the real one)."""
    out = {k: v for k, v in os.environ.items() if k not in ("VERITEXT_DB", "VERITEXT_LANG", "LC_ALL")}
    out.update(LANG="C.UTF-8", XDG_DATA_HOME=str(tmp_path / "xdg"), COLUMNS="200", PYTHONIOENCODING="utf-8")
    return out


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veritext.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def verdict(env: dict[str, str], db: Path, text: str) -> dict[str, Any]:
    done = run(env, "check", "--db", str(db), "--json", "--received-at", WHEN, text)
    assert done.returncode in (0, 10, 20), done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def signal_ids(v: dict[str, Any]) -> set[str]:
    return {s["id"] for s in v["signals"]}


def test_the_walkthrough_add_a_loan_then_check_three_messages(env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "me.db"
    added = run(env, "loans", "add", "--db", str(db), "--lender", "招联金融", "--outstanding", "3000",
                "--due", "2026-11-20", "--penalty-rate", "0.05%/day", "--app", "招联金融")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "Added loan #1: 招联金融" in added.stdout and "cn-cfc-mucfc" in added.stdout

    match = verdict(env, db, MATCHING)
    assert "VERIFY_MATCH" in signal_ids(match)
    steps = {s["id"]: s for s in match["plan"]}
    assert "招联金融 app" in steps["ledger_match_repay"]["text"]["en"]
    assert "12.00 CNY" in steps["overdue_cost"]["text"]["en"]

    wrong = verdict(env, db, WRONG_AMOUNT)
    assert "VERIFY_MISMATCH_AMOUNT" in signal_ids(wrong)
    assert wrong["fraud_probability"] > match["fraud_probability"]

    none = verdict(env, db, NO_LOAN)
    assert "VERIFY_NO_SUCH_LOAN" in signal_ids(none)
    assert none["context"]["has_loan"] == "no"

    # The human-readable verdict shows the reason and the person's own channel.
    shown = run(env, "check", "--db", str(db), "--lang", "en", "--received-at", WHEN, WRONG_AMOUNT)
    assert "VERIFY_MISMATCH_AMOUNT" in shown.stdout
    assert "ledger: 3,000.00 CNY; message: 5,000.00 CNY" in shown.stdout


def test_list_show_edit_due_calendar_remove(env: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "me.db")
    run(env, "loans", "add", "--db", db, "--lender", "某某钱包", "--outstanding", "1200",
        "--due", "2099-01-05=600", "--due", "2099-02-05=600", "--hotline", "400-000-0000")  # fmt: skip
    listed = json.loads(run(env, "loans", "list", "--db", db, "--json").stdout)
    assert [(x["id"], x["lender"], x["outstanding"]) for x in listed] == [(1, "某某钱包", "1200")]

    edited = run(env, "loans", "edit", "1", "--db", db, "--outstanding", "600", "--paid", "2099-01-05")
    assert edited.returncode == 0, edited.stderr
    shown = json.loads(run(env, "loans", "show", "1", "--db", db, "--json").stdout)
    assert shown["outstanding"] == "600" and shown["schedule"][0]["paid"] is True

    assert "Nothing due in the next 7 days" in run(env, "loans", "due", "--db", db, "--within", "7d").stdout

    ics = tmp_path / "due.ics"
    assert run(env, "loans", "calendar", str(ics), "--db", db).returncode == 0
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == ["veritext-loan-1-2099-02-05"]  # the paid one is gone

    table = run(env, "loans", "list", "--db", db).stdout
    assert "某某钱包" in table and "600.00 CNY" in table
    assert run(env, "loans", "remove", "1", "--db", db).returncode == 0
    missing = run(env, "loans", "show", "1", "--db", db)
    assert missing.returncode == 1 and "there is no loan #1" in missing.stderr


def test_a_bad_csv_is_refused_row_by_row_and_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "me.db")
    run(env, "loans", "add", "--db", db, "--lender", "招联金融", "--outstanding", "3000")
    before = run(env, "loans", "export", "--db", db).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "lender,outstanding,currency,due\n好贷,100,CNY,2026-12-01\n坏贷,十元,CNY,2026-12-01\n另一个,5,RMB,2026-13-01\n",
        encoding="utf-8",
    )
    done = run(env, "loans", "import", str(bad), "--db", db)
    assert done.returncode == 1
    assert "row 3: outstanding: '十元' is not an amount" in done.stderr
    assert "row 4: currency" in done.stderr and "not a real calendar date" in done.stderr
    assert run(env, "loans", "export", "--db", db).stdout == before


def test_export_then_import_into_a_new_database(env: dict[str, str], tmp_path: Path) -> None:
    old, new = str(tmp_path / "old.db"), str(tmp_path / "new.db")
    run(env, "loans", "add", "--db", old, "--lender", "招联金融", "--outstanding", "3000", "--due", "2026-12-15",
        "--penalty-rate", "36%/year", "--product", "好期贷")  # fmt: skip
    csv_path = tmp_path / "loans.csv"
    assert run(env, "loans", "export", str(csv_path), "--db", old).returncode == 0
    assert run(env, "loans", "import", str(csv_path), "--db", new).returncode == 0
    assert run(env, "loans", "export", "--db", new).stdout == csv_path.read_text(encoding="utf-8")
    # From standard input too, replacing what is there.
    done = run(env, "loans", "import", "-", "--replace", "--db", new, stdin=csv_path.read_text(encoding="utf-8"))
    assert done.returncode == 0 and "Imported 1 loan(s)" in done.stdout
    assert len(json.loads(run(env, "loans", "list", "--json", "--db", new).stdout)) == 1


def test_the_default_database_lives_in_the_data_folder_and_check_uses_it(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "loans", "add", "--lender", "招联金融", "--outstanding", "3000").returncode == 0
    assert (tmp_path / "xdg" / "veritext" / "veritext.db").is_file()
    done = run(env, "check", "--json", "--received-at", WHEN, NO_LOAN)
    assert "VERIFY_NO_SUCH_LOAN" in signal_ids(json.loads(done.stdout))


def test_check_with_a_missing_database_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    done = run(env, "check", "--db", str(tmp_path / "typo.db"), MATCHING)
    assert done.returncode == 1
    assert done.stderr.startswith("veritext: error: no database at")
    assert not (tmp_path / "typo.db").exists()


def test_rules_import_list_export_and_use(env: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "me.db")
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '# my rules\nversion = 1\n[deny]\ndomains = ["xx-repay.top"]\n'
        '[[rules]]\nid = "campus"\nkeywords = ["校园贷"]\nweight = 1.5\n',
        encoding="utf-8",
    )
    assert run(env, "rules", "import", str(rules), "--db", db).returncode == 0
    listed = run(env, "rules", "list", "--db", db).stdout
    assert "xx-repay.top" in listed and "USER_CAMPUS" in listed
    assert run(env, "rules", "export", "--db", db).stdout == rules.read_text(encoding="utf-8")  # comments kept

    # written for this test
    v = verdict(env, Path(db), "校园贷账户异常，请到 http://xx-repay.top 注销")
    assert {"USER_CAMPUS", "USER_DENIED_DOMAIN"} <= signal_ids(v)

    broken = tmp_path / "broken.toml"
    broken.write_text('[[rules]]\nid = "slow"\nregex = "(a+)+$"\nweight = 1\n', encoding="utf-8")
    done = run(env, "rules", "import", str(broken), "--db", db)
    assert done.returncode == 1 and "rule 'slow'" in done.stderr
    assert run(env, "rules", "export", "--db", db).stdout == rules.read_text(encoding="utf-8")  # unchanged


def test_chinese_output_when_asked(env: dict[str, str], tmp_path: Path) -> None:
    done = run(env, "loans", "add", "--db", str(tmp_path / "me.db"), "--lang", "zh", "--lender", "某某钱包",
               "--outstanding", "10")  # fmt: skip
    assert "已添加贷款 #1：某某钱包" in done.stdout and "不在已登记的持牌机构名单里" in done.stdout
    bad = run(env, "loans", "add", "--db", str(tmp_path / "me.db"), "--lender", "x", "--outstanding", "ten")
    assert bad.returncode == 1 and "outstanding: 'ten' is not an amount" in bad.stderr
