"""A Refused raised by the rules, as the HTTP answer of a route: its status from the refusal table."""

from __future__ import annotations

from fastapi import HTTPException

from server.protocol.refusals import Refused, http_status

__all__ = ["http_refusal"]


def http_refusal(refusal: Refused) -> HTTPException:
    """`{"detail": {"code": ..., "detail": ...}}` with the code's status (server/protocol/refusals.py)."""
    return HTTPException(http_status(refusal.code), detail={"code": refusal.code, "detail": refusal.detail})
