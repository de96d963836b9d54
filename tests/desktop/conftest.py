"""Fixtures for the desktop tests: each scenario runs the real app in its own subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

from .app_process import AppProcess, app_environment, webengine_problem


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("display") and webengine_problem():
            item.add_marker(pytest.mark.skip(reason=webengine_problem()))


@pytest.fixture
def launch_app(tmp_path):
    """Start the app (each call its own data and config folders unless given); all are killed at the end."""
    started: list[AppProcess] = []

    def launch(name: str = "app", data_dir: Path | None = None, config_dir: Path | None = None) -> AppProcess:
        app = AppProcess(
            data_dir or tmp_path / name / "data",
            config_dir or tmp_path / name / "config",
            app_environment(tmp_path),
        )
        started.append(app)
        return app.start()

    yield launch
    for app in started:
        app.kill()
