"""The app factory: FastAPI with the guard middleware, the API, the pages, static files and error handlers."""

from __future__ import annotations

import logging
import re
import secrets
from http import HTTPStatus
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

import veritext
from veritext.message import I18nText
from veritext.web import api, pages
from veritext.web.config import WebConfig
from veritext.web.i18n import LANG_COOKIE, choose_lang
from veritext.web.problems import Problem, WebError, problem_response
from veritext.web.render import Renderer
from veritext.web.security import GuardMiddleware
from veritext.web.storage import StoreProvider

__all__ = ["create_app"]

log = logging.getLogger("veritext.web")

_DESCRIPTION = (
    "Veritext triages SMS about loans, repayments, debts and courts: what it is, how risky, why (signals "
    "with spans into the original text), why you probably got it, and a plan of steps with verified contacts. "
    "Everything runs on this machine; nothing is sent anywhere.\n\n"
    "Errors are RFC 9457 problem documents (`application/problem+json`) with the detail in the request's "
    "language (`Accept-Language: zh` or `en`) and in both under `detail_i18n`. Request bodies are limited in "
    "size (413) and must be JSON (415). When the server was started with an access token, send it as "
    "`Authorization: Bearer TOKEN` (401 otherwise)."
)


def _lang(request: Request) -> str:
    return choose_lang(cookie=request.cookies.get(LANG_COOKIE), accept_language=request.headers.get("accept-language"))


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path == "/openapi.json":
        return False
    return "text/html" in request.headers.get("accept", "")


def create_app(config: WebConfig) -> FastAPI:
    """Build the ASGI app for ``config`` (the store is opened and migrated here, so a bad path fails now)."""
    secret = config.secret or secrets.token_bytes(32)
    provider = StoreProvider(path=config.db_path)
    provider.check()
    renderer = Renderer(secret=secret)

    app = FastAPI(
        title="Veritext",
        version=veritext.__version__,
        description=_DESCRIPTION,
        docs_url=None,  # the interactive docs load scripts from a CDN: not offline
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.config = config
    app.state.provider = provider
    app.state.renderer = renderer
    app.state.secret = secret

    app.include_router(api.router)
    app.include_router(pages.router)
    static_dir = resources.files("veritext.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")

    def error_page(status: int, detail: I18nText, lang: str) -> bytes:
        return renderer.error_html(status=status, detail=detail, lang=lang).encode("utf-8")

    def respond(request: Request, err: WebError) -> Response:
        if _wants_html(request):
            html = renderer.error_html(status=err.status, detail=err.detail, lang=_lang(request))
            return HTMLResponse(html, status_code=err.status, headers=err.headers)
        return problem_response(
            status=err.status,
            slug=err.slug,
            detail=err.detail,
            lang=_lang(request),
            instance=request.url.path,
            errors=err.errors,
            headers=err.headers,
        )

    async def on_web_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebError)
        return respond(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        raw = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in raw):
            return respond(
                request,
                WebError(
                    status=400,
                    slug="malformed-json",
                    detail=I18nText(zh="请求体不是有效的 JSON。", en="The request body is not valid JSON."),
                ),
            )
        errors = [
            {
                "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in raw[:50]
        ]
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
        return respond(
            request,
            WebError(
                status=422,
                slug="validation-error",
                detail=I18nText(zh=f"请求中有字段无效：{where}", en=f"Some fields are invalid: {where}"),
                errors=errors,
            ),
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        headers = dict(exc.headers or {})
        if status == 413:
            err = WebError.from_key(
                status=413, slug="payload-too-large", key="err_too_large", limit=_size(config.max_body_bytes)
            )
        elif status == 404:
            err = WebError.from_key(status=404, slug="not-found", key="err_not_found")
        else:
            phrase = HTTPStatus(status).phrase
            text = exc.detail if isinstance(exc.detail, str) and exc.detail else phrase
            err = WebError(status=status, slug=phrase.lower().replace(" ", "-"), detail=I18nText(zh=text, en=text))
        err.headers.update(headers)
        if status == 405:
            allowed = _allowed_methods(app.openapi(), request.url.path)
            if allowed:  # Starlette names only the first route's method when several share a path
                err.headers["Allow"] = allowed
        return respond(request, err)

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return respond(request, WebError.from_key(status=500, slug="internal", key="err_internal"))

    app.add_exception_handler(WebError, on_web_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)

    app.add_middleware(
        GuardMiddleware,
        token=config.token,
        allowed_hosts=config.allowed_hosts,
        max_body_bytes=config.max_body_bytes,
        render_error=error_page,
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(problem.pop("$defs", {}))
            components["Problem"] = problem
            schema["components"]["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Only when started with --token."}
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _allowed_methods(spec: dict[str, Any], path: str) -> str:
    """The methods the OpenAPI document lists for ``path`` (path parameters are all integers here)."""
    paths: dict[str, dict[str, Any]] = spec.get("paths", {})
    ops = paths.get(path)
    if ops is None:
        for template, candidate in paths.items():
            pattern = re.sub(r"\\\{[^}]*\\\}", "[0-9]+", re.escape(template))
            if re.fullmatch(pattern, path):
                ops = candidate
                break
    return ", ".join(sorted(m.upper() for m in ops or {}))


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n / 1024:g} KiB"
