"""Offline by default (DESIGN.md §6): importing and triaging opens no connection and writes no file.

The check runs in a fresh interpreter with the network switched off *before* ``import veritext``, so a
dependency that fetches data at import time (a public-suffix list, a model, a dictionary) is caught too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import veritext

# Messages of every kind, with links and phone numbers; all written for this test.
MESSAGES = [
    ("【工商银行】您的验证码为482913，请勿泄露", "95588"),
    ("【某某贷】最高可借20万，日息低至万分之二，点击 https://dai.example.cn/a 立即申请，退订回T", None),
    ("【某商城】双十一全场五折，戳 t.cn/AbCdEf 抢购，退订回T", "1069012345"),
    ("【招商银行】您尾号1234的信用卡本期账单2,380.50元，还款日12月05日，请在掌上生活App内按时还款。", "95555"),
    ("【某某消费金融】您的借款已逾期3天，请点击 http://xx-repay.top 处理，否则将上报征信并起诉", None),
    ("您好，您的朋友张三在我司借款逾期未还，留的是您的紧急联系人电话，请转告他联系 13912345678。", None),
    ("您因网贷逾期已被立案起诉，请于今日内联系法务专员 13912345678 处理，否则将强制执行。", "13912345678"),
    ("【某某银行】您尾号8831的账户于11月28日收到还款1,280.00元，感谢使用。", "95588"),
    ("妈，我晚上七点到家，给我留饭。", "+8613800138000"),
    ("URGENT: your loan payment is 30 days past due. Avoid legal action, pay now at bit.ly/xyz", None),
    ("Your Chase verification code is 123456. Don't share it with anyone.", "24273"),
    (
        "Get approved for a $5,000 personal loan today! Apply at https://quick-cash.example.com or call 1-800-555-0199",
        None,
    ),
    ("Your loan payment of £120.00 is due on 05/12. Pay in the app. Reply STOP to opt out.", "+447700900123"),
    ("We are trying to reach John Smith about a debt. Please ask him to call 0800 555 0123.", None),
    ("FINAL NOTICE: a lawsuit has been filed against you. Call 202-555-0143 today to avoid arrest.", None),
    ("Hi mum, running late, see you at 7", "+447700900123"),
    ("", None),
]

CHILD = textwrap.dedent(
    """
    import json, socket, sys

    attempts = []

    class NetworkUsed(BaseException):  # BaseException: a library's `except Exception` cannot hide it
        pass

    def blocked(name):
        def refuse(*args, **kwargs):
            attempts.append(f"{name}{args!r}"[:200])
            raise NetworkUsed(f"network use during triage: {name}")
        return refuse

    socket.socket.connect = blocked("socket.connect")
    socket.socket.connect_ex = blocked("socket.connect_ex")
    socket.socket.sendto = blocked("socket.sendto")
    socket.create_connection = blocked("socket.create_connection")
    socket.getaddrinfo = blocked("socket.getaddrinfo")
    socket.gethostbyname = blocked("socket.gethostbyname")

    import veritext
    from veritext import Message

    messages = json.loads(sys.stdin.read())
    one_by_one = [veritext.triage(text, sender=sender).to_dict() for text, sender in messages]
    batch = [v.to_dict() for v in veritext.triage_many(Message(t, sender=s) for t, s in messages)]
    assert batch == one_by_one
    print(json.dumps({"attempts": attempts, "kinds": [d["kind"] for d in one_by_one]}))
    sys.exit(3 if attempts else 0)
    """
)


def test_triage_opens_no_connection_and_writes_nothing_under_home(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "cwd"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "TLDEXTRACT", "HF_", "OPENCC"))}
    env.update(HOME=str(home), USERPROFILE=str(home), PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(MESSAGES, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=work,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-1000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    assert len(report["kinds"]) == len(MESSAGES)
    assert set(report["kinds"]) <= set(veritext.KINDS)
    assert len(set(report["kinds"])) >= 5, f"the messages should span many kinds, got {report['kinds']}"
    assert list(home.rglob("*")) == [], f"files written under HOME: {list(home.rglob('*'))}"
    assert list(work.rglob("*")) == [], f"files written in the working directory: {list(work.rglob('*'))}"
    assert list((tmp_path / "tmp").rglob("*")) == [], "files left in TMPDIR"


def test_the_child_really_blocks_the_network(tmp_path: Path):
    """The guard itself must work, or the test above proves nothing."""
    probe = CHILD.replace(
        "import veritext\n",
        "import socket as _s\ntry:\n    _s.create_connection(('example.com', 80), timeout=1)\n"
        "except BaseException:\n    pass\nimport veritext\n",
        1,
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        input=json.dumps(MESSAGES[:1], ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "socket.create_connection" in json.loads(proc.stdout.strip().splitlines()[-1])["attempts"][0]
