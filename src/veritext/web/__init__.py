"""The web page and REST API (``veritext serve``): a front end with no judgement of its own.

Every verdict shown or returned comes from :func:`veritext.triage`; this package only renders it
(HTML pages) or hands it on (``/api/v1``). Build the ASGI app with :func:`create_app`.
"""

from __future__ import annotations

from veritext.web.app import create_app
from veritext.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
