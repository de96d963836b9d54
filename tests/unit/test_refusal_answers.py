"""One table says how every refusal is answered: its HTTP status and the close code of a socket it ends."""

import ast
from pathlib import Path

import pytest

from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.refusals import REFUSAL_ANSWERS, close_code, http_status

SERVER = Path(__file__).resolve().parents[2] / "server"


def test_every_error_code_has_an_answer():
    assert set(REFUSAL_ANSWERS) == set(ErrorCode)


@pytest.mark.parametrize("code", list(ErrorCode), ids=str)
def test_every_http_status_is_a_client_or_server_error(code):
    assert 400 <= http_status(code) <= 599


def test_a_refusal_with_a_close_code_of_the_same_name_closes_with_it():
    for code in ErrorCode:
        if code.name in CloseCode.__members__:
            assert close_code(code) == CloseCode[code.name], code


def test_a_refusal_with_no_close_code_of_its_own_closes_a_socket_as_a_malformed_query():
    assert close_code(ErrorCode.SENDER_TOO_LONG) == CloseCode.QUERY_INVALID
    assert close_code(ErrorCode.SECRET_INVALID) == CloseCode.QUERY_INVALID


def test_the_statuses_over_http_are_the_ones_clients_rely_on():
    assert http_status(ErrorCode.PASSWORD_REQUIRED) == 403
    assert http_status(ErrorCode.DIRECT_FORBIDDEN) == 403
    assert http_status(ErrorCode.ORIGIN_NOT_ALLOWED) == 403
    assert http_status(ErrorCode.BANNED) == 403
    assert http_status(ErrorCode.ROOM_INVALID) == 400
    assert http_status(ErrorCode.SEARCH_INVALID) == 400


def upload_refusals() -> list[tuple[str, int, str]]:
    """(where, status, code name) of every `UploadRefused(status, ErrorCode.X, ...)` in the server."""
    found = []
    for path in sorted(SERVER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "UploadRefused"):
                continue
            status, code = node.args[:2]
            if isinstance(status, ast.Constant) and isinstance(code, ast.Attribute):
                found.append((f"{path.name}:{node.lineno}", status.value, code.attr))
    return found


def test_the_upload_handlers_statuses_agree_with_the_table():
    refusals = upload_refusals()
    assert len(refusals) >= 10  # the scan finds them
    for where, status, name in refusals:
        code = ErrorCode[name]
        # A tus request missing its version (412) or sending the wrong body type (415) says so.
        expected = {400, 412, 415} if code is ErrorCode.UPLOAD_INVALID else {http_status(code)}
        assert status in expected, f"{where}: {name} answered {status}, the table says {http_status(code)}"
