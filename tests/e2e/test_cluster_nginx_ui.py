"""A person in Debian's Chromium on a cluster through nginx (docs/cluster/nginx.conf in front of
two real nodes on one PostgreSQL and one files folder): the page, its room socket and its upload
(tus-js-client's POST and PATCH) all go through nginx, whatever node each reaches; the file comes
back through nginx with the same bytes, and the history read through nginx carries it."""

from __future__ import annotations

import hashlib
import ssl

import httpx
import pytest

from tests.support.browser import join_room, send_message
from tests.support.nginx import CLUSTER_NAME, nodes_behind_nginx

pytestmark = pytest.mark.browser
expect = pytest.importorskip(
    "playwright.sync_api", reason="the Python package `playwright` is not installed"
).expect


def test_a_person_in_chromium_chats_and_sends_a_file_through_nginx(
    serve_process, postgres_url, new_page, tmp_path
):
    with nodes_behind_nginx(serve_process, postgres_url, tmp_path) as (nginx, _, cert):
        # The cluster's address as a person opens it; the certificate is the cluster's own (the
        # person accepted it, as for any certificate no authority signed).
        url = f"https://127.0.0.1:{nginx.port}/"
        anna = new_page(accepted_certificate=True)
        join_room(anna, url, "Anna", "cluster")
        send_message(anna, "hello through nginx")
        expect(anna.get_by_test_id("message").filter(has_text="hello through nginx")).to_have_count(1)

        report = tmp_path / "report.bin"
        report.write_bytes(bytes(range(256)) * 6000)
        anna.get_by_test_id("attach-input").set_input_files(str(report))
        card = anna.get_by_test_id("file-card")
        expect(card).to_have_count(1, timeout=30_000)
        expect(anna.get_by_test_id("uploads")).to_have_count(0, timeout=30_000)

        with httpx.Client(
            base_url=url.rstrip("/"), verify=ssl.create_default_context(cafile=str(cert)), timeout=30
        ) as client:
            client.headers["Host"] = f"{CLUSTER_NAME}:{nginx.port}"
            messages = client.get("/api/rooms/cluster/messages").json()["messages"]
            (attachment,) = [a for m in messages for a in m.get("attachments", [])]
            assert attachment["name"] == "report.bin"
            download = client.get(attachment["url"])
        assert hashlib.sha256(download.content).digest() == hashlib.sha256(report.read_bytes()).digest()
        assert not anna.page_errors
