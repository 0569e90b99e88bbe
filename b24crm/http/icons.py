"""``/upload/crm/...``: the timeline's custom icons and logos at the ``fileUri`` crm.timeline.icon.* and
logo.* answer, and applications' activity type icons (crm/timeline/icon_files.py says who may read them).

Every answer forbids sniffing, and a sandboxing Content-Security-Policy keeps an uploaded SVG opened
directly from running script or loading anything; a file that is no image is sent as an attachment.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from b24crm.crm.timeline import icon_files
from b24crm.runtime import Runtime

PATH = "/upload/crm/{head}/{name}/{mac}"
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}


async def show_icon(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    found = await run_in_threadpool(icon_files.served, runtime.db, runtime.files, request.url.path)
    if found is None:
        return PlainTextResponse("File not found", status_code=404, headers=SAFE_HEADERS)
    content, content_type = found
    headers = {**SAFE_HEADERS, "Cache-Control": "private, max-age=3600"}
    if content_type == icon_files.OCTETS:
        headers["Content-Disposition"] = "attachment"
    return Response(content, media_type=content_type, headers=headers)
