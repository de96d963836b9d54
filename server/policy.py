"""What this host allows: rates, capacities, lockouts and timeouts.

None of it is part of the wire contract (that is server/protocol/limits.py): a client meets these
only as refusals with their codes, and a host could change them without breaking one.
"""

from __future__ import annotations

# Per connection token bucket: a burst of frames, refilled at a steady rate.
# Sized so a client flushing a long offline outbox is slowed, not refused for good.
RATE_LIMIT_BURST = 30
RATE_LIMIT_PER_SECOND = 10.0
# And per client address on the network, all its connections together: 50 connections from one
# machine once wrote 78 MiB of history in 10 s. Loopback (this machine, whose user owns the
# server and its files) has no such limit; each of its connections keeps its own.
ADDRESS_RATE_LIMIT_BURST = 60
ADDRESS_RATE_LIMIT_PER_SECOND = 20.0

# Rooms one server keeps (with members or history): joining a new one past it is refused
# (close 4010). Connections one room takes (close 4011): each message is one send per member.
MAX_ROOMS = 1000
MAX_MEMBERS_PER_ROOM = 1024
# New rooms one address on the network may make: a burst, then one a minute (close 4012). Rooms
# with history outlive their members, so without it one peer could fill MAX_ROOMS in a minute
# and leave nobody a new room. Loopback, this machine, is not limited.
NEW_ROOMS_BURST = 20
NEW_ROOMS_PER_HOUR = 60

# A connection's name is set by ?name= or by the sender of its first message or typing notice;
# a frame under another sender renames it, at most once per this many seconds (the first
# rename after joining is free). Every rename is a leave and a join for each member of the
# room, so a client changing its sender on every typing notice would flood them all.
RENAME_MIN_INTERVAL_SECONDS = 10.0

# Read receipts (server/rooms/receipts.py). The server lets a socket's seen frames through at
# SEEN_RATE_PER_SECOND after a burst of SEEN_RATE_BURST: past that a seen frame is refused
# (rate_limited) and dropped, but reading goes on, so a client that reads fast never has its
# messages held up. Each seen frame still counts as one frame of RATE_LIMIT_*: at the UI's pace
# (limits.SEEN_SEND_INTERVAL_SECONDS) that is one token a second of the ten a second that refill.
SEEN_RATE_BURST = 5
SEEN_RATE_PER_SECOND = 2.0
# What members are told of others' reading is bounded per member whatever the room's size: a
# room's receipts that moved go out together in one `receipts` frame, at most once per
# RECEIPTS_SUMMARY_SECONDS (one `seen` frame to every reader made a room of 100 where everyone
# reads send about 10,000 frames a second). In rooms of more than RECEIPTS_TO_EVERYONE_MAX_MEMBERS
# connections a receipt goes only to the authors of the messages it newly covers, as Telegram
# does: there "seen by 300 people" is no one's business but the author's.
RECEIPTS_SUMMARY_SECONDS = 1.0
RECEIPTS_TO_EVERYONE_MAX_MEMBERS = 100

# Typing notices (server/rooms/typing_pace.py) are relayed at most once per TYPING_RELAY_SECONDS
# per connection (the UI sends one every 3 s while its person types, so it is never held back)
# and at most TYPING_ROOM_BURST per such interval per room: however many type at once in a room
# of 1,024, each member is sent at most TYPING_ROOM_BURST notices in any TYPING_RELAY_SECONDS. The
# UI shows a typist for 5 s after a notice, so the typists relayed stay shown. Those held back are
# dropped without an answer: a typing notice is never worth an error frame.
TYPING_RELAY_SECONDS = 2.5
TYPING_ROOM_BURST = 8

# Presence changes a room's members are sent, per room: a burst, then a steady rate. Past it the
# changes are folded into one `members` frame (the whole list) once the budget allows, so clients
# that reconnect under new names as fast as they can cost each member a few frames a second.
PRESENCE_BURST = 30
PRESENCE_PER_SECOND = 10.0

# Wrong room passwords from one client address (all rooms, all its connections): the Nth wrong one
# starts a lockout of this many seconds, during which every try is refused with retry_after.
PASSWORD_FAILURES_BEFORE_LOCKOUT = 5
PASSWORD_LOCKOUT_SECONDS = 60.0
# How long a room token (an `entered` or `token` frame) opens a private room's HTTP side.
ROOM_TOKEN_SECONDS = 600.0
# A member still connected to a private or direct room gets a fresh token (a `token` frame) when
# this fraction of its token's life has passed, so a long-open tab keeps its history and files;
# the old token stays good until its own expiry, so requests in flight do not break.
ROOM_TOKEN_REFRESH_FRACTION = 0.5

# A PATCH body of an upload streams for as long as it takes, but a pause of this many seconds with
# no byte closes it (the client resumes from the host's offset).
UPLOAD_BODY_IDLE_SECONDS = 60.0

# Direct conversations (server/rooms/direct.py): one identity takes part in at most this many;
# entering one more that does not exist yet is refused (too_many_direct_rooms, close 4017).
MAX_DIRECT_ROOMS_PER_IDENTITY = 50

# A member whose unsent frames exceed either bound is disconnected with
# CloseCode.TOO_SLOW, so one reader that stops never delays the room.
OUTBOX_MAX_FRAMES = 2000
OUTBOX_MAX_BYTES = 1024 * 1024

# Connections one client address may hold at once (server/web/client_limits.py). An address on the
# network is one machine: a window or a browser with a socket per joined room, plus HTTP. Loopback
# is this machine, where the window, browser tabs and other windows all share 127.0.0.1. The
# room socket caps are below the connection caps so a client opening sockets gets the error
# frame (close 4029), not the plain 503 for connections past the cap.
MAX_ROOM_SOCKETS_PER_ADDRESS = 64
MAX_CONNECTIONS_PER_ADDRESS = 96
MAX_ROOM_SOCKETS_PER_LOOPBACK_ADDRESS = 512
MAX_CONNECTIONS_PER_LOOPBACK_ADDRESS = 640
# From a request's first byte (or from connecting) to the end of its line and headers; past it
# the server answers 408 and closes (`lanchat serve --request-head-timeout`). A browser sends its
# few KiB at once; a client trickling a header a byte at a time is only holding a connection.
REQUEST_HEAD_TIMEOUT_SECONDS = 10.0

# How often a cluster node asks its database for the host's decisions though not told of a change
# (server/cluster/shared_state.py): the longest a ban, a new password or an admin's action takes
# to reach a node's members when its notification was missed (its listening connection was away).
STATE_POLL_SECONDS = 1.0
