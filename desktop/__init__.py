"""lanchat's desktop side: it owns the main thread and the window."""
