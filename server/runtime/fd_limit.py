"""Open-file limit: every connection is a file descriptor, and the usual soft limit is 1,024."""

from __future__ import annotations

__all__ = ["raise_open_file_limit"]


def raise_open_file_limit() -> int | None:
    """Raise the soft RLIMIT_NOFILE to the hard limit (no privilege needed); the new soft limit.

    At the default 1,024, about 1,000 idle sockets from one peer took the server down for everyone.
    None where there are no rlimits (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft
        return target
    return soft
