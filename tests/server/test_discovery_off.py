"""Discovery switched off (LANCHAT_DISCOVERY=off, as conftest sets for every test): nothing announces
or browses, and the server says so rather than failing. Loopback only."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request

import pytest

from server.peers.discovery import MAX_INSTANCE_NAME_BYTES, instance_name


def get_json(url: str, headers: dict[str, str] | None = None) -> dict:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
        return json.loads(response.read())


def test_every_test_runs_with_discovery_off():
    assert os.environ["LANCHAT_DISCOVERY"] == "off"


def test_announce_and_browse_with_discovery_off_start_nothing_and_the_server_still_serves(serve_process):
    server = serve_process(extra_args=("--announce", "--browse"))
    assert get_json(f"{server.url}api/discovered") == {"browsing": False, "hosts": []}
    assert get_json(f"{server.url}api/hosts") == {"hosts": []}, "nothing to tell while off"
    assert "name" not in get_json(f"{server.url}api/health"), "not announcing"
    deadline = time.monotonic() + 10
    while not any("not announcing: discovery is off" in line for line in server.output):
        assert time.monotonic() < deadline, server.output
        time.sleep(0.05)
    assert not any(line.startswith("announcing as") for line in server.output)


def test_a_display_name_of_exactly_the_dns_label_limit_is_kept_whole():
    name = "a" * MAX_INSTANCE_NAME_BYTES
    assert instance_name(name) == name


def test_a_display_name_one_byte_over_the_limit_loses_whole_characters_only():
    assert instance_name("a" * MAX_INSTANCE_NAME_BYTES + "b") == "a" * MAX_INSTANCE_NAME_BYTES
    # Cyrillic letters are 2 bytes: 32 of them are 64 bytes, so one goes.
    assert instance_name("я" * 32) == "я" * 31


def test_the_discovered_list_is_given_to_this_machine_s_pages_and_refused_to_a_lan_page(serve_process):
    server = serve_process()
    url = f"{server.url}api/discovered"
    assert get_json(url, {"Origin": "http://127.0.0.1:5173"})["hosts"] == []
    assert get_json(url, {"Origin": "http://localhost:5173"})["hosts"] == []
    # A page from another machine open in this machine's browser reaches loopback too.
    with pytest.raises(urllib.error.HTTPError) as refused:
        get_json(url, {"Origin": "http://192.168.1.20:8765"})
    assert refused.value.code == 403
