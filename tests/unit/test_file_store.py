"""server/file_store.py's limits at their edges, with its clock given (no server needed)."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from server.file_store import (
    MAX_UPLOADS_PER_ADDRESS,
    UPLOAD_EXPIRY_SECONDS,
    FileLimits,
    FileStore,
    UploadRefused,
)

SHA_OF_NOTHING = hashlib.sha256(b"").hexdigest()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def store(tmp_path, **limits) -> tuple[FileStore, Clock]:
    clock = Clock()
    return FileStore(tmp_path, FileLimits(min_free_disk_bytes=0, **limits), clock=clock), clock


def test_an_upload_untouched_for_the_expiry_is_removed_and_not_a_moment_before(tmp_path):
    files, clock = store(tmp_path)
    upload = files.create_upload("lobby", 10, "a", "b/c", SHA_OF_NOTHING, "10.0.0.2")
    clock.now += UPLOAD_EXPIRY_SECONDS
    files.expire()
    assert files.upload(upload.id) is not None
    clock.now += 0.001
    files.expire()
    assert files.upload(upload.id) is None
    assert not (files.partial_dir / upload.id).exists()


def test_writing_to_an_upload_keeps_it_from_expiring(tmp_path):
    files, clock = store(tmp_path)
    upload = files.create_upload("lobby", 10, "a", "b/c", hashlib.sha256(b"0123456789").hexdigest(), None)

    async def send_half() -> None:
        writer = await files.writer(upload)
        await writer.write(b"01234")
        await writer.flush()

    clock.now += UPLOAD_EXPIRY_SECONDS - 1
    asyncio.run(send_half())
    clock.now += 2
    files.expire()
    assert files.upload(upload.id) is not None


def test_an_address_holds_at_most_its_unfinished_uploads_and_others_are_not_affected(tmp_path):
    files, _ = store(tmp_path)
    for _ in range(MAX_UPLOADS_PER_ADDRESS):
        files.create_upload("lobby", 1, "a", "b/c", SHA_OF_NOTHING, "10.0.0.2")
    with pytest.raises(UploadRefused) as refused:
        files.create_upload("lobby", 1, "a", "b/c", SHA_OF_NOTHING, "10.0.0.2")
    assert refused.value.code == "too_many_uploads" and refused.value.status == 429
    files.create_upload("lobby", 1, "a", "b/c", SHA_OF_NOTHING, "10.0.0.3")


def test_the_hosts_files_limit_counts_every_room_at_its_edge(tmp_path):
    files, _ = store(tmp_path, host_bytes=100)
    files.create_upload("one", 60, "a", "b/c", SHA_OF_NOTHING, None)
    files.create_upload("two", 40, "a", "b/c", SHA_OF_NOTHING, None)
    with pytest.raises(UploadRefused) as refused:
        files.create_upload("three", 1, "a", "b/c", SHA_OF_NOTHING, None)
    assert refused.value.code == "host_files_full" and refused.value.status == 507


def test_the_free_disk_floor_counts_what_unfinished_uploads_will_still_write(tmp_path):
    files, _ = store(tmp_path)
    free = files.free_disk()
    # Margins of 50 MB and more, as other programs write to the same disk meanwhile.
    floor = FileStore(tmp_path / "floor", FileLimits(min_free_disk_bytes=free - 200_000_000))
    floor.create_upload("lobby", 100_000_000, "a", "b/c", SHA_OF_NOTHING, None)
    with pytest.raises(UploadRefused) as refused:
        floor.create_upload("lobby", 150_000_000, "a", "b/c", SHA_OF_NOTHING, None)
    assert refused.value.code == "storage_full"
