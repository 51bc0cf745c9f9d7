"""The web side: one page, its static files, and the Board's snapshots as server-sent events.

Starlette (a small ASGI toolkit) serves it with uvicorn. The page opens `/events` with the
browser's own EventSource, which reconnects by itself; every event is the whole snapshot (a few
kilobytes), sent when the Board changed, at most every 0.2 s, and at least once a second so the
orders/s figure decays when the stream stops.
"""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from order_analytics.dashboard.state import Board
from order_analytics.errors import UserError

STATIC = Path(__file__).parent / "static"
TICK_S = 0.2            # how often a stream looks for a change
HEARTBEAT_S = 1.0       # a snapshot at least this often


def create_app(board: Board, views=None) -> Starlette:
    """`views`: a order_analytics.dashboard.views.Views, the views in PostgreSQL the page also reads."""
    async def index(request: Request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def state(request: Request):
        return JSONResponse(board.snapshot(), headers={"Cache-Control": "no-store"})

    async def events(request: Request):
        async def stream():
            yield "retry: 1000\n\n"   # the browser reconnects after a second when the stream breaks
            sent_version, sent_at = None, 0.0
            while True:
                now = time.monotonic()
                if board.version != sent_version or now - sent_at >= HEARTBEAT_S:
                    snapshot = board.snapshot()
                    sent_version, sent_at = snapshot["version"], now
                    yield f"data: {json.dumps(snapshot, ensure_ascii=False)}\n\n"
                await asyncio.sleep(TICK_S)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def customer(request: Request):
        customer_id = request.path_params["customer_id"]
        if views is None or len(customer_id) > 200:
            return JSONResponse({"error": "no views in PostgreSQL"}, status_code=404)
        try:
            found = await asyncio.to_thread(views.customer, customer_id)
        except UserError:
            return JSONResponse({"error": f"no views of '{views.schema}' yet: run a job with --sink postgres"},
                                status_code=503)
        if found is None:
            return JSONResponse({"error": f"no customer '{customer_id}' in the views"}, status_code=404)
        return JSONResponse(found, headers={"Cache-Control": "no-store"})

    async def freshness(request: Request):
        answer = {"ok": False, "message": "no views database"} if views is None else \
            await asyncio.to_thread(views.freshness)
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    return Starlette(routes=[
        Route("/", index),
        Route("/api/state", state),
        Route("/api/customers/{customer_id}", customer),
        Route("/api/views", freshness),
        Route("/events", events),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
