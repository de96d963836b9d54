"""The wire's limits: what a client of the room socket and the HTTP API must respect.

Every number here is part of the contract a client is written against (the UI reads many of them
from ui/src/protocol.generated.js). What the host itself allows (rates, capacities, timeouts) is
server/policy.py's: a host may change those without a client changing a line.
"""

from __future__ import annotations

# A client opts into the frames beyond the seed's (welcome, ack, presence,
# typing) by connecting to /ws/{room}?v=2.
PROTOCOL_VERSION = 2

# Limits. Text and sender are measured in characters after trimming whitespace.
MAX_TEXT_CHARS = 4000
MAX_SENDER_CHARS = 32
MAX_ROOM_CHARS = 64
MAX_CLIENT_ID_CHARS = 64
# A room name is letters and digits of any script (Cyrillic included) plus these.
ROOM_NAME_PUNCTUATION = " -_."
# A text frame larger than this (UTF-8 bytes) is refused with an error frame and
# the connection stays open.
MAX_FRAME_BYTES = 64 * 1024
# Frames larger than this are cut off by the WebSocket layer itself (close 1009):
# past it we would have to buffer the whole frame just to refuse it.
TRANSPORT_MAX_FRAME_BYTES = 1024 * 1024

# Read receipts: a client sends at most one `seen` frame per room socket per this many seconds
# (the UI coalesces what scrolls into view). The host's own cap on them is policy.SEEN_RATE_*.
SEEN_SEND_INTERVAL_SECONDS = 1.0

# A client's identity secret (the hello frame): base64url characters (hex is a subset), at least
# 22 of them (132 bits, base64url's spelling of 128 random bits), so a guess is hopeless.
# The UI makes 32 random bytes (43 characters).
IDENTITY_SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
IDENTITY_SECRET_MIN_CHARS = 22
IDENTITY_SECRET_MAX_CHARS = 128
# The identity id is this many hex digits of a hash of the secret (64 bits): short enough to show,
# and two of a LAN's identities sharing one is out of reach by chance.
IDENTITY_ID_CHARS = 16

# Private rooms (server/rooms/private.py). A password the host sets has this many characters.
MIN_ROOM_PASSWORD_CHARS = 4
MAX_ROOM_PASSWORD_CHARS = 128
# A client entering a private room sends its password frame within this many seconds of
# connecting, or is refused (password_required, close 4013): a seed client included.
PASSWORD_WAIT_SECONDS = 10.0
# The token an `entered` frame carries opens the room's HTTP history, sent in this header (never
# the URL); it lasts policy.ROOM_TOKEN_SECONDS, and a new password or an open room revokes it.
ROOM_TOKEN_HEADER = "X-Lanchat-Room-Token"

# Files (server/files/, tus 1.0 under /api/uploads; see PROTOCOL.md "Files"). One file is at most
# MAX_FILE_BYTES; a message carries at most MAX_ATTACHMENTS_PER_MESSAGE.
MAX_FILE_BYTES = 4 * 1024**3
MAX_ATTACHMENTS_PER_MESSAGE = 10
# POST /api/rooms/{room}/access turns a room token into this cookie (path /api/files/): <img> and
# download links cannot send the token header.
FILE_ACCESS_COOKIE_PREFIX = "lanchat_files_"

# Edits, deletes and reactions. A message's sender (its identity) may edit it for this
# long after posting (`lanchat serve --edit-window-hours`, the window's Host panel; 0 turns edits
# off); deleting one's own message has no window.
EDIT_WINDOW_SECONDS = 24 * 3600.0
# The longest edit window a host may set (a year), so the setting stays a number people mean.
MAX_EDIT_WINDOW_HOURS = 24 * 365
# A reaction is 1 to this many code points (an emoji sequence: a family is 7, a flag with tags 7).
MAX_REACTION_CHARS = 16
# Distinct reactions one message carries; a new one past it is refused (too_many_reactions).
MAX_REACTIONS_PER_MESSAGE = 20
# A reply's quote of the message it answers: its first line, at most this many characters.
REPLY_QUOTE_CHARS = 140

# A member joining without `after` first receives the room's last N messages.
HISTORY_ON_JOIN = 100
# The HTTP history endpoint returns at most this many messages a page.
HISTORY_PAGE_MAX = 200
# GET /api/rooms answers a page of the room list: this many rooms unless `limit` says otherwise,
# and never more than the max (10,000 rooms were once a 1.5 MiB answer the join screen drew whole).
ROOM_LIST_PAGE = 100
ROOM_LIST_PAGE_MAX = 500
# GET /api/search (server/storage/search.py): a query of at most this many characters and distinct words
# (stems); a page of SEARCH_PAGE results unless `limit` says otherwise, never more than the max;
# no page starts past MAX_SEARCH_OFFSET (nobody reads that far: narrow the search instead).
MAX_SEARCH_QUERY_CHARS = 200
MAX_SEARCH_TERMS = 8
SEARCH_PAGE = 20
SEARCH_PAGE_MAX = 50
MAX_SEARCH_OFFSET = 1000
# At most this many `room=` in one search, and this many tokens in its ROOM_TOKEN_HEADER
# (comma-separated: one per private or direct room the caller has entered).
MAX_SEARCH_ROOMS = 50
MAX_SEARCH_TOKENS = 50
# A result's text is the message whole up to this many characters, else a window around the match.
SEARCH_SNIPPET_CHARS = 160

# Message ids are SQLite integers: a larger `before`, `after` or `v` is malformed, not a crash.
MAX_MESSAGE_ID = 2**63 - 1
MAX_NUMBER_DIGITS = len(str(MAX_MESSAGE_ID))  # 19
