"""Benchmark: size of the frozen app, trimmed (as shipped) against untrimmed, one-folder and one-file.

Run by hand from the repository root after `make ui` (about 5 minutes: four PyInstaller builds):

    .venv/bin/python tests/bench/build_sizes.py

"Untrimmed" is the same build.spec with LANCHAT_UNTRIMMED=1: every Qt file PyInstaller collects,
nothing stripped. Builds go to a temporary folder; dist/ is left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGETS_MB = {"one-folder": 420, "one-file": 180}
MIN_SAVING = 0.25


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(scratch: Path, onefile: bool, trimmed: bool) -> tuple[int, float]:
    name = f"{'onefile' if onefile else 'onefolder'}-{'trimmed' if trimmed else 'untrimmed'}"
    env = dict(os.environ)
    env.pop("LANCHAT_ONEFILE", None)
    env.pop("LANCHAT_UNTRIMMED", None)
    if onefile:
        env["LANCHAT_ONEFILE"] = "1"
    if not trimmed:
        env["LANCHAT_UNTRIMMED"] = "1"
    began = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "ERROR",
            "--workpath",
            str(scratch / "work" / name),
            "--distpath",
            str(scratch / name),
            "build.spec",
        ],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    return folder_size(scratch / name / "lanchat"), time.monotonic() - began


def main() -> None:
    mb = 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="lanchat-sizes-") as folder:
        scratch = Path(folder)
        print("frozen lanchat sizes (Linux, Qt WebEngine), in MiB")
        for label, onefile in (("one-folder", False), ("one-file", True)):
            trimmed, trimmed_seconds = build(scratch, onefile, trimmed=True)
            untrimmed, _ = build(scratch, onefile, trimmed=False)
            saving = 1 - trimmed / untrimmed
            print(
                f"{label:10}  trimmed {trimmed / mb:6.0f} MiB (built in {trimmed_seconds:.0f} s)   "
                f"untrimmed {untrimmed / mb:6.0f} MiB   saving {saving:.0%}   "
                f"target <= {TARGETS_MB[label]} MB and >= {MIN_SAVING:.0%}: "
                f"{'met' if trimmed / mb <= TARGETS_MB[label] and saving >= MIN_SAVING else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
