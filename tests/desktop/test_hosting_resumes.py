"""A window closed while hosting hosts again when it starts (guests reconnect by themselves), and
one whose person stopped hosting does not."""

from __future__ import annotations

import pytest

from tests.support.ports import free_port, listening_ports
from tests.support.waiting import wait_for

pytestmark = pytest.mark.window


def test_hosting_left_on_comes_back_after_a_restart_and_stopping_it_is_remembered(launch_app, tmp_path):
    data, config = tmp_path / "data", tmp_path / "config"
    port = free_port()
    first = launch_app(data_dir=data, config_dir=config)
    assert first.api("start_hosting", port)["hosting"] is True
    first.command("close")
    assert first.wait_exit(10) == 0

    second = launch_app(data_dir=data, config_dir=config)
    # The page asks for the status as it loads; that brings hosting back, on the same port.
    wait_for(lambda: ("0.0.0.0", port) in listening_ports(second.pid), 15, "hosting resumes on its port")
    status = second.api("host_status")
    assert (status["hosting"], status["port"]) == (True, port)
    second.api("stop_hosting")
    second.command("close")
    assert second.wait_exit(10) == 0

    third = launch_app(data_dir=data, config_dir=config)
    assert third.api("host_status")["hosting"] is False
    assert ("0.0.0.0", port) not in listening_ports(third.pid)
