"""``veritext serve``: the web page and the REST API (FastAPI on uvicorn) on the embedded SQLite store.

Bound to loopback (the default, 127.0.0.1) it answers only this computer, and only to the host names
``127.0.0.1``, ``localhost`` and ``[::1]``. Binding to any other address refuses to start without an
access token (``--token`` or ``$VERITEXT_TOKEN``, at least 16 characters); with one, every request
must carry it. Exit codes: 0 stopped normally · 1 the store or the address cannot be used · 2 usage error.
"""

from __future__ import annotations

import os
import re
import socket
from typing import Annotated

import typer

from veritext.store import StoreError, resolve_path

__all__ = ["MIN_TOKEN_CHARS", "TOKEN_ENV", "register", "serve"]

TOKEN_ENV = "VERITEXT_TOKEN"
MIN_TOKEN_CHARS = 16
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~-]+")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"veritext: error: {message}", err=True)
    return typer.Exit(1)


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on. Anything but loopback needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8321,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Your loans, rules and check history (default: $VERITEXT_DB, else your data folder)."
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(help=f"Access token every request must carry (default: ${TOKEN_ENV}).", show_default=False),
    ] = None,
) -> None:
    """Start the web page and the REST API (/api/v1, OpenAPI at /openapi.json). Ctrl+C stops it."""
    import uvicorn

    from veritext.web import WebConfig, create_app
    from veritext.web.config import LOOPBACK_HOSTS, is_loopback

    token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
    loopback = is_loopback(host)
    if token is not None and (len(token) < MIN_TOKEN_CHARS or not _TOKEN_CHARS.fullmatch(token)):
        raise _fail(
            f"the access token must have at least {MIN_TOKEN_CHARS} characters, only letters, digits and - _ . ~ "
            "(it goes into a URL and a cookie)"
        )
    if not loopback and token is None:
        raise _fail(
            f"refusing to listen on {host}: other computers could reach your loans and history. "
            f"Give an access token with --token or ${TOKEN_ENV} (e.g. "
            'python -c "import secrets; print(secrets.token_urlsafe(24))"), or keep the default 127.0.0.1. '
            f"拒绝监听 {host}：其他电脑可以访问你的贷款和核验记录。请用 --token 或 ${TOKEN_ENV} 设置访问令牌。"
        )
    path = resolve_path(db)
    if db is None and not os.environ.get("VERITEXT_DB"):
        path.parent.mkdir(parents=True, exist_ok=True)
    config = WebConfig(db_path=path, token=token, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    try:
        app = create_app(config)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    try:  # fail with one clear line (not a traceback) when the port is taken
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host.strip("[]"), port))
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = _url(host, port)
    shown = f"{url}?token={token}" if token else url
    typer.echo(f"Veritext is running at {shown}  (Ctrl+C to stop)")
    typer.echo(f"Veritext 已启动：{shown}  （按 Ctrl+C 停止）")
    typer.echo(f"Database / 数据库: {path}")
    uvicorn.run(
        app,
        host=host.strip("[]"),
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=5,
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main ``veritext`` command (one line in cli.py)."""
    app.command("serve")(serve)
