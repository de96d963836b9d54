"""The wire: every frame, code and limit a client of the room server must know."""
