"""CORS for the pages `origin_allowed` admits (this machine, the local network), not any site."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware

from server.web.origin import origin_allowed

__all__ = ["LocalNetworkCORS"]


class LocalNetworkCORS(CORSMiddleware):
    """Starlette's CORS, with `origin_allowed` deciding which origins it grants."""

    def is_allowed_origin(self, origin: str) -> bool:
        return origin_allowed(origin)
