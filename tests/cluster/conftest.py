"""Real `lanchat serve` nodes on one real PostgreSQL (the test's own, tests/support/postgres.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.server_process import ServeProcess


@pytest.fixture
def start_nodes(postgres_url, serve_process, tmp_path) -> Callable[[int], list[ServeProcess]]:
    """`start_nodes(n)`: n nodes on this test's database, each with its own data folder. (The
    database first, so it is dropped after the nodes are stopped, not under them.)"""
    started: list[ServeProcess] = []

    def start(count: int) -> list[ServeProcess]:
        nodes = [
            serve_process(
                data_dir=tmp_path / f"node{len(started) + n}", extra_args=("--database", postgres_url)
            )
            for n in range(count)
        ]
        started.extend(nodes)
        return nodes

    return start
