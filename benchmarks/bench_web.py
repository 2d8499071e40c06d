"""Bounded load on ``POST /api/v1/triage`` of a real ``veritext serve`` on loopback.

    .venv/bin/python benchmarks/bench_web.py [--levels 1,50,200] [--requests 300,1500,3000]
                                             [--warmup 50] [--json out.json]

Starts ``veritext serve`` (uvicorn, one process) on a free 127.0.0.1 port with a fresh database, warms it
up, then for each concurrency level runs that many clients, each on its own keep-alive connection,
sending messages back to back until the level's request count is done. Prints requests/s, p50 / p99
latency (client side, per request, queueing included), errors, and the server's RSS before the load,
after each level and at the end. The client runs on the same machine (plain asyncio streams, one process), so
on a 2-core box it takes CPU from the server: the figures are what one laptop serving itself sees.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

# Written for this benchmark: the kinds of message people paste, in both languages.
MESSAGES = [
    ("【某某消费金融】您的借款已逾期3天，请点击 http://xx-repay.top 处理，否则将上报征信并起诉", "17187654321"),
    ("【招商银行】您尾号1234的信用卡本期账单2,380.50元，还款日12月05日，请在掌上生活App内按时还款。", "95555"),
    ("【工商银行】您的验证码为482913，请勿泄露", "95588"),
    ("您好，您的朋友张三在我司借款逾期未还，留的是您的紧急联系人电话，请转告他联系 13912345678。", None),
    ("URGENT: your loan payment is 30 days past due. Avoid legal action, pay now at bit.ly/xyz", None),
    ("Your loan payment of £120.00 is due on 05/12. Pay in the app. Reply STOP to opt out.", "+447700900123"),
    ("FINAL NOTICE: a lawsuit has been filed against you. Call 202-555-0143 today to avoid arrest.", None),
    ("您因网贷逾期已被立案起诉，请于今日内联系法务专员 13912345678 处理，否则将强制执行。", "13912345678"),
]
ROOT = Path(__file__).resolve().parents[1]


def rss_mib(pid: int) -> float:
    """Resident memory of a process (VmRSS)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VERITEXT_TOKEN", "VERITEXT_DB")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "veritext.cli", "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"veritext serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("veritext serve did not start within 60 s")


class _Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough HTTP for this benchmark.

    A hand-written client keeps the load generator's own CPU use small (httpx's async pool costs more
    CPU than the server at 200 connections on a 2-core box, and would be measured as server latency).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_level(base: str, *, clients: int, total: int) -> dict[str, Any]:
    """``clients`` concurrent clients share ``total`` requests; returns throughput and latency."""
    url = urlparse(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    bodies = [json.dumps({"text": t, "sender": s}, ensure_ascii=False).encode() for t, s in MESSAGES]
    latencies: list[float] = []
    errors = 0
    issued = 0

    async def worker(n: int) -> None:
        nonlocal errors, issued
        conn = _Connection(host, port)
        try:
            while issued < total:
                i = issued
                issued += 1
                t0 = time.perf_counter()
                try:
                    ok = await conn.post("/api/v1/triage", bodies[(i + n) % len(bodies)]) == 200
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                    conn.close()
                    conn = _Connection(host, port)
                latencies.append(time.perf_counter() - t0)
                if not ok:
                    errors += 1
        finally:
            conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(clients)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
    }


def git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True)
        return head.stdout.strip() + (" (src/ modified)" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def main() -> None:
    """Run the load levels and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,50,200", help="concurrent clients per level")
    parser.add_argument("--requests", default="300,1500,3000", help="requests per level (one value or one per level)")
    parser.add_argument("--warmup", type=int, default=50, help="requests before measuring")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    counts = [int(x) for x in args.requests.split(",")]
    if len(counts) == 1:
        counts *= len(levels)
    if len(counts) != len(levels):
        raise SystemExit("--requests needs one value, or one per level")

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(Path(tmp) / "bench.db")
        try:
            rss_start = rss_mib(proc.pid)
            asyncio.run(run_level(base, clients=1, total=args.warmup))
            rss_warm = rss_mib(proc.pid)
            results = []
            for clients, total in zip(levels, counts, strict=True):
                print(f"… {clients} client(s), {total} requests", file=sys.stderr)
                result = asyncio.run(run_level(base, clients=clients, total=total))
                result["server_rss_mib"] = round(rss_mib(proc.pid), 1)
                results.append(result)
            rss_end = rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    print("POST /api/v1/triage on loopback (veritext serve: uvicorn, 1 process; client: asyncio, keep-alive)")
    heads = ("clients", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms", "RSS MiB")
    print(" ".join(f"{h:>{w}}" for h, w in zip(heads, (7, 8, 6, 7, 8, 8, 8, 8), strict=True)))
    for r in results:
        print(
            f"{r['clients']:>7} {r['requests']:>8} {r['errors']:>6} {r['rps']:>7} {r['p50_ms']:>8} "
            f"{r['p99_ms']:>8} {r['max_ms']:>8} {r['server_rss_mib']:>8}"
        )
    print(f"server RSS: {rss_start:.1f} MiB started, {rss_warm:.1f} MiB after warm-up, {rss_end:.1f} MiB at the end")
    load_after = os.getloadavg()
    machine = (
        f"nproc {os.cpu_count()}, Python {platform.python_version()}, {platform.platform()}, "
        f"load average {load_before[0]:.2f} before / {load_after[0]:.2f} after, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, code {git_state()}"
    )
    print(machine)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "levels": results,
                    "rss_start_mib": rss_start,
                    "rss_warm_mib": rss_warm,
                    "rss_end_mib": rss_end,
                    "machine": machine,
                },
                indent=2,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
