"""Several `lanchat serve` nodes on one PostgreSQL: what they share beyond the history."""
