"""HTML rendering: the Jinja2 environment (autoescape on for every template) and the page helpers.

Templates get the verdict as ``Verdict.to_dict()`` (the same dict the API returns and the history
stores), so a live check and a saved one render identically. Every page gets ``lang``, ``t`` (the
translator), ``csrf`` (the form token; a new one is set as a cookie) and ``here`` (where the language
switch returns to).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from veritext.decide import kind_name
from veritext.ledger import format_money
from veritext.message import I18nText
from veritext.web.highlight import reveal, segments
from veritext.web.i18n import LANG_COOKIE, UI, choose_lang, translator
from veritext.web.security import CSRF_COOKIE, CSRF_FIELD, csrf_token

__all__ = ["Renderer"]


def _money(amount: Decimal | str, currency: str) -> str:
    return format_money(amount if isinstance(amount, Decimal) else Decimal(amount), currency)


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _signed(value: float) -> str:
    return f"{value:+.1f}"


class Renderer:
    """Renders the package's templates; one per app (it holds the CSRF signing secret)."""

    def __init__(self, *, secret: bytes) -> None:
        self.secret = secret
        self.env = Environment(
            loader=PackageLoader("veritext.web", "templates"),
            autoescape=True,  # every template, whatever its file name
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["reveal"] = reveal
        self.env.filters["percent"] = _percent
        self.env.filters["signed"] = _signed
        self.env.globals["segments"] = segments
        self.env.globals["csrf_field"] = CSRF_FIELD
        self.env.globals["money"] = _money

    def lang(self, request: Request) -> str:
        """The request's interface language."""
        return choose_lang(
            cookie=request.cookies.get(LANG_COOKIE), accept_language=request.headers.get("accept-language")
        )

    def page(
        self,
        request: Request,
        template: str,
        *,
        status: int = 200,
        here: str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """A full page; sets a fresh CSRF cookie when the browser has no valid one."""
        lang = self.lang(request)
        token, is_new = csrf_token(secret=self.secret, cookie=request.cookies.get(CSRF_COOKIE))
        html = self.env.get_template(template).render(
            **self._common(lang), csrf=token, here=here or request.url.path, **context
        )
        response = HTMLResponse(html, status_code=status)
        if is_new:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", path="/")
        return response

    def error_html(self, *, status: int, detail: I18nText, lang: str) -> str:
        """The error page (no forms on it, so it needs no CSRF token)."""
        return self.env.get_template("error.html").render(
            **self._common(lang), csrf="", here="/", status=status, detail=detail.get(lang)
        )

    def _common(self, lang: str) -> Mapping[str, Any]:
        t = translator(lang)

        def kind_label(kind: str) -> str:
            return kind_name(kind).get(lang)

        def cond_label(cond: str) -> str:
            return t(cond) if cond in UI else cond

        return {"lang": lang, "t": t, "kind_label": kind_label, "cond_label": cond_label}
