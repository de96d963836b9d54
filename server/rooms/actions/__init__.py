"""One module per thing a member does in a room, each going check -> do -> publish: a hello,
a typing notice, a message, a change (edit, delete, reaction). Each takes the RoomState."""
