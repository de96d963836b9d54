"""The HTTP API, one APIRouter per area; create_app (server/web/app.py) includes them in order.

The handlers are `async def` on purpose: FastAPI would run plain functions on a worker thread,
and the store and the hub belong to the event loop's thread. `response_model=None` where a handler
returns protocol frames: their annotations are for the type checker, the frames are built from the
protocol's TypedDicts already, and validating them again would cost every request.
"""
