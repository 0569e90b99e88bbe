"""``/bitrix/tools/crm_show_file.php``: the download address crm.activity.* lists in ``FILES``; and
``/disk/showFile/<id>/`` / ``/disk/downloadFile/<id>/``, those of timeline records' files.

The ``auth`` token names the portal and user it was issued to; the file is served while that user may still
read its activity, otherwise the answer is a plain 404 (the vendor shows no file either).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from b24crm.crm import item_files
from b24crm.crm.activity import files as activity_files
from b24crm.crm.timeline import files as timeline_files
from b24crm.runtime import Runtime
from b24crm.store.engine import Database
from b24crm.store.files import ACTIVITY_OWNER_TYPE, FileStore
from b24crm.store.filters import to_int

Find = Callable[[Database, FileStore, int, str], "tuple[Path, str, str] | None"]


async def _serve(request: Request, file_id_text: str, find: Find, disposition: str) -> Response:
    """The file ``find`` answers for this id and the request's ``auth`` token; a plain 404 otherwise."""
    runtime: Runtime = request.app.state.runtime
    try:
        file_id = to_int(file_id_text)
    except ValueError:
        return PlainTextResponse("File not found", status_code=404)
    found = await run_in_threadpool(
        find, runtime.db, runtime.files, file_id, request.query_params.get("auth", "")
    )
    if found is None:
        return PlainTextResponse("File not found", status_code=404)
    path, name, content_type = found
    return FileResponse(path, media_type=content_type, filename=name, content_disposition_type=disposition)


async def show_file(request: Request) -> Response:
    """An activity's file (crm.activity.* ``FILES``), as an attachment; or, with an item's type and id, an
    item's photo or logo (shown, or saved with ``download=Y``)."""
    query = request.query_params
    if query.get("ownerTypeId", str(ACTIVITY_OWNER_TYPE)) == str(ACTIVITY_OWNER_TYPE):
        return await _serve(request, query.get("fileId", ""), activity_files.downloadable, "attachment")
    try:
        owner = (to_int(query.get("ownerTypeId", "")), to_int(query.get("ownerId", "")))
    except ValueError:
        return PlainTextResponse("File not found", status_code=404)
    field = query.get("fieldName", "")

    def find(db: Database, store: FileStore, file_id: int, token: str) -> tuple[Path, str, str] | None:
        return item_files.downloadable(db, store, owner, field, file_id, token)

    disposition = "attachment" if query.get("download", "").upper() == "Y" else "inline"
    return await _serve(request, query.get("fileId", ""), find, disposition)


async def show_timeline_file(request: Request) -> Response:
    """``urlShow`` of a timeline record's file (crm.timeline.comment.get): shown in the browser."""
    file_id = str(request.path_params.get("file_id", ""))
    return await _serve(request, file_id, timeline_files.downloadable, "inline")


async def download_timeline_file(request: Request) -> Response:
    """``urlDownload`` of a timeline record's file: saved as an attachment."""
    file_id = str(request.path_params.get("file_id", ""))
    return await _serve(request, file_id, timeline_files.downloadable, "attachment")
