"""Screenshots for people to look at: a page's (Playwright), or a whole virtual X screen (Xvfb) with
the real window on it. All go to test-artifacts/."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.server_process import REPO_ROOT

__all__ = ["ARTIFACTS", "keep_for_review", "screen_shot", "screenshot", "virtual_screen"]

ARTIFACTS = REPO_ROOT / "test-artifacts"


def screenshot(page, name: str) -> Path:
    """The page as it looks now, saved as test-artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def keep_for_review(path: Path, folder: Path) -> None:
    """Also put a screenshot where people reviewing a change look, when that folder exists."""
    if folder.is_dir():
        shutil.copy(path, folder / path.name)


@contextmanager
def virtual_screen(width: int = 1280, height: int = 800) -> Iterator[str]:
    """An Xvfb screen; its DISPLAY (":N"). Xvfb picks a free display number itself and says which
    once it accepts connections (-displayfd), so tests running side by side never share one."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as told:
            number = told.readline().strip()
        if not number:
            raise RuntimeError(f"Xvfb did not start (exit code {xvfb.poll()})")
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def screen_shot(display: str, name: str) -> Path:
    """The whole virtual screen, saved as test-artifacts/NAME.png (ImageMagick's `import`)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    env = {**os.environ, "DISPLAY": display}
    subprocess.run(["import", "-window", "root", str(path)], env=env, check=True, timeout=30)
    return path
