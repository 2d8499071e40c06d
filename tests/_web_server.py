"""Start the real ``veritext serve`` in a child process on a free loopback port (for the browser and fuzz tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(db: Path, *, extra_args: tuple[str, ...] = (), timeout: float = 60.0) -> Iterator[str]:
    """``veritext serve --port P --db DB`` until the block ends; yields the base URL (no trailing slash)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VERITEXT_TOKEN", "VERITEXT_DB")}
    log = db.with_suffix(".serve.log")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "veritext.cli", "serve", "--port", str(port), "--db", str(db), *extra_args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"veritext serve exited with {proc.returncode}: {log.read_text()}")
                try:
                    if httpx.get(base + "/api/v1/health", timeout=2.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"veritext serve did not come up in {timeout:.0f}s: {log.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
