"""Once the server serves, what start-up made is out of the cyclic collector's sight (runner.py's
settle_collector), so a full collection on the event loop walks only what serving made since."""

import gc

from server.runtime.runner import YOUNG_COLLECTION_THRESHOLD, settle_collector
from tests.support.server_thread import start_server_thread


def test_start_up_objects_are_frozen_once_the_server_serves(tmp_path):
    gc.unfreeze()
    server = start_server_thread(tmp_path / "data")
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the modules, the app, its routes: all of start-up
        server.wait_started()  # asked again (the window does): frozen once, not again
        assert gc.get_freeze_count() <= frozen  # (frozen objects freed since count down)
    finally:
        server.stop()
        gc.unfreeze()  # the rest of the test process is not a server


def test_settling_leaves_nothing_for_a_full_collection_to_walk_and_collects_the_young_less_often():
    before = gc.get_threshold()
    try:
        settle_collector()
        assert len(gc.get_objects(generation=2)) < 100
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *before[1:])
        # The young generation is collected once it holds the threshold's worth, not before.
        gc.collect()
        young = []
        gc.callbacks.append(
            lambda phase, info: young.append(info["generation"]) if phase == "start" else None
        )
        try:
            kept = [[] for _ in range(YOUNG_COLLECTION_THRESHOLD - 100)]
            assert 0 not in young
            kept += [[] for _ in range(200)]
            assert 0 in young
        finally:
            gc.callbacks.pop()
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
