"""lanchat's room server: FastAPI over uvicorn, knowing nothing of windows."""

__version__ = "0.1.0"
