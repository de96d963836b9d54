"""Build lanchat's .deb from the frozen one-folder app, with Debian's own dpkg-deb.

    python desktop/linux/build_deb.py dist/lanchat dist/lanchat_VERSION_amd64.deb

The app goes to /opt/lanchat (it is one folder: PyInstaller's layout, Qt inside), the command to
/usr/bin/lanchat, the menu entry and the icon where desktops look for them. What the bundled Qt
needs from the system is declared, so apt installs it with the package.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The system libraries the frozen Qt WebEngine loads (the packages the window's tests install).
DEPENDS = (
    "libnss3, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0,"
    " libxcb-render-util0, libxcb-randr0, libxcb-shape0, libxcb-xkb1, libxcomposite1, libxdamage1,"
    " libxrandr2, libxtst6, libgbm1, libasound2, libegl1, libgl1, libfontconfig1, libdbus-1-3"
)
# Menus and icon caches notice a new entry at once where the tools exist; nothing fails without them.
REFRESH = """#!/bin/sh
set -e
command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
"""


def version() -> str:
    return str(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"])


def build(app: Path, target: Path) -> Path:
    if not (app / "lanchat").is_file():
        raise SystemExit(f"no frozen app in {app}: build it first (make app)")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "root"
        shutil.copytree(app, root / "opt" / "lanchat", symlinks=True)
        (root / "usr" / "bin").mkdir(parents=True)
        (root / "usr" / "bin" / "lanchat").symlink_to("/opt/lanchat/lanchat")
        entry = (
            (REPO / "desktop" / "linux" / "lanchat.desktop").read_text().replace("@EXEC@", "/usr/bin/lanchat")
        )
        _write(root / "usr" / "share" / "applications" / "lanchat.desktop", entry)
        icons = root / "usr" / "share" / "icons" / "hicolor" / "256x256" / "apps"
        icons.mkdir(parents=True)
        shutil.copy(REPO / "desktop" / "icons" / "lanchat.png", icons / "lanchat.png")
        files = [path for path in root.rglob("*") if path.is_file() and not path.is_symlink()]
        size_kib = sum(path.stat().st_size for path in files) // 1024
        control = (
            f"Package: lanchat\nVersion: {version()}\nArchitecture: amd64\nSection: net\nPriority: optional\n"
            f"Installed-Size: {size_kib}\nDepends: {DEPENDS}\nMaintainer: lanchat <lanchat@localhost>\n"
            "Description: chat in rooms over a local network\n"
            " A desktop window (and a server for browsers and phones on the same network) for\n"
            " chatting in rooms, with private rooms, direct conversations and files.\n"
        )
        _write(root / "DEBIAN" / "control", control)
        for script in ("postinst", "postrm"):
            _write(root / "DEBIAN" / script, REFRESH, mode=0o755)
        target.parent.mkdir(parents=True, exist_ok=True)
        # zstd: a 400 MB app packs in seconds (xz takes minutes for a few MB less).
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zzstd", "-z3", "--build", str(root), str(target)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return target


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: build_deb.py APP_FOLDER TARGET.deb")
    built = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{built}: {built.stat().st_size / 2**20:.0f} MiB")
