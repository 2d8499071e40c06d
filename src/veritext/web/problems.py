"""Errors as RFC 9457 problem details (``application/problem+json``), in Chinese and English.

Code anywhere in the web package raises :class:`WebError`; the app's exception handlers turn it (and
FastAPI's own validation and HTTP errors) into a problem document for the API, or an error page for
the browser. ``detail`` is in the request's language; ``detail_i18n`` carries both. A problem never
echoes the submitted values back (they are attacker-controlled and may not even encode).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from veritext.message import I18nText
from veritext.web.i18n import UI

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "FieldError",
    "Problem",
    "WebError",
    "problem_response",
    "problem_responses",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_PREFIX = "urn:veritext:problem:"


class WebError(Exception):
    """An error to show the caller: HTTP ``status``, a ``slug`` naming the problem type, a bilingual detail."""

    def __init__(
        self,
        *,
        status: int,
        slug: str,
        detail: I18nText,
        errors: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail.en)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.errors = tuple(errors)
        self.headers = dict(headers or {})

    @classmethod
    def from_key(
        cls, *, status: int, slug: str, key: str, headers: Mapping[str, str] | None = None, **values: object
    ) -> WebError:
        """A :class:`WebError` whose detail is the interface string ``key`` (see :mod:`veritext.web.i18n`)."""
        zh, en = UI[key]
        return cls(
            status=status,
            slug=slug,
            detail=I18nText(zh=zh.format(**values), en=en.format(**values)),
            headers=headers,
        )


class FieldError(BaseModel):
    """One invalid part of the request: where it is and what is wrong with it."""

    model_config = ConfigDict(extra="forbid")

    loc: list[str | int] = Field(description="Where: e.g. ['body', 'messages', 0, 'text'].")
    msg: str = Field(description="What is wrong, in English.")
    type: str = Field(description="A machine-readable error code.")


class DetailI18n(BaseModel):
    """The detail in both interface languages."""

    model_config = ConfigDict(extra="forbid")

    zh: str
    en: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="A URI naming the problem type, e.g. urn:veritext:problem:payload-too-large.")
    title: str = Field(description="The HTTP status phrase.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong and what to do, in the request's language.")
    instance: str = Field(description="The request path.")
    detail_i18n: DetailI18n = Field(description="The detail in Chinese and English.")
    errors: list[FieldError] | None = Field(default=None, description="Each invalid field (validation errors).")


def problem_response(
    *,
    status: int,
    slug: str,
    detail: I18nText,
    lang: str,
    instance: str,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The ``application/problem+json`` response for one problem."""
    body: dict[str, Any] = {
        "type": _TYPE_PREFIX + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail.get(lang),
        "instance": instance,
        "detail_i18n": detail.to_dict(),
    }
    if errors:
        body["errors"] = [dict(e) for e in errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {}))


_DESCRIPTIONS = {
    400: "Malformed JSON, a body that cannot be parsed, or a Host header the server does not answer to.",
    401: "An access token is required (the server was started with --token) and was missing or wrong.",
    403: "Refused as cross-site (an Origin from another site) or a form without a valid CSRF token.",
    404: "No such item.",
    405: "The method is not allowed on this path.",
    413: "The request body is larger than the server's limit.",
    415: "The body is not application/json.",
    422: "The request is well-formed JSON but a field is invalid (each one is listed in `errors`).",
    500: "An internal error; nothing was changed.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting these error statuses as problem documents."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
