"""A client's bad bytes are one warning line in the log, not an error with a traceback.

uvicorn logs a text frame that is not UTF-8 with `logger.exception` (an ERROR and a traceback of
its own decode call) before closing the socket with 1007, as RFC 6455 asks. Nothing is wrong
with the server then, and any peer could write a traceback into the host's log per connection
(the fuzzer, tests/fuzz/fuzz_server.py, found it). This filter keeps the line and drops the rest.
"""

from __future__ import annotations

import logging

__all__ = ["ClientFaultLogFilter", "install_client_fault_filter"]

# uvicorn's messages for faults that are the client's alone.
CLIENT_FAULT_MESSAGES = frozenset({"Invalid UTF-8 sequence received from client."})


class ClientFaultLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in CLIENT_FAULT_MESSAGES:
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def install_client_fault_filter() -> None:
    """Once per process (uvicorn configures its loggers again for each server it makes)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(existing, ClientFaultLogFilter) for existing in logger.filters):
        logger.addFilter(ClientFaultLogFilter())
