"""The UI's files forbid foreign scripts, sniffing and framing; the API's own docs are off."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from server.web.static import CONTENT_SECURITY_POLICY

UI_SOURCE = Path(__file__).resolve().parents[2] / "ui" / "index.html"
UI_BUILT = UI_SOURCE.parent / "dist" / "index.html"


def test_the_ui_page_carries_a_content_security_policy_nosniff_and_no_framing(server):
    response = httpx.get(server.url)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["docs", "redoc", "openapi.json"])
def test_the_generated_api_docs_are_not_served(server, path):
    response = httpx.get(server.url + path)
    assert "swagger" not in response.text.lower() and '"openapi"' not in response.text


def _meta_policy(html: str) -> str:
    match = re.search(r'<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"', html)
    assert match, "index.html carries no Content-Security-Policy meta"
    return match.group(1)


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("index", [UI_SOURCE, UI_BUILT], ids=["source", "built"])
def test_index_html_carries_the_headers_policy_for_pages_served_without_our_headers(index):
    if index == UI_BUILT and not index.is_file():
        pytest.fail("the Vue UI is not built (ui/dist): run make ui")
    meta = _directives(_meta_policy(index.read_text(encoding="utf-8")))
    header = _directives(CONTENT_SECURITY_POLICY)
    # frame-ancestors is a directive a meta policy cannot carry (browsers ignore it there).
    assert header.pop("frame-ancestors") == "'none'"
    # pywebview's evaluate_js and bridge replies use eval(); the header alone still refuses it.
    assert meta.pop("script-src") == header.pop("script-src") + " 'unsafe-eval'"
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY.split()
    assert meta == header
    # Joining by address connects to other hosts: WebSockets and HTTP to any of them.
    assert {"ws:", "wss:", "http:"} <= set(meta["connect-src"].split())
