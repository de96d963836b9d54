"""The directory of known hosts: what is listed as live, what is shared, and its limits."""

from __future__ import annotations

import pytest

from server.peers.directory import MAX_KNOWN_HOSTS, PEER_FORGET_SECONDS, HostDirectory, parse_host_port
from server.tls.safety_code import fingerprint_in_link, safety_code

NOW = 1_700_000_000.0
KEY = bytes(range(32))  # a host's fingerprint
OTHER_KEY = bytes(range(1, 33))


def answered(directory: HostDirectory, address: str, port: int = 8765, instance: str | None = None):
    host = directory.get(address, port)
    assert host is not None
    directory.answered(host, NOW, name=f"host {address}", protocol=2, instance=instance or address)
    return host


def test_a_host_is_listed_only_once_it_answered_a_probe_and_not_after_one_fails():
    directory = HostDirectory("me")
    host = directory.offer("10.0.0.5", 8765, "found", NOW, name="Kitchen")
    assert directory.live() == []
    answered(directory, "10.0.0.5")
    assert [h.address for h in directory.live()] == ["10.0.0.5"]
    directory.failed(host)
    assert directory.live() == []


def test_this_process_is_never_listed_though_it_hears_its_own_announcement():
    directory = HostDirectory("me")
    directory.offer("10.0.0.5", 8765, "found", NOW)
    answered(directory, "10.0.0.5", instance="me")
    assert directory.live() == [] and directory.shared() == []


def test_one_host_reached_at_two_addresses_is_listed_once_under_its_best_source():
    directory = HostDirectory("me")
    directory.offer("10.0.0.5", 8765, "peer", NOW)
    directory.offer("10.0.1.5", 8765, "found", NOW)
    answered(directory, "10.0.0.5", instance="same")
    answered(directory, "10.0.1.5", instance="same")
    assert [(h.address, h.source) for h in directory.live()] == [("10.0.1.5", "found")]


def test_a_peer_may_not_name_loopback_link_local_multicast_or_dns_names():
    directory = HostDirectory("me")
    for address in ("127.0.0.1", "169.254.1.1", "224.0.0.251", "0.0.0.0", "evil.example", "::1"):
        assert directory.offer(address, 8765, "peer", NOW) is None, address
    assert directory.offer("10.0.0.5", 0, "peer", NOW) is None
    assert len(directory) == 0


def test_a_remembered_loopback_host_is_listed_here_but_never_shared():
    directory = HostDirectory("me")
    directory.remember([("127.0.0.1", 9000)], NOW)
    answered(directory, "127.0.0.1", 9000)
    assert [h.port for h in directory.live()] == [9000]
    assert directory.shared() == []


def test_exactly_the_limit_of_peer_entries_is_kept_and_one_more_is_refused():
    directory = HostDirectory("me")
    for n in range(MAX_KNOWN_HOSTS):
        assert directory.offer(f"10.0.{n // 250}.{n % 250 + 1}", 8765, "peer", NOW) is not None
    assert directory.offer("10.9.9.9", 8765, "peer", NOW) is None
    assert len(directory) == MAX_KNOWN_HOSTS


def test_at_the_limit_a_host_seen_here_pushes_out_the_oldest_peer_entry():
    directory = HostDirectory("me")
    for n in range(MAX_KNOWN_HOSTS):
        directory.offer(f"10.0.{n // 250}.{n % 250 + 1}", 8765, "peer", NOW + n)
    assert directory.offer("10.9.9.9", 8765, "found", NOW) is not None
    assert len(directory) == MAX_KNOWN_HOSTS
    assert directory.get("10.0.0.1", 8765) is None  # offered first
    assert directory.get("10.0.0.2", 8765) is not None


def test_a_goodbye_removes_a_found_host_at_once_and_leaves_a_remembered_one_to_be_probed():
    directory = HostDirectory("me")
    directory.offer("10.0.0.5", 8765, "found", NOW, service="a._lanchat._tcp.local.")
    directory.remember([("10.0.0.6", 8765)], NOW)
    directory.offer("10.0.0.6", 8765, "found", NOW, service="b._lanchat._tcp.local.")
    answered(directory, "10.0.0.5")
    answered(directory, "10.0.0.6")
    assert directory.withdraw_service("a._lanchat._tcp.local.") == []
    assert directory.get("10.0.0.5", 8765) is None
    left = directory.withdraw_service("b._lanchat._tcp.local.")
    assert [h.address for h in left] == ["10.0.0.6"] and not left[0].live


def test_remembering_a_new_list_forgets_hosts_no_longer_in_it():
    directory = HostDirectory("me")
    directory.remember([("10.0.0.5", 8765), ("10.0.0.6", 8765)], NOW)
    assert [h.address for h in directory.remember([("10.0.0.6", 8765), ("10.0.0.7", 1)], NOW)] == ["10.0.0.7"]
    assert directory.get("10.0.0.5", 8765) is None


def test_a_peer_entry_silent_for_longer_than_the_forget_time_goes_and_not_a_moment_before():
    directory = HostDirectory("me")
    directory.offer("10.0.0.5", 8765, "peer", NOW)
    directory.forget_stale(NOW + PEER_FORGET_SECONDS)
    assert directory.get("10.0.0.5", 8765) is not None
    directory.forget_stale(NOW + PEER_FORGET_SECONDS + 1)
    assert directory.get("10.0.0.5", 8765) is None


def test_shared_entries_say_address_port_name_protocol_when_they_last_answered_and_their_key_only():
    directory = HostDirectory("me")
    directory.offer("10.0.0.5", 8765, "remembered", NOW)
    directory.offer("10.0.0.6", 8765, "found", NOW, fingerprint=KEY)
    answered(directory, "10.0.0.5")
    answered(directory, "10.0.0.6")
    assert directory.shared() == [
        {
            "name": "host 10.0.0.5",
            "address": "10.0.0.5",
            "port": 8765,
            "protocol": 2,
            "last_answered": int(NOW),
            "fingerprint": None,  # never probed over TLS: not known yet
            "safety_code": None,
        },
        {
            "name": "host 10.0.0.6",
            "address": "10.0.0.6",
            "port": 8765,
            "protocol": 2,
            "last_answered": int(NOW),
            "fingerprint": fingerprint_in_link(KEY),
            "safety_code": safety_code(KEY),
        },
    ]


def test_a_hosts_own_announcement_names_its_key_and_a_peer_only_fills_a_gap():
    directory = HostDirectory("me")
    directory.offer("10.0.0.5", 8765, "peer", NOW, fingerprint=KEY)
    directory.offer("10.0.0.5", 8765, "peer", NOW, fingerprint=OTHER_KEY)
    host = directory.get("10.0.0.5", 8765)
    assert host is not None and host.fingerprint == KEY
    directory.offer("10.0.0.5", 8765, "found", NOW, fingerprint=OTHER_KEY)
    assert host.fingerprint == OTHER_KEY


def test_a_changed_identity_is_not_listed_until_the_host_announces_its_new_key():
    directory = HostDirectory("me")
    host = directory.offer("10.0.0.5", 8765, "found", NOW, fingerprint=KEY)
    assert host is not None
    answered(directory, "10.0.0.5")
    directory.identity_changed(host)
    assert directory.live() == [] and host.identity_changed
    directory.offer("10.0.0.5", 8765, "peer", NOW, fingerprint=OTHER_KEY)  # hearsay changes nothing
    assert (host.fingerprint, host.identity_changed) == (KEY, True)
    directory.offer("10.0.0.5", 8765, "found", NOW, fingerprint=OTHER_KEY)
    assert (host.fingerprint, host.identity_changed) == (OTHER_KEY, False)


def test_a_changed_identity_is_listed_for_this_window_as_changed_and_never_shared():
    directory = HostDirectory("me")
    host = directory.offer("10.0.0.5", 8765, "remembered", NOW, fingerprint=KEY)
    assert host is not None
    answered(directory, "10.0.0.5")
    directory.identity_changed(host, OTHER_KEY)
    assert directory.changed() == [host] and host.presented == OTHER_KEY
    assert directory.shared() == []
    # A probe that gets through again (the person trusted the new key) clears it.
    answered(directory, "10.0.0.5")
    assert directory.changed() == [] and host.presented is None


def test_this_process_is_never_listed_as_changed():
    directory = HostDirectory("me")
    host = directory.offer("10.0.0.5", 8765, "found", NOW)
    assert host is not None
    answered(directory, "10.0.0.5", instance="me")
    directory.identity_changed(host, OTHER_KEY)
    assert directory.changed() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.5:8765", ("10.0.0.5", 8765)),
        ("[fd00::5]:1", ("fd00::5", 1)),
        ("pc.lan:65535", ("pc.lan", 65535)),
    ],
)
def test_host_and_port_are_read_from_what_the_user_typed(text, expected):
    assert parse_host_port(text) == expected


@pytest.mark.parametrize("text", ["10.0.0.5", "10.0.0.5:0", "10.0.0.5:65536", ":8765", "10.0.0.5:x"])
def test_a_host_without_a_valid_port_is_refused(text):
    with pytest.raises(ValueError, match="ADDRESS:PORT"):
        parse_host_port(text)
