"""`make install-linux` puts the frozen app in the desktop menus with a valid launcher."""

from __future__ import annotations

import configparser
import shutil
import subprocess

import pytest

from tests.support.server_process import FROZEN_APP as APP
from tests.support.server_process import REPO_ROOT


@pytest.mark.skipif(not APP.exists(), reason=f"{APP} is not built: run `make app` (make test builds it)")
def test_install_linux_writes_a_valid_launcher_that_runs_the_app(tmp_path):
    validate = shutil.which("desktop-file-validate")
    if validate is None:
        pytest.skip("desktop-file-validate is missing (Debian package desktop-file-utils)")
    prefix = tmp_path / "prefix"
    subprocess.run(
        ["make", "--no-print-directory", "install-linux", f"PREFIX={prefix}"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    launcher = prefix / "share" / "applications" / "lanchat.desktop"
    subprocess.run([validate, str(launcher)], check=True)
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(launcher, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Icon"] == "lanchat" and desktop["Terminal"] == "false"
    assert (prefix / "share" / "icons" / "hicolor" / "256x256" / "apps" / "lanchat.png").is_file()
    help_text = subprocess.run([desktop["Exec"], "--help"], check=True, capture_output=True, text=True).stdout
    assert "serve" in help_text
