"""``/bitrix/tools/crm_show_file.php``: the download address crm.activity.* lists in ``FILES``; and
``/disk/showFile/<id>/`` / ``/disk/downloadFile/<id>/``, those of timeline records' files.

The ``auth`` token names the portal and user it was issued to; the file is served while that user may still
read its activity, otherwise the answer is a plain 404 (the vendor shows no file either).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from b24crm.crm.activity import files as activity_files
from b24crm.crm.timeline import files as timeline_files
from b24crm.runtime import Runtime
from b24crm.store.filters import to_int


async def show_file(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        file_id = to_int(request.query_params.get("fileId", ""))
    except ValueError:
        return PlainTextResponse("File not found", status_code=404)
    found = await run_in_threadpool(
        activity_files.downloadable, runtime.db, runtime.files, file_id, request.query_params.get("auth", "")
    )
    if found is None:
        return PlainTextResponse("File not found", status_code=404)
    path, name, content_type = found
    return FileResponse(path, media_type=content_type, filename=name)


async def _timeline_file(request: Request, *, inline: bool) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        file_id = to_int(request.path_params.get("file_id", ""))
    except ValueError:
        return PlainTextResponse("File not found", status_code=404)
    found = await run_in_threadpool(
        timeline_files.downloadable, runtime.db, runtime.files, file_id, request.query_params.get("auth", "")
    )
    if found is None:
        return PlainTextResponse("File not found", status_code=404)
    path, name, content_type = found
    disposition = "inline" if inline else "attachment"
    return FileResponse(path, media_type=content_type, filename=name, content_disposition_type=disposition)


async def show_timeline_file(request: Request) -> Response:
    """``urlShow`` of a timeline record's file (crm.timeline.comment.get): shown in the browser."""
    return await _timeline_file(request, inline=True)


async def download_timeline_file(request: Request) -> Response:
    """``urlDownload`` of a timeline record's file: saved as an attachment."""
    return await _timeline_file(request, inline=False)
