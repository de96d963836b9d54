"""The hosts a window trusts: first contact pins, a link pins before the first byte, a change stops."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from server.tls.pins import PINS_FILE, Changed, PinStore, Trusted

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))
HOST = "10.0.0.5:8765"


def test_first_contact_pins_the_key_presented(tmp_path: Path) -> None:
    verdict = PinStore(tmp_path).check(HOST, KEY_A)
    assert isinstance(verdict, Trusted) and verdict.first_contact
    assert verdict.pin.fingerprint == KEY_A and not verdict.pin.verified


def test_the_same_key_again_is_trusted_and_not_a_first_contact(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    pins.check(HOST, KEY_A)
    verdict = pins.check(HOST, KEY_A)
    assert isinstance(verdict, Trusted) and not verdict.first_contact


def test_another_key_for_a_pinned_host_is_a_changed_identity(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    pins.check(HOST, KEY_A)
    assert pins.check(HOST, KEY_B) == Changed(KEY_A, KEY_B)
    assert pins.get(HOST).fingerprint == KEY_A  # type: ignore[union-attr]


def test_a_link_fingerprint_refuses_another_key_at_first_contact_and_pins_nothing(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    assert pins.check(HOST, KEY_B, expected=KEY_A) == Changed(KEY_A, KEY_B, from_link=True)
    assert pins.get(HOST) is None


def test_a_link_fingerprint_that_matches_pins_it(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    verdict = pins.check(HOST, KEY_A, expected=KEY_A)
    assert isinstance(verdict, Trusted) and verdict.first_contact


def test_a_link_cannot_replace_a_pin(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    pins.check(HOST, KEY_A)
    assert pins.check(HOST, KEY_B, expected=KEY_B) == Changed(KEY_A, KEY_B)


def test_pins_are_per_address_and_port(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    pins.check(HOST, KEY_A)
    assert isinstance(pins.check("10.0.0.5:8766", KEY_B), Trusted)
    assert isinstance(pins.check("10.0.0.6:8765", KEY_B), Trusted)


def test_trusting_a_new_identity_replaces_the_pin_as_verified(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    pins.check(HOST, KEY_A)
    pins.trust(HOST, KEY_B)
    verdict = pins.check(HOST, KEY_B)
    assert isinstance(verdict, Trusted) and verdict.pin.verified


def test_verified_is_a_state_people_set_and_unset(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    assert pins.set_verified(HOST, True) is None  # nothing pinned yet
    pins.check(HOST, KEY_A)
    assert pins.set_verified(HOST, True).verified  # type: ignore[union-attr]
    assert not PinStore(tmp_path).set_verified(HOST, False).verified  # type: ignore[union-attr]


def test_pins_survive_a_restart_in_a_file_only_the_user_reads(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    pins.check(HOST, KEY_A)
    pins.set_verified(HOST, True)
    again = PinStore(tmp_path).get(HOST)
    assert again is not None and again.fingerprint == KEY_A and again.verified and again.first_seen
    assert stat.S_IMODE((tmp_path / PINS_FILE).stat().st_mode) == 0o600


def test_a_damaged_pins_file_stops_rather_than_trusting_anyone(tmp_path: Path) -> None:
    (tmp_path / PINS_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read"):
        PinStore(tmp_path)


def test_an_unreadable_entry_is_left_out_and_the_others_kept(tmp_path: Path) -> None:
    PinStore(tmp_path).check(HOST, KEY_A)
    saved = json.loads((tmp_path / PINS_FILE).read_text())
    saved["hosts"]["10.0.0.9:1"] = {"fingerprint": "short"}
    (tmp_path / PINS_FILE).write_text(json.dumps(saved))
    pins = PinStore(tmp_path)
    assert pins.get(HOST) is not None and pins.get("10.0.0.9:1") is None


def test_host_keys_ignore_case(tmp_path: Path) -> None:
    pins = PinStore(tmp_path)
    pins.check("PC-Anna.local:8765", KEY_A)
    assert pins.get("pc-anna.local:8765") is not None


def test_the_window_starts_with_a_damaged_pins_file_kept_aside_and_no_pins(tmp_path: Path) -> None:
    (tmp_path / PINS_FILE).write_text("{not json")
    pins = PinStore.open_or_set_aside(tmp_path)
    assert pins.get(HOST) is None
    (aside,) = tmp_path.glob(f"{PINS_FILE}.damaged-*")
    assert aside.read_text() == "{not json"
    assert isinstance(pins.check(HOST, KEY_A), Trusted)
