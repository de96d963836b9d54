"""The HTTP and WebSocket edge: the app, its routes, the room socket, Host and Origin checks."""
