"""What the tests share, so no test module imports another (tests/unit/test_suite_imports.py checks).

Servers: server_process (`lanchat serve` as a real process), server_thread (the window's in-process
server), file_host and rooms (the arguments and rooms the server tests set up).
Talking to them: frames (room socket frames), room_client (an asyncio room client that folds
changes), raw_http (bytes on a socket), tus_client (resumable uploads), ports.
The window: app_process and app_driver (the real app in a subprocess, driven over stdin/stdout),
window (what a person does in it), notification_service (stand-ins on a private D-Bus).
The browser: browser (Chromium's flags and a person's steps on a page), screenshots.
Elsewhere: netns (network namespaces), images, history_files, waiting.

The fixtures built on these are in tests/conftest.py and the folders' conftest.py files.
"""
