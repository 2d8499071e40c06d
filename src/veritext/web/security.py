"""The guard in front of every request: Host check, access token, cross-site refusal, size limit, headers.

One ASGI middleware, in this order:

1. **Host** — a loopback-bound server answers only to ``127.0.0.1``, ``localhost`` and ``[::1]``, so a web
   page that rebinds its own domain name to 127.0.0.1 cannot read the ledger (DNS rebinding).
2. **Token** — when the server has one, every request carries it: ``Authorization: Bearer …`` or the
   ``vt_token`` cookie, which ``GET /any/page?token=…`` sets (then redirects to drop it from the address).
3. **Cross-site** — an unsafe method (POST, PUT, PATCH, DELETE) whose ``Origin`` (or
   ``Sec-Fetch-Site``) shows another site is refused; API bodies must be JSON (a form from another site
   cannot send JSON without a CORS pre-flight, which this server never grants). Page forms also carry a
   CSRF token (:func:`csrf_token`, :func:`check_csrf`).
4. **Size** — a body over the limit is refused with 413, by ``Content-Length`` or while it streams in.
5. **Headers** — a Content-Security-Policy without inline script (``script-src 'self'``), no framing, no
   referrer to other sites (``same-origin``: ``no-referrer`` would make Chrome send ``Origin: null`` with
   our own forms), ``nosniff``, and ``no-store`` on everything except the static files.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.exceptions import HTTPException

from veritext.message import I18nText
from veritext.web.i18n import LANG_COOKIE, UI, choose_lang
from veritext.web.problems import PROBLEM_MEDIA_TYPE, WebError, problem_response

__all__ = [
    "CSP",
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "TOKEN_COOKIE",
    "GuardMiddleware",
    "check_csrf",
    "csrf_token",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
TOKEN_COOKIE = "vt_token"
CSRF_COOKIE = "vt_csrf"
CSRF_FIELD = "csrf_token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _i18n(key: str, **values: object) -> I18nText:
    zh, en = UI[key]
    return I18nText(zh=zh.format(**values), en=en.format(**values))


def _human_size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n / 1024:g} KiB"


class _Request:
    """The parts of an ASGI scope the guard reads."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.method: str = scope.get("method", "GET")
        self.path: str = scope.get("path", "/")
        self.headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", []):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            # Repeated headers: keep the first (cookies are parsed from all of them below).
            self.headers.setdefault(name, value)
        self.cookies: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", []):
            if raw_name.lower() == b"cookie":
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(raw_value.decode("latin-1"))
                except Exception:  # a malformed cookie header is ignored, not fatal
                    continue
                for key, morsel in jar.items():
                    self.cookies.setdefault(key, morsel.value)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/") or self.path == "/openapi.json"

    @property
    def lang(self) -> str:
        return choose_lang(cookie=self.cookies.get(LANG_COOKIE), accept_language=self.headers.get("accept-language"))

    @property
    def host_name(self) -> str:
        host = self.headers.get("host", "")
        if host.startswith("["):
            return host[1 : host.find("]")] if "]" in host else host
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host

    @property
    def own_origin(self) -> str:
        return f"{self.scope.get('scheme', 'http')}://{self.headers.get('host', '')}"


class GuardMiddleware:
    """The ASGI middleware described in the module docstring.

    ``render_error(status, detail, lang)`` builds the HTML error page for the browser (the API gets
    problem documents).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        allowed_hosts: tuple[str, ...] | None,
        max_body_bytes: int,
        render_error: Callable[[int, I18nText, str], bytes],
    ) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)
        self.max_body_bytes = max_body_bytes
        self.render_error = render_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        req = _Request(scope)
        add_headers = self._header_adder(req, send)
        try:
            self._check_host(req)
            redirect = self._check_token(req)
            if redirect is not None:
                await self._send_redirect(add_headers, redirect, set_token=True)
                return
            self._check_cross_site(req)
            receive = self._limit_body(req, receive)
        except WebError as err:
            await self._send_error(req, add_headers, err)
            return
        await self.app(scope, receive, add_headers)

    # ------------------------------------------------------------------ checks

    def _check_host(self, req: _Request) -> None:
        if self.allowed_hosts is None:
            return
        if req.host_name.lower() not in self.allowed_hosts:
            raise WebError(status=400, slug="bad-host", detail=_i18n("err_bad_host"))

    def _check_token(self, req: _Request) -> str | None:
        """``None`` when the request may go on; a redirect target after a valid ``?token=``."""
        if self.token is None:
            return None
        auth = req.headers.get("authorization", "")
        if auth[:7].lower() == "bearer " and _same(auth[7:].strip(), self.token):
            return None
        if _same(req.cookies.get(TOKEN_COOKIE, ""), self.token):
            return None
        query = parse_qsl(req.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if req.method == "GET" and given and _same(given[0], self.token):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            return req.path + (f"?{rest}" if rest else "")
        raise WebError(
            status=401, slug="token-required", detail=_i18n("err_token"), headers={"WWW-Authenticate": "Bearer"}
        )

    def _check_cross_site(self, req: _Request) -> None:
        if req.method not in _UNSAFE:
            return
        origin = req.headers.get("origin")
        if origin is not None and origin != req.own_origin:
            raise WebError(status=403, slug="cross-site", detail=_i18n("err_cross_site"))
        if req.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            raise WebError(status=403, slug="cross-site", detail=_i18n("err_cross_site"))
        if req.is_api:
            ctype = req.headers.get("content-type")
            if ctype is not None and not _is_json(ctype):
                raise WebError(
                    status=415,
                    slug="unsupported-media-type",
                    detail=I18nText(zh="请求体必须是 application/json。", en="The body must be application/json."),
                )

    def _limit_body(self, req: _Request, receive: Receive) -> Receive:
        limit = self.max_body_bytes
        length = req.headers.get("content-length")
        too_large = WebError.from_key(
            status=413, slug="payload-too-large", key="err_too_large", limit=_human_size(limit)
        )
        if length is not None:
            try:
                if int(length) > limit:
                    raise too_large
            except ValueError:
                raise WebError(
                    status=400,
                    slug="bad-request",
                    detail=I18nText(zh="Content-Length 无效。", en="The Content-Length header is not a number."),
                ) from None
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the app's body read: FastAPI re-raises HTTPException unchanged,
                    # and the app's handler turns it into the 413 problem.
                    raise HTTPException(status_code=413, detail="payload-too-large")
            return message

        return limited

    # ------------------------------------------------------------------ responses

    def _header_adder(self, req: _Request, send: Send) -> Send:
        static = req.path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in _SECURITY_HEADERS:
                    if name not in present:
                        headers.append((name, value))
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
                message["headers"] = headers
            await send(message)

        return send_with_headers

    async def _send_error(self, req: _Request, send: Send, err: WebError) -> None:
        lang = req.lang
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in err.headers.items()]
        if req.is_api or "text/html" not in req.headers.get("accept", ""):
            response = problem_response(
                status=err.status, slug=err.slug, detail=err.detail, lang=lang, instance=req.path, headers=err.headers
            )
            body = bytes(response.body)
            ctype = PROBLEM_MEDIA_TYPE.encode()
        else:
            body = self.render_error(err.status, err.detail, lang)
            ctype = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": err.status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()), *headers],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _send_redirect(self, send: Send, location: str, *, set_token: bool) -> None:
        headers = [(b"location", location.encode("latin-1")), (b"content-length", b"0")]
        if set_token and self.token is not None:
            cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Lax"
            headers.append((b"set-cookie", cookie.encode("latin-1")))
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


# ---------------------------------------------------------------------- CSRF (page forms)


def csrf_token(*, secret: bytes, cookie: str | None) -> tuple[str, bool]:
    """The CSRF token for a page: the browser's cookie when it is valid, else a new one.

    Returns ``(token, is_new)``; a new token must be set as the ``vt_csrf`` cookie. A token is
    ``nonce.mac`` where ``mac`` is an HMAC of the nonce under the server's secret, so a cookie planted by
    another program cannot pass (double-submit cookie, signed).
    """
    if cookie and _valid(secret, cookie):
        return cookie, False
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_mac(secret, nonce)}", True


def check_csrf(*, secret: bytes, cookie: str | None, field: str | None) -> None:
    """Raise a 403 :class:`WebError` unless the form's token equals the cookie's and is signed by us."""
    if not cookie or not field or not _same(field, cookie) or not _valid(secret, cookie):
        raise WebError(status=403, slug="csrf", detail=_i18n("err_csrf"))


def _mac(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, nonce.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:32]


def _valid(secret: bytes, token: str) -> bool:
    nonce, _, mac = token.partition(".")
    return bool(nonce) and _same(mac, _mac(secret, nonce))
