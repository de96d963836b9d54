"""The host policy alone: which Host headers and Origins are this server's own names."""

from __future__ import annotations

import pytest

from server.web.host_header import HostPolicy, host_name, machine_names

POLICY = HostPolicy.of(["lanchat-pc", "lanchat-pc.local", "chat.home.arpa"])


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:8765",
        "127.0.0.1",
        "192.168.1.5:8765",
        "[::1]:8765",
        "localhost:8765",
        "LOCALHOST",
        "lanchat-pc:8765",
        "Lanchat-PC.local:8765",
        "chat.home.arpa",
    ],
)
def test_addresses_localhost_and_the_listed_names_are_answered(host):
    assert POLICY.allows_host(host)


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "evil.example:8765",
        "192.168.1.5.nip.io:8765",
        "other-pc:8765",
        "lanchat-pc.evil.example",
        "127.0.0.1:notaport",
        "evil.example/..",
        "user@127.0.0.1",
    ],
)
def test_any_other_host_header_is_refused(host):
    assert not POLICY.allows_host(host)


def test_an_origin_is_the_same_origin_only_when_its_name_is_on_the_list():
    assert POLICY.lists_origin("http://lanchat-pc.local:8765")
    assert POLICY.lists_origin("https://chat.home.arpa")
    assert not POLICY.lists_origin("http://evil.example:8765")
    assert not POLICY.lists_origin("null")


def test_host_name_drops_the_port_and_the_brackets():
    assert host_name("[::1]:8765") == "::1"
    assert host_name("Example.COM.:80") == "example.com"


def test_this_machines_names_include_its_mdns_name():
    names = machine_names()
    assert any(name.endswith(".local") for name in names)
