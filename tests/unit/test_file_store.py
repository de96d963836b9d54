"""FileStore's limits at their edges, with its clock given (no server needed), on each engine that
keeps the files' records: files.sqlite3, and a cluster's PostgreSQL (the same limits, counted from
every node's rows)."""

from __future__ import annotations

import asyncio
import hashlib
import sys

import pytest

from server.files.store import (
    MAX_UPLOADS_PER_ADDRESS,
    UPLOAD_EXPIRY_SECONDS,
    UPLOAD_TOUCH_INTERVAL_SECONDS,
    WRITE_BATCH_BYTES,
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


# Where the records go in the test running now: None for files.sqlite3 (set by `engine`).
DATABASE_URL: str | None = None


@pytest.fixture(autouse=True, params=["sqlite", "postgresql"])
def engine(request, monkeypatch):
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    monkeypatch.setattr(sys.modules[__name__], "DATABASE_URL", url)


def store(tmp_path, **limits) -> tuple[FileStore, Clock]:
    clock = Clock()
    limits_given = FileLimits(min_free_disk_bytes=0, **limits)
    return FileStore(tmp_path, limits_given, clock=clock, database_url=DATABASE_URL), clock


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


def test_the_sweep_removes_an_upload_untouched_for_the_expiry_and_not_a_moment_before(tmp_path):
    files, clock = store(tmp_path)
    upload = files.create_upload("lobby", 10, "a", "b/c", SHA_OF_NOTHING, "10.0.0.2")
    (files.partial_dir / upload.id).write_bytes(b"01234")
    clock.now += UPLOAD_EXPIRY_SECONDS
    assert asyncio.run(files.sweep()) == 0
    assert files.upload(upload.id) is not None
    clock.now += 0.001
    assert asyncio.run(files.sweep()) == 1
    assert files.upload(upload.id) is None
    assert list(files.partial_dir.iterdir()) == []


def test_the_sweep_removes_a_finished_upload_never_attached_with_its_content(tmp_path):
    files, clock = store(tmp_path)
    upload = files.create_upload("lobby", 0, "a", "b/c", SHA_OF_NOTHING, None)

    async def finish_then_sweep() -> None:
        writer = await files.writer(upload)
        assert (await writer.finish_if_complete()).complete
        assert files.content_path(SHA_OF_NOTHING).exists()
        clock.now += UPLOAD_EXPIRY_SECONDS + 1
        assert await files.sweep() == 1

    asyncio.run(finish_then_sweep())
    assert not files.content_path(SHA_OF_NOTHING).exists()
    assert list(files.partial_dir.iterdir()) == []  # the content went through partial/, and is gone


def test_the_sweep_leaves_an_upload_whose_bytes_are_being_written(tmp_path):
    files, clock = store(tmp_path)
    upload = files.create_upload("lobby", 10, "a", "b/c", SHA_OF_NOTHING, None)

    async def sweep_while_held() -> int:
        async with files.exclusive(upload, wait=1):
            clock.now += UPLOAD_EXPIRY_SECONDS + 1
            return await files.sweep()

    assert asyncio.run(sweep_while_held()) == 0
    assert files.upload(upload.id) is not None


def test_the_sweep_runs_every_interval_with_no_upload_created(tmp_path):
    files, clock = store(tmp_path)
    upload = files.create_upload("lobby", 10, "a", "b/c", SHA_OF_NOTHING, None)
    clock.now += UPLOAD_EXPIRY_SECONDS + 1

    async def sweep_for_a_while() -> None:
        sweeper = asyncio.create_task(files.sweep_forever(0.01))
        for _ in range(500):
            await asyncio.sleep(0.01)
            if files.upload(upload.id) is None:
                break
        sweeper.cancel()

    asyncio.run(sweep_for_a_while())
    assert files.upload(upload.id) is None


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


def test_a_streaming_upload_writes_its_expiry_at_most_once_per_interval_and_when_it_ends(tmp_path):
    files, clock = store(tmp_path)
    data = bytes(range(256)) * (3 * WRITE_BATCH_BYTES // 256)
    batches = [data[start : start + WRITE_BATCH_BYTES] for start in range(0, len(data), WRITE_BATCH_BYTES)]
    upload = files.create_upload("lobby", len(data), "a", "b/c", hashlib.sha256(data).hexdigest(), None)
    created = clock.now

    def touched() -> float:
        stored = files.upload(upload.id)
        assert stored is not None
        return stored.touched

    async def send() -> None:
        writer = await files.writer(upload)
        clock.now += UPLOAD_TOUCH_INTERVAL_SECONDS - 1
        await writer.write(batches[0])
        await writer.write(batches[1])  # the first batch is written: not an interval yet
        assert touched() == created
        clock.now += 1
        await writer.write(batches[2])  # the second is written an interval after the first touch
        assert touched() == created + UPLOAD_TOUCH_INTERVAL_SECONDS
        clock.now += 10
        await writer.flush()  # the request ends: written whatever the interval
        assert touched() == created + UPLOAD_TOUCH_INTERVAL_SECONDS + 10

    asyncio.run(send())


def test_a_batch_that_could_not_be_written_leaves_the_hash_as_it_was_for_the_resume(tmp_path):
    files, _ = store(tmp_path)
    data = bytes(range(256)) * (WRITE_BATCH_BYTES // 256 + 1)
    upload = files.create_upload("lobby", len(data), "a", "b/c", hashlib.sha256(data).hexdigest(), None)
    part = files.partial_dir / upload.id

    async def fail_then_resume() -> int:
        writer = await files.writer(upload)
        part.unlink()
        part.mkdir()  # where the part file goes: its open fails (EISDIR) as a full disk's write would
        with pytest.raises(UploadRefused) as refused:
            await writer.write(data)
            await writer.flush()
        assert refused.value.code == "storage_full"
        part.rmdir()
        writer = await files.writer(upload)
        assert writer.offset == 0
        await writer.write(data)
        finished = await writer.finish_if_complete()  # a wrong hash would refuse it (460)
        return int(finished.complete)

    assert asyncio.run(fail_then_resume()) == 1


def test_an_address_holds_at_most_its_unfinished_uploads_and_others_are_not_affected(tmp_path):
    files, _ = store(tmp_path)
    for _ in range(MAX_UPLOADS_PER_ADDRESS):
        files.create_upload("lobby", 1, "a", "b/c", SHA_OF_NOTHING, "10.0.0.2")
    with pytest.raises(UploadRefused) as refused:
        files.create_upload("lobby", 1, "a", "b/c", SHA_OF_NOTHING, "10.0.0.2")
    assert refused.value.code == "too_many_uploads" and refused.value.status == 429
    files.create_upload("lobby", 1, "a", "b/c", SHA_OF_NOTHING, "10.0.0.3")


def send(files: FileStore, upload, data: bytes) -> None:
    async def write() -> None:
        writer = await files.writer(upload)
        await writer.write(data)
        await writer.finish_if_complete()

    asyncio.run(write())


def test_the_hosts_files_limit_counts_every_room_at_its_edge(tmp_path):
    files, _ = store(tmp_path, host_bytes=100)
    for room, data in (("one", b"1" * 60), ("two", b"2" * 39)):
        send(
            files,
            files.create_upload(room, len(data), "a", "b/c", hashlib.sha256(data).hexdigest(), None),
            data,
        )
    files.create_upload("three", 1, "a", "b/c", SHA_OF_NOTHING, None)  # 99 + 1: at the edge
    unfinished = files.create_upload("three", 1, "a", "b/c", hashlib.sha256(b"3").hexdigest(), None)
    send(files, unfinished, b"3")  # what arrived counts: 100 bytes now
    with pytest.raises(UploadRefused) as refused:
        files.create_upload("four", 1, "a", "b/c", SHA_OF_NOTHING, None)
    assert refused.value.code == "host_files_full" and refused.value.status == 507


def test_announcing_lengths_without_sending_them_shuts_nobody_out(tmp_path):
    # Three addresses each announce files as large as they may and send nothing: the host's
    # and the room's limits count what arrived, so someone else's small file still fits.
    files, _ = store(tmp_path, host_bytes=100, room_bytes=100, unsent_bytes_per_address=100)
    for address in ("10.0.0.2", "10.0.0.3", "10.0.0.4"):
        files.create_upload("lobby", 100, "a", "b/c", SHA_OF_NOTHING, address)
    data = b"mine"
    mine = files.create_upload("lobby", len(data), "a", "b/c", hashlib.sha256(data).hexdigest(), "10.0.0.5")
    send(files, mine, data)
    assert files.upload(mine.id).complete


def test_an_address_announces_at_most_its_unsent_bytes_and_others_are_not_affected(tmp_path):
    files, _ = store(tmp_path, unsent_bytes_per_address=100)
    files.create_upload("lobby", 60, "a", "b/c", SHA_OF_NOTHING, "10.0.0.2")
    files.create_upload("lobby", 40, "a", "b/c", SHA_OF_NOTHING, "10.0.0.2")  # 100: at the edge
    with pytest.raises(UploadRefused) as refused:
        files.create_upload("lobby", 1, "a", "b/c", SHA_OF_NOTHING, "10.0.0.2")
    assert refused.value.code == "too_many_uploads" and refused.value.status == 429
    files.create_upload("lobby", 100, "a", "b/c", SHA_OF_NOTHING, "10.0.0.3")


def test_the_free_disk_floor_keeps_a_new_upload_out_but_announced_bytes_reserve_no_disk(tmp_path):
    files, _ = store(tmp_path)
    free = files.free_disk()
    # Margins of 50 MB and more, as other programs write to the same disk meanwhile.
    floor = FileStore(tmp_path / "floor", FileLimits(min_free_disk_bytes=free - 200_000_000))
    floor.create_upload("lobby", 150_000_000, "a", "b/c", SHA_OF_NOTHING, None)
    floor.create_upload("lobby", 150_000_000, "a", "b/c", SHA_OF_NOTHING, None)  # nothing sent yet
    with pytest.raises(UploadRefused) as refused:
        floor.create_upload("lobby", 300_000_000, "a", "b/c", SHA_OF_NOTHING, None)
    assert refused.value.code == "storage_full"
