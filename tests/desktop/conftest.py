"""Fixtures for the desktop tests: each scenario runs the real app in its own subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.app_process import AppProcess, app_environment, webengine_problem


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("window") and webengine_problem():
            item.add_marker(pytest.mark.skip(reason=webengine_problem()))


@pytest.fixture
def launch_app(tmp_path):
    """Start the app (each call its own data and config folders unless given); all are killed at the end."""
    started: list[AppProcess] = []

    def launch(
        name: str = "app",
        data_dir: Path | None = None,
        config_dir: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> AppProcess:
        app = AppProcess(
            data_dir or tmp_path / name / "data",
            config_dir or tmp_path / name / "config",
            app_environment(tmp_path, **(env or {})),
        )
        started.append(app)
        return app.start()

    yield launch
    for app in started:
        app.kill()


@pytest.fixture
def session_bus(monkeypatch):
    """A private D-Bus session bus; DBUS_SESSION_BUS_ADDRESS names it for this test."""
    from tests.support.notification_service import run_session_bus

    yield from run_session_bus(monkeypatch)


@pytest.fixture
def notification_server(session_bus):
    """The stand-in notification server on that bus; `.shown` lists (app, summary, body)."""
    from tests.support.notification_service import run_notification_server

    yield from run_notification_server(session_bus)


@pytest.fixture
def file_manager(session_bus):
    """The stand-in file manager on that bus; `.shown` lists the file URIs it was asked to show."""
    from tests.support.notification_service import run_file_manager

    yield from run_file_manager(session_bus)
