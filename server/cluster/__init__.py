"""Several `lanchat serve` nodes on one PostgreSQL (docs/cluster.md): they hear each other through
the database (LISTEN/NOTIFY: node.py), deliver each room in its position order to their own
members, share member lists, and share what the host decided (shared_state.py, limits.py).
Nothing is imported here: a single host on SQLite never loads psycopg.
"""
