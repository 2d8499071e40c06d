"""What the app keeps on ``app.state`` (set up in :mod:`veritext.web.app`), typed for the route modules."""

from __future__ import annotations

from fastapi import Request

from veritext.web.config import WebConfig
from veritext.web.storage import StoreProvider


def provider(request: Request) -> StoreProvider:
    """The per-app store provider."""
    found: StoreProvider = request.app.state.provider
    return found


def config(request: Request) -> WebConfig:
    """The app's configuration."""
    found: WebConfig = request.app.state.config
    return found
