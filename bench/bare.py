"""The yardstick: a bare Starlette endpoint answering a Bitrix-like envelope, no auth, no storage."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def endpoint(request: Request) -> JSONResponse:
    start = time.time()
    now = datetime.fromtimestamp(start, UTC).isoformat(timespec="seconds")
    finish = time.time()
    return JSONResponse(
        {
            "result": now,
            "time": {
                "start": start,
                "finish": finish,
                "duration": finish - start,
                "processing": finish - start,
                "date_start": now,
                "date_finish": now,
                "operating": 0,
                "operating_reset_at": int(start) + 600,
            },
        }
    )


app = Starlette(routes=[Route("/rest/{path:path}", endpoint, methods=["GET", "POST"])])
