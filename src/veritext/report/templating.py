"""The two Jinja2 environments the report stage renders with.

Templates come only from the package's data files; message text, senders and names are always
passed in as *values*, so text such as ``{{7*7}}`` or ``{% raw %}`` in a message is printed, never run.
Both environments are sandboxed, and the HTML one escapes every value (``autoescape=True``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["render_html", "render_text"]


@cache
def _text_env() -> jinja2.Environment:
    return ImmutableSandboxedEnvironment(
        autoescape=False,  # plain text: drafts are pasted into forms, never interpreted as markup
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _html_env() -> jinja2.Environment:
    return ImmutableSandboxedEnvironment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _compile_text(source: str) -> jinja2.Template:
    return _text_env().from_string(source)


@cache
def _compile_html(source: str) -> jinja2.Template:
    return _html_env().from_string(source)


def render_text(source: str, **values: Any) -> str:
    """Render a plain-text template from the data files with ``values``."""
    return _compile_text(source).render(**values).strip()


def render_html(source: str, **values: Any) -> str:
    """Render an HTML template from the data files; every value is HTML-escaped."""
    return _compile_html(source).render(**values)
