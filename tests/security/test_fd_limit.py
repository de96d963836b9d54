"""A serving lanchat may open as many files as the system lets it, not the default 1,024."""

from __future__ import annotations

import resource
from pathlib import Path


def test_lanchat_serve_raises_its_open_file_limit_to_the_hard_limit(serve_process):
    # Start it with the usual soft limit whatever this shell has, so the test shows the raise.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 1024), hard))
    try:
        server = serve_process()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert server.process is not None
    limits = Path(f"/proc/{server.process.pid}/limits").read_text().splitlines()
    soft_seen, hard_seen = next(line for line in limits if line.startswith("Max open files")).split()[3:5]
    _, our_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft_seen == hard_seen
    assert hard_seen == ("unlimited" if our_hard == resource.RLIM_INFINITY else str(our_hard))
