"""The UI's files forbid foreign scripts, sniffing and framing; the API's own docs are off."""

from __future__ import annotations

import httpx
import pytest

from server.static import CONTENT_SECURITY_POLICY


@pytest.fixture
def server(serve_process):
    return serve_process()


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
