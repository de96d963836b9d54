"""The .deb built from the frozen app with dpkg-deb: its contents, and a real install, a headless
start of the installed command, and a clean removal (as root, which CI is)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support.server_process import FROZEN_APP, REPO_ROOT, ServeProcess

pytestmark = [
    pytest.mark.skipif(not FROZEN_APP.exists(), reason=f"{FROZEN_APP} is not built: run `make app`"),
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs Debian's dpkg-deb"),
    pytest.mark.serial,  # dpkg takes the system's package lock
]

INSTALLED = Path("/opt/lanchat")
MENU_ENTRY = "/usr/share/applications/lanchat.desktop"
ICON = "/usr/share/icons/hicolor/256x256/apps/lanchat.png"


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("deb") / "lanchat_amd64.deb"
    subprocess.run(
        [sys.executable, "desktop/linux/build_deb.py", str(FROZEN_APP.parent), str(target)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    return target


def test_the_package_holds_the_app_its_command_menu_entry_and_icon(deb):
    listed = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout
    for path in (
        "./opt/lanchat/lanchat",
        "./usr/bin/lanchat -> /opt/lanchat/lanchat",
        f".{MENU_ENTRY}",
        f".{ICON}",
    ):
        assert path in listed, path
    fields = subprocess.run(["dpkg-deb", "-f", str(deb)], check=True, capture_output=True, text=True).stdout
    assert "Package: lanchat" in fields and "libnss3" in fields
    entry = subprocess.run(
        f"dpkg-deb --fsys-tarfile '{deb}' | tar -xO .{MENU_ENTRY}",
        shell=True,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Exec=/usr/bin/lanchat\n" in entry  # the menu runs the installed command


@pytest.mark.skipif(os.geteuid() != 0, reason="installing a package needs root (CI runs as root)")
def test_it_installs_runs_headless_and_removes_cleanly(deb, tmp_path):
    if subprocess.run(["dpkg", "-s", "lanchat"], capture_output=True).returncode == 0:
        pytest.fail(
            "a lanchat package is installed already: remove it first (dpkg -r lanchat)", pytrace=False
        )
    subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True)
    try:
        assert Path(MENU_ENTRY).is_file() and Path(ICON).is_file()
        server = ServeProcess(tmp_path / "data", command=("/usr/bin/lanchat", "serve")).start(timeout=60)
        try:
            with urllib.request.urlopen(server.url + "api/health", timeout=10) as answer:
                assert json.loads(answer.read())["status"] == "ok"
        finally:
            server.stop()
    finally:
        subprocess.run(["dpkg", "--purge", "lanchat"], check=True, capture_output=True)
    assert not INSTALLED.exists() and not Path("/usr/bin/lanchat").exists()
    assert not Path(MENU_ENTRY).exists() and not Path(ICON).exists()
