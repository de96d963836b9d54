"""server/addresses.py: every spelling of an address means the address it hides."""

import pytest

from server.addresses import ip_of, is_local_client, is_loopback_host, is_unspecified_host
from server.peers.directory import HostDirectory, peer_name, shareable_address


@pytest.mark.parametrize(
    "spelling",
    [
        "127.0.0.1",
        "::1",
        "[::1]",
        "::ffff:127.0.0.1",
        "::127.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::7f00:1",
        "localhost",
    ],
)
def test_every_spelling_of_loopback_is_loopback(spelling):
    assert is_loopback_host(spelling)
    assert not shareable_address(spelling)


@pytest.mark.parametrize("spelling", ["0.0.0.0", "::", "", "::ffff:0.0.0.0"])
def test_every_spelling_of_every_interface_is_unspecified(spelling):
    assert is_unspecified_host(spelling)


def test_a_lan_address_in_an_ipv6_spelling_is_that_lan_address():
    assert str(ip_of("::ffff:10.0.0.5")) == "10.0.0.5"
    assert str(ip_of("64:ff9b::a00:5")) == "10.0.0.5"
    assert shareable_address("::ffff:10.0.0.5")
    assert not is_loopback_host("10.0.0.5") and not is_loopback_host("fd00::5")


def test_a_client_that_is_no_ip_address_never_came_over_the_network():
    assert is_local_client(None) and is_local_client("testclient")
    assert is_local_client("::ffff:127.0.0.1")
    assert not is_local_client("10.0.0.5")


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::ffff:127.0.0.1", "169.254.1.1", "224.0.0.251", "0.0.0.0"]
)
def test_mdns_naming_an_address_no_peer_can_reach_makes_no_entry(address):
    assert HostDirectory("me").offer(address, 8765, "found", 0.0) is None


def test_one_host_named_in_two_spellings_is_one_entry():
    directory = HostDirectory("me")
    directory.offer("10.0.0.5", 8765, "found", 0.0)
    directory.offer("::ffff:10.0.0.5", 8765, "peer", 0.0)
    assert [(h.address, h.sources) for h in directory.entries()] == [("10.0.0.5", {"found", "peer"})]


def test_a_peer_given_name_loses_its_controls_and_stops_at_a_dns_label():
    assert peer_name("Kitchen\u202e\u0000 PC") == "Kitchen PC"
    assert peer_name("y" * 1000) == "y" * 63
    assert peer_name(42) == ""
