"""The cluster as a whole (issue 27's acceptance): a real PostgreSQL, three real `lanchat serve`
nodes and nginx in front (docs/cluster/nginx.conf, as documented). Thirty people in three rooms
join through nginx, which spreads them over the nodes, and post at once under client_ids, with
edits, reactions and a file uploaded through nginx. In the middle of it one node is killed by
its PID (SIGSTOP first, so that posts are on their way to it unanswered, then SIGKILL): its
people join again through nginx, reach the other nodes and resume with `?after=`, their outboxes
sending again what was not acknowledged. Then PostgreSQL stops and starts again: posts meanwhile
are refused with storage_failed and sent again, and the nodes reconnect by themselves. At the
end everyone in a room holds the same messages in the same order, each once, in the same final
state, and the room's positions are dense.

The people are OutboxClients (tests/support/outbox_client.py): they behave as the UI's page does.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import signal
import ssl
import time
from typing import Any

import httpx
import pytest

from tests.support.frames import new_secret
from tests.support.nginx import CLUSTER_NAME, NODE_HEADER, nodes_behind_nginx
from tests.support.outbox_client import OutboxClient
from tests.support.room_client import RoomClient
from tests.support.tus_client import TusUpload, sha256_b64

pytestmark = [pytest.mark.process, pytest.mark.serial]

TIMEOUT = 90.0  # it takes about 12 s on a quiet machine
ROOMS = ("north", "south", "east")
PER_ROOM = 10
EACH = 20  # messages each person posts
PACE_SECONDS = 0.2  # between one person's posts: within RATE_LIMIT_PER_SECOND with the changes
EDITED = 2  # each person edits their own message number EDITED...
EDIT_AT = 8  # ...when about to post this one
REACTED = 4  # and reacts to the next person's message number REACTED...
REACT_AT = 12  # ...when about to post this one
FILE_AT = 5  # the first person of the first room attaches the file as this message
OUTAGE_SECONDS = 2.0
FILE_BYTES = 300 * 1024


def source_address(number: int) -> str:
    """Each person from an address of their own on loopback, as people on a LAN are."""
    return f"127.0.0.{10 + number}"


def node_of(person: OutboxClient, ports: dict[int, int]) -> int:
    """The number of the node nginx sent this person's current socket to."""
    return ports[int(person.client.ws.response.headers[NODE_HEADER].rsplit(":", 1)[1])]


def expected_text(who: OutboxClient, number: int) -> str:
    if number == FILE_AT and who.name == f"{ROOMS[0]}-0":
        return ""
    return f"{who.name} {number}" + (" (edited)" if number == EDITED else "")


def shown(message: dict[str, Any]) -> tuple:
    """What a person sees of a message."""
    reactions = sorted(
        (r["emoji"], tuple(sorted(who["identity"] for who in r["by"]))) for r in message.get("reactions", [])
    )
    files = [(f["name"], f["size"]) for f in message.get("attachments", [])]
    return (message["sender"], message["text"], bool(message.get("edited")), reactions, files)


def test_thirty_people_through_nginx_lose_nothing_when_a_node_dies_and_the_database_restarts(
    serve_process, postgres_cluster, postgres_url, tmp_path
):
    began = time.monotonic()
    with nodes_behind_nginx(serve_process, postgres_url, tmp_path, count=3) as (nginx, nodes, cert):
        trust = ssl.create_default_context(cafile=str(cert))
        ports = {node.port: number for number, node in enumerate(nodes)}

        # The file, uploaded through nginx with tus before the traffic (its PATCHes land on any node).
        data = os.urandom(FILE_BYTES)
        transport = httpx.HTTPTransport(verify=trust, local_address=source_address(0))
        with httpx.Client(
            base_url=f"https://127.0.0.1:{nginx.port}",
            headers={"Host": f"{CLUSTER_NAME}:{nginx.port}"},
            transport=transport,
            timeout=30,
        ) as http:
            upload = TusUpload.create(http, ROOMS[0], len(data), sha256_b64(data), name="plan.bin")
            for offset in range(0, len(data), 100 * 1024):
                answer = upload.patch(offset, data[offset : offset + 100 * 1024])
                assert answer.status_code == 204, answer.text

            people: list[OutboxClient] = []

            async def scenario() -> dict[str, Any]:
                counter = itertools.count()

                async def person(room: str, number: int) -> OutboxClient:
                    secret, address = new_secret(), source_address(number)

                    def join(after: int | None, held: dict) -> Any:
                        return RoomClient.join(
                            f"wss://{CLUSTER_NAME}:{nginx.port}", room, f"{room}-{number % PER_ROOM}",
                            secret=secret, after=after, held=held,
                            host="127.0.0.1", port=nginx.port, ssl=trust, local_addr=(address, 0),
                        )  # fmt: skip

                    return await OutboxClient.open(join)

                people.extend([await person(room, next(counter)) for room in ROOMS for _ in range(PER_ROOM)])
                first_nodes = [node_of(p, ports) for p in people]
                assert set(first_nodes) == {0, 1, 2}, first_nodes  # nginx spread them
                by_room = {room: people[n * PER_ROOM : (n + 1) * PER_ROOM] for n, room in enumerate(ROOMS)}
                posted: dict[tuple[str, int], int] = {}  # (name, number) -> message id
                progress = {"posts": 0}

                async def traffic(who: OutboxClient, room: str) -> None:
                    members = by_room[room]
                    neighbour = members[(members.index(who) + 1) % PER_ROOM]
                    for n in range(EACH):
                        if n == EDIT_AT:
                            target = posted[(who.name, EDITED)]
                            text = f"{who.name} {EDITED} (edited)"
                            await who.change(
                                {"type": "edit", "id": target, "text": text, "client_id": f"edit-{target}"},
                                lambda message, text=text: message["text"] == text,
                            )
                        if n == REACT_AT:
                            while (neighbour.name, REACTED) not in posted:
                                await asyncio.sleep(0.05)
                            target = posted[(neighbour.name, REACTED)]
                            await who.change(
                                {"type": "react", "id": target, "emoji": "👍", "on": True},
                                lambda message: any(
                                    who.client.identity in [b["identity"] for b in r["by"]]
                                    for r in message.get("reactions", [])
                                ),
                            )
                        if n == FILE_AT and who is people[0]:
                            posted[(who.name, n)] = await who.post("", attachments=[upload.upload_id])
                        else:
                            posted[(who.name, n)] = await who.post(f"{who.name} {n}")
                        progress["posts"] += 1
                        await asyncio.sleep(PACE_SECONDS)

                async def incidents() -> dict[str, Any]:
                    total = len(people) * EACH
                    while progress["posts"] < total * 0.2:
                        await asyncio.sleep(0.05)
                    doomed = max(range(3), key=first_nodes.count)
                    killed = [p for p, n in zip(people, first_nodes, strict=True) if n == doomed]
                    # Frozen a moment first, so that some of its people surely have a post on the
                    # way that it never answers: their outboxes must send those again elsewhere.
                    process = nodes[doomed].process
                    assert process is not None
                    process.send_signal(signal.SIGSTOP)
                    for _ in range(40):
                        if sum(p.in_flight for p in killed) >= 3:
                            break
                        await asyncio.sleep(0.05)
                    nodes[doomed].stop(signal.SIGKILL)  # by its PID, mid-traffic, no goodbye
                    while not all(p.rejoined and p.connected.is_set() for p in killed):
                        await asyncio.sleep(0.05)
                    while progress["posts"] < total * 0.5:
                        await asyncio.sleep(0.05)
                    await asyncio.to_thread(postgres_cluster.stop)
                    stopped = time.monotonic()
                    await asyncio.sleep(OUTAGE_SECONDS)
                    await asyncio.to_thread(postgres_cluster.start_server)
                    return {"doomed": doomed, "killed": killed, "outage": time.monotonic() - stopped}

                happened, *_ = await asyncio.gather(
                    incidents(), *(traffic(p, room) for room, members in by_room.items() for p in members)
                )
                # One last message per room: everything before it reaches everyone before it does.
                for members in by_room.values():
                    last = await members[-1].post("the end")
                    await asyncio.gather(*(p.reach(last) for p in members))
                await asyncio.sleep(0.5)  # anything doubled would arrive now
                happened |= {
                    "by_room": by_room,
                    "posted": posted,
                    "now": [node_of(p, ports) for p in happened["killed"]],
                }
                return happened

            async def run() -> dict[str, Any]:
                try:
                    return await asyncio.wait_for(scenario(), TIMEOUT)
                finally:  # no task left pending at the end (it upsets the next test's imports)
                    for p in people:
                        await p.close()

            try:
                outcome = asyncio.run(run())
            finally:  # what the nodes said, when it fails
                for number, node in enumerate(nodes):
                    print(f"--- node {number}:", *node.output[-30:], sep="\n")

            # The file came through nginx whole, to its sender and to a page that loads the room.
            with_file = outcome["posted"][(people[0].name, FILE_AT)]
            (card,) = people[0].client.folded[with_file]["attachments"]
            assert hashlib.sha256(http.get(card["url"]).content).digest() == hashlib.sha256(data).digest()
            page = http.get(f"/api/rooms/{ROOMS[0]}/messages", params={"around": with_file, "limit": 10})
            (loaded,) = [m for m in page.json()["messages"] if m["id"] == with_file]
            assert [f["url"] for f in loaded["attachments"]] == [card["url"]]

    doomed, killed = outcome["doomed"], outcome["killed"]
    assert killed and all(p.rejoined >= 1 for p in killed)
    assert sum(p.unanswered for p in killed) > 0  # the outboxes had something to send again
    assert doomed not in outcome["now"]  # they went on on the other nodes
    assert sum(p.refused for p in people) > 0  # the outage did refuse some: the test saw it
    for number, node in enumerate(nodes):
        if number != doomed:
            assert any("listening again" in line for line in node.output), node.output[-20:]

    for members in outcome["by_room"].values():
        reference = members[0].client.folded
        ids = sorted(reference)
        texts = sorted(message["text"] for message in reference.values())
        expected = [expected_text(p, n) for p in members for n in range(EACH)]
        assert texts == sorted([*expected, "the end"])  # nothing lost, nothing twice
        for p in members:
            assert p.message_ids == ids, p.name  # every message once, in the one order
            held = {i: shown(m) for i, m in p.client.folded.items()}
            assert held == {i: shown(m) for i, m in reference.items()}, p.name  # the file too
            assert p.live_positions == sorted(set(p.live_positions)), p.name  # in order, none twice
        # Dense: every position of the room is a message or a change someone was given.
        seen = set(ids).union(*(p.update_seqs for p in members))
        assert seen == set(range(1, max(seen) + 1)), sorted(set(range(1, max(seen) + 1)) - seen)
        reactions = [m for m in reference.values() if m.get("reactions")]
        assert len(reactions) == PER_ROOM
    refused, unanswered = sum(p.refused for p in people), sum(p.unanswered for p in killed)
    print(f"cluster acceptance: {time.monotonic() - began:.1f} s, outage {outcome['outage']:.1f} s, "
          f"{refused} refusals, {len(killed)} people moved off node {doomed}, "
          f"{unanswered} of their posts sent again on their next connection")  # fmt: skip
