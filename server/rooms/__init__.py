"""What happens in a room: admission, posting, changes, members and names; no sockets, no HTTP."""
