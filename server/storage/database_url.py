"""A PostgreSQL database's address (`postgresql://user:password@host:port/name`): which addresses
are one, and how one is named in a log line without its password."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["POSTGRES_SCHEMES", "describe_database", "is_postgres_url"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


def describe_database(url: str) -> str:
    """`PostgreSQL at host:port/name`: never the user's password, which the URL may carry."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "localhost", parts.port or 5432
    except ValueError:
        return "PostgreSQL (an unreadable address)"
    return f"PostgreSQL at {host}:{port}{parts.path}"
