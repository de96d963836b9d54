"""`lanchat admin --database URL VERB ...`: the host's controls for a cluster, without a window.

`members [ROOM]` reads who is where from the nodes' presence rows. The other verbs write the
host's decision into the cluster's database, whose notification has every node carry it out at
once (within STATE_POLL_SECONDS if a node missed it; see server/cluster/shared_state.py): a ban
closes the connections it shuts out on every node, a password asks a room's members for it on
every node, a removed member is closed wherever it is connected, a deleted message leaves every
screen. A local command: it reaches the database, never a node, so nothing on the network can
moderate. A room's password is read from LANCHAT_ROOM_PASSWORD or typed at a prompt, never given
on the command line (`ps` shows that).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from server.protocol.refusals import Refused
from server.rooms.bans import MAX_BANS, BanList, ModerationError
from server.rooms.moderation import MAX_REASON_CHARS
from server.rooms.private import check_room_the_host_controls, hash_password, validate_password
from server.rooms.validation import validate_room
from server.runtime.cli import DATABASE_URL_ENV, ROOM_PASSWORD_ENV, cluster_database
from server.storage.history import StorageFailed

if TYPE_CHECKING:
    from server.storage.pg_room_state import PostgresRoomState

__all__ = ["add_admin_arguments", "admin_command"]


class AdminError(Exception):
    """What the person asked cannot be done; the sentence says why."""


def add_admin_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help=f"the cluster's database, postgresql://... (default: ${DATABASE_URL_ENV})",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    members = verbs.add_parser("members", help="list who is in which room on which node")
    members.add_argument("room", nargs="?", default=None, help="this room only")
    verbs.add_parser("bans", help="list the bans")
    ban = verbs.add_parser("ban", help="ban an identity or an address from every room of every node")
    ban.add_argument("kind", choices=("identity", "address"))
    ban.add_argument("value", help="an identity id (hex) or an IP address")
    ban.add_argument("--name", default="", help="who it is, for the list of bans")
    unban = verbs.add_parser("unban", help="lift a ban")
    unban.add_argument("kind", choices=("identity", "address"))
    unban.add_argument("value")
    password = verbs.add_parser(
        "password", help=f"make a room private or change its password (from ${ROOM_PASSWORD_ENV} or a prompt)"
    )
    password.add_argument("room")
    opened = verbs.add_parser("open", help="let a private room be joined without a password")
    opened.add_argument("room")
    remove = verbs.add_parser("remove", help="close a member's connections to a room (they may join again)")
    remove.add_argument("room")
    remove.add_argument("name")
    remove.add_argument("--reason", default="", help=f"told to them, at most {MAX_REASON_CHARS} characters")
    delete = verbs.add_parser("delete", help="delete a message, for everyone")
    delete.add_argument("room")
    delete.add_argument("id", type=int)
    delete.add_argument(
        "--files-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the files folder the nodes share: remove the message's files nothing else uses now "
        "(otherwise the running nodes do)",
    )


def admin_command(args: argparse.Namespace) -> int:
    """0 when done; 1 with the reason when the database or the request refused; 2 for usage."""
    url, problem = cluster_database(args.database, "admin", "--database")
    if url is None:
        return problem
    from server.storage.pg_room_state import PostgresRoomState

    try:
        state = PostgresRoomState(url)
        try:
            print(_carry_out(args, state, url))
        finally:
            state.close()
    except (AdminError, StorageFailed) as exc:
        print(f"lanchat: {exc}", file=sys.stderr)
        return 1
    return 0


def _carry_out(args: argparse.Namespace, state: PostgresRoomState, url: str) -> str:
    if args.verb == "members":
        return _members(url, None if args.room is None else _any_room(args.room))
    if args.verb == "bans":
        bans = state.snapshot().bans
        return "\n".join(f"{b['kind']} {b['value']} {b['name']}".rstrip() for b in bans) or "no bans"
    if args.verb == "ban":
        try:  # checked and put in its usual form as the window's ban list does
            ban = BanList(None).add(args.kind, args.value, str(args.name)[:64])
        except ModerationError as exc:
            raise AdminError(str(exc)) from None
        if not state.add_ban(dict(ban), MAX_BANS):
            raise AdminError(f"The host keeps at most {MAX_BANS} bans; lift one first.")
        return f"banned {ban['kind']} {ban['value']} on every node"
    if args.verb == "unban":
        if not state.remove_ban(args.kind, args.value):
            raise AdminError(f"there is no ban of {args.kind} {args.value}")
        return f"lifted the ban of {args.kind} {args.value}"
    if args.verb == "password":
        room = _room(args.room)
        try:
            password = validate_password(os.environ.get(ROOM_PASSWORD_ENV) or getpass.getpass("Password: "))
        except Refused as refusal:
            raise AdminError(refusal.detail) from None
        state.set_password(room, hash_password(password).as_json())
        return f"{room} is private; its members are asked for the password"
    if args.verb == "open":
        room = _room(args.room)
        if not state.make_open(room):
            return f"{room} needed no password; it still needs none"
        return f"{room} needs no password now"
    if args.verb == "remove":
        room = _room(args.room)
        state.add_action(
            {"kind": "remove", "room": room, "name": args.name, "reason": args.reason[:MAX_REASON_CHARS]}
        )
        return f"asked every node to remove {args.name} from {room}"
    if args.verb == "delete":
        room = _room(args.room)
        if args.files_dir is not None and not (args.files_dir / "sha256").is_dir():
            # Checked first: nothing deleted, and never a folder made where none was meant.
            raise AdminError(f"{args.files_dir} holds no lanchat files (no sha256 folder in it)")
        contents = _delete(url, room, args.id)
        if args.files_dir is not None:
            _release(url, args.files_dir, contents)
        # The nodes take it off their members' screens, and remove the contents nothing uses now
        # from the files' folder (this command has no --files-dir).
        state.add_action({"kind": "delete", "room": room, "id": args.id, "contents": contents})
        return f"deleted message {args.id} of {room}"
    raise AdminError(f"no verb {args.verb!r}")  # argparse allows only the ones above


def _any_room(room: str) -> str:
    try:
        return validate_room(room)
    except Refused as refusal:
        raise AdminError(refusal.detail) from None


def _members(url: str, only: str | None) -> str:
    """The nodes' presence rows (server/cluster/presence.py) as a person reads them: each room
    with its members, the node each is connected to and their identity; then the nodes."""
    from server.cluster.presence import node_rows
    from server.storage.pg_connection import SharedConnection

    connection = SharedConnection(url)
    try:
        with connection.transaction() as db:
            rows = node_rows(db)
    finally:
        connection.close()
    by_room: dict[str, list[tuple[str, str, str | None]]] = {}
    for row in rows:
        if row.alive:
            for room, names in row.members.items():
                if only is None or room == only:
                    by_room.setdefault(room, []).extend((name, row.node, who) for name, who in names.items())
    lines = []
    for room in sorted(by_room):
        members = sorted(by_room[room], key=lambda member: (member[0].casefold(), member[1]))
        lines.append(f"{room}: {len(members)} member{'' if len(members) == 1 else 's'}")
        width = max(len(name) for name, _, _ in members)
        for name, node, identity in members:
            who = f"identity {identity}" if identity else "no identity (no hello yet)"
            lines.append(f"  {name.ljust(width)}  on node {node}  {who}")
    if not lines:
        lines.append(f"nobody is in {only}" if only is not None else "nobody is in any room")
    for row in rows:
        if row.alive:
            count = sum(len(names) for names in row.members.values())
            lines.append(f"node {row.node}: {count} member{'' if count == 1 else 's'}, "
                         f"last heartbeat {row.silent_for:.0f} s ago")  # fmt: skip
        else:
            lines.append(
                f"node {row.node}: gone, no heartbeat for {row.silent_for:.0f} s (its members are not listed)"
            )
    if not rows:
        lines.append("no node has run on this database")
    return "\n".join(lines)


def _release(url: str, files_dir: Path, contents: list[str]) -> None:
    """Remove the contents nothing uses any more from the shared folder, as a node would."""
    from server.files.blobs import Blobs
    from server.files.contents import drop_content_if_unused
    from server.files.pg_index import PostgresFileIndex

    files = PostgresFileIndex(url)
    try:
        blobs = Blobs(files_dir)
        for sha256 in contents:
            drop_content_if_unused(files, blobs, sha256)
    finally:
        files.close()


def _room(room: str) -> str:
    try:
        return check_room_the_host_controls(room)
    except ValueError as exc:
        raise AdminError(str(exc)) from None


def _delete(url: str, room: str, message_id: int) -> list[str]:
    """Delete the message and its files' records in one transaction, as a host's delete in the
    window does (whether or not a node runs); the contents they used, for the nodes to remove."""
    from server.files.pg_index import PostgresFileIndex
    from server.storage.postgres_history import PostgresHistoryStore

    contents: set[str] = set()
    # The store makes a node's data folder; the command has none of its own.
    with tempfile.TemporaryDirectory(prefix="lanchat-admin-") as scratch:
        store = PostgresHistoryStore(url, Path(scratch))
        files = PostgresFileIndex(url)
        try:
            message = store.get(room, message_id)
            if message is None:
                raise AdminError(f"{room} keeps no message {message_id}")
            if message.deleted:  # deleted already: what an older `lanchat admin` left of its files
                contents |= files.remove_attachments(room, message_id, message_id)
            store.delete(
                room,
                message_id,
                along=lambda joint, _: contents.update(
                    files.remove_attachments(room, message_id, message_id, joint)
                ),
            )
        finally:
            files.close()
            store.close()
    return sorted(contents)
