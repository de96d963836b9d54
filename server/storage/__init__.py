"""What is kept on disk: the history, reactions and the full-text index (SQLite)."""
