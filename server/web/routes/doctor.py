"""GET /api/diagnose: which step of reaching a host fails (server/peers/doctor.py), for this machine only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from server.peers.doctor import DOCTOR_HEADER, DoctorBusy, ExpectedFrom, may_diagnose, parse_address
from server.protocol.limits import PROTOCOL_VERSION
from server.tls.safety_code import fingerprint_from_link
from server.web.state import Services, WebState, running, web_state

__all__ = ["router"]

router = APIRouter()


@router.get("/api/diagnose", response_model=None)
async def diagnose(
    request: Request,
    services: Annotated[Services, Depends(running)],
    state: Annotated[WebState, Depends(web_state)],
    address: str = "",
    v: int = PROTOCOL_VERSION,
    fp: str = "",
    fp_from: str = ExpectedFrom.LINK.value,
) -> Any:
    """Which step of reaching `address` fails: asked by this machine's own page, with DOCTOR_HEADER.
    `fp`: the host's key the page expects (a link's `#fp=`), compared after the handshake; `fp_from`
    says where the page had it (`link` or `list`). In the window the window's pin for `address`
    comes first, as in its gateway: a link never replaces it. The answer's `expected_from` says
    which of the three the host was held to, so the page can say so."""
    if not may_diagnose(request):
        message = f"only this machine's own page may ask, with the {DOCTOR_HEADER} header"
        return JSONResponse({"error": message}, status_code=403)
    try:
        parse_address(address)
    except ValueError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    try:
        expected = fingerprint_from_link(fp) if fp else None
    except ValueError:
        return JSONResponse({"error": "fp must be a fingerprint as a join link carries it"}, status_code=400)
    if fp_from not in (ExpectedFrom.LINK, ExpectedFrom.LIST):
        return JSONResponse({"error": f"fp_from must be link or list, not {fp_from!r}"}, status_code=400)
    expected_from = ExpectedFrom(fp_from)
    pins = state.discovery.pins
    pin = None if pins is None else pins.get(address)
    if pin is not None:
        expected, expected_from = pin.fingerprint, ExpectedFrom.PIN
    # The Origin the page's own socket will send: a cross-origin page names it, our own does not.
    origin = request.headers.get("origin") or f"http://{request.headers.get('host', '')}"
    try:
        diagnosis = await services.doctor.diagnose(address, origin, v, expected, expected_from)
    except DoctorBusy:
        return JSONResponse({"error": "another check is running"}, status_code=429)
    return diagnosis.as_json()
