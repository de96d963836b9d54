"""Running the server: the CLI, uvicorn in a thread, the HTTP guards."""
