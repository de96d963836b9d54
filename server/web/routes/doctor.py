"""GET /api/diagnose: which step of reaching a host fails (server/peers/doctor.py), for this machine only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from server.peers.doctor import DOCTOR_HEADER, DoctorBusy, may_diagnose, parse_address
from server.protocol.limits import PROTOCOL_VERSION
from server.web.state import Services, running

__all__ = ["router"]

router = APIRouter()


@router.get("/api/diagnose", response_model=None)
async def diagnose(
    request: Request,
    services: Annotated[Services, Depends(running)],
    address: str = "",
    v: int = PROTOCOL_VERSION,
) -> Any:
    """Which step of reaching `address` fails: asked by this machine's own page, with DOCTOR_HEADER."""
    if not may_diagnose(request):
        message = f"only this machine's own page may ask, with the {DOCTOR_HEADER} header"
        return JSONResponse({"error": message}, status_code=403)
    try:
        parse_address(address)
    except ValueError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    # The Origin the page's own socket will send: a cross-origin page names it, our own does not.
    origin = request.headers.get("origin") or f"http://{request.headers.get('host', '')}"
    try:
        diagnosis = await services.doctor.diagnose(address, origin, v)
    except DoctorBusy:
        return JSONResponse({"error": "another check is running"}, status_code=429)
    return diagnosis.as_json()
