"""HTML to PDF with WeasyPrint, offline: no URL is ever fetched while rendering.

WeasyPrint is imported only when a PDF is asked for, so triage and text drafts work without it.
Chinese needs a CJK font installed for fontconfig (Debian: ``fonts-wqy-microhei``); WeasyPrint
embeds the glyphs it uses.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

__all__ = ["PdfUnavailable", "cjk_font_available", "html_to_pdf"]

CJK_FONT = "WenQuanYi Micro Hei"


class PdfUnavailable(RuntimeError):
    """PDF output cannot be produced here; the message says what to install."""


@cache
def cjk_font_available() -> bool:
    """Whether fontconfig knows the Chinese font the layout asks for."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return CJK_FONT.lower() in out.lower()


def html_to_pdf(html: str) -> bytes:
    """Render ``html`` (a complete document with inline CSS) to PDF bytes."""
    try:
        import weasyprint  # type: ignore[import-untyped]
        from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise PdfUnavailable(f"PDF output needs WeasyPrint (pip install weasyprint==70.0): {exc}") from None
    if not cjk_font_available():
        raise PdfUnavailable(
            f"PDF output needs the Chinese font {CJK_FONT!r} (Debian: apt-get install fonts-wqy-microhei)"
        )
    # An empty protocol list refuses every fetch: a message can never make the renderer go online.
    fetcher = URLFetcher(allowed_protocols=())
    pdf = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without a target returns bytes
        raise PdfUnavailable("WeasyPrint returned no PDF")
    return pdf
