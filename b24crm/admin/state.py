"""A portal's state reset, saved and restored: what ``/_b24crm/portals/{id}/reset``, ``.../snapshot``,
``/_b24crm/snapshot`` and ``b24crm reset|snapshot`` do.

Reset, ``to``:

- ``empty``: no CRM records, events, deliveries, mail, timeline or offline queue; the lists every new
  portal has (lead statuses, the deal pipeline and its stages, sources...) made afresh, custom pipelines,
  statuses and smart-process types gone; ID counters of what went start again (the next deal is 1).
- ``seeded``: empty, then what ``b24crm seed`` adds (``deals`` and ``activities``, 50 and 100 unless
  said; deterministic for a frozen clock).

Either way the portal and its access are kept unless ``access`` is ``wipe``: users, webhooks, roles,
applications with their tokens, event handlers, placements, options and the activity types, badges and
icons applications declared, and the workbench's own settings (limits plan, fault rules). With ``wipe``
those go too, and a new administrator with a crm,user webhook is made, as for a new portal.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from typing import IO, Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from b24crm import errors
from b24crm.admin import clock
from b24crm.crm import statuses_stages
from b24crm.http.render import render, render_error
from b24crm.runtime import Runtime
from b24crm.store import migrate, snapshot_restore, snapshots, tenancy
from b24crm.store.filters import to_int
from b24crm.store.snapshots import SnapshotError

KEPT_WITH_ACCESS = (
    "users",
    "webhooks",
    "crm_roles",
    "crm_user_roles",
    "apps",
    "app_options",
    "oauth_codes",
    "oauth_tokens",
    "event_handlers",
    "placements",
    "crm_activity_types",
    "crm_badges",
    "crm_timeline_icons",
    "limit_plans",
    "fault_rules",
    "event_fault_rules",
)
RESETS = ("empty", "seeded")
SEEDED_DEALS, SEEDED_ACTIVITIES, SEEDED_USERS = 50, 100, 5
MAX_SEEDED = 100_000  # records a reset may seed: more is ``b24crm seed``'s work


def _lists(conn: Any, portal_id: int) -> None:
    """The default lists a new portal gets, made in the caller's transaction when missing (the server
    checks them once per portal and process, so they must be there when the reset commits)."""
    if statuses_stages._needs_seed(conn, portal_id):
        statuses_stages._seed(conn, portal_id)


def reset(
    runtime: Runtime,
    portal_id: int,
    *,
    to: str = "empty",
    wipe_access: bool = False,
    deals: int | None = None,
    activities: int | None = None,
) -> dict[str, Any]:
    """Reset the portal (see the module's docstring); LookupError for an unknown portal."""
    if to not in RESETS:
        raise ValueError(f"to must be one of {', '.join(RESETS)}")
    deals = SEEDED_DEALS if deals is None and to == "seeded" else deals or 0
    activities = SEEDED_ACTIVITIES if activities is None and to == "seeded" else activities or 0
    if to == "empty" and (deals or activities):
        raise ValueError("deals and activities are for to=seeded")
    if not (0 <= deals <= MAX_SEEDED and 0 <= activities <= MAX_SEEDED):
        raise ValueError(f"deals and activities must lie between 0 and {MAX_SEEDED}")
    keep = () if wipe_access else KEPT_WITH_ACCESS
    with runtime.db.write() as conn:
        if tenancy.portal_by_id(conn, portal_id) is None:
            raise LookupError(f"no portal {portal_id}")
        gone = snapshots.file_paths(conn, runtime.files, portal_id)
        snapshots.clear(conn, portal_id, keep=keep)
        _lists(conn, portal_id)
        snapshots.touch_credentials(conn, portal_id)
        answer: dict[str, Any] = {"portal": portal_id, "to": to, "access": "wipe" if wipe_access else "keep"}
        if wipe_access:  # in the same transaction: a portal is never left without a way in
            tenants = runtime.tenancy
            admin = tenants.create_user(portal_id, name="Admin", admin=True, within=conn)
            hook = tenants.create_webhook(portal_id, admin.id, ("crm", "user"), title="reset", within=conn)
            answer |= {"user_id": admin.id, "webhook": hook.url(runtime.settings.base_url)}
    runtime.files.discard(gone)
    runtime.tenancy.invalidate()
    if deals or activities:
        from b24crm.seed import seed_activities, seed_deals

        now = runtime.clock.now()
        if deals:
            seed_deals(runtime.db, portal_id, deals, users=SEEDED_USERS, now=now)
        if activities:
            seed_activities(runtime.db, portal_id, activities, users=SEEDED_USERS, now=now)
    return answer | {"deals": deals, "activities": activities}


def save(runtime: Runtime, out: IO[str], portal_id: int | None = None) -> int:
    """Write a portal's snapshot (or, with None, the whole server's) to ``out``; answers the rows."""
    schema = migrate.current_revision(runtime.db) or ""
    return snapshots.save(runtime.db, runtime.files, out, schema, portal_id)


def save_to_temporary(runtime: Runtime, portal_id: int | None) -> str:
    """The snapshot in a temporary file (the caller removes it): streamed from the database to disk, so
    that neither side holds the whole of it in memory."""
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", suffix=".jsonl", prefix="b24crm-snapshot-", delete=False
    ) as out:
        try:
            save(runtime, out, portal_id)
        except BaseException:
            out.close()
            os.unlink(out.name)
            raise
        return out.name


def restore(runtime: Runtime, source: IO[str], portal_id: int | None = None) -> dict[str, Any]:
    """Replace a portal's state with the snapshot's (``portal_id``: into that portal; otherwise the
    portal the file names, made if missing; a server snapshot: every portal)."""
    done = snapshot_restore.restore(runtime.db, runtime.files, source, target=portal_id, after=_lists)
    runtime.tenancy.invalidate()
    return {"portals": done.portals, "rows": done.rows}


# --- the admin endpoints -------------------------------------------------------------------------------

NO_PORTAL = errors.ErrorSpec("NOT_FOUND", "Portal not found", 404)
INVALID_SNAPSHOT = errors.ErrorSpec("INVALID_SNAPSHOT", "", 400)
TOO_LARGE = errors.ErrorSpec("INVALID_SNAPSHOT", "", 413)
MAX_SNAPSHOT_BYTES = 1 << 30  # an upload past this is refused while it streams in
SPOOL_BYTES = 8 << 20  # what an upload may hold in memory before it goes to a temporary file


def _count(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be an integer")
    return value


def _portal_id(path: dict[str, Any]) -> int | None:
    """The path's portal (None: the whole server's); NOT_FOUND past the column's range."""
    value = path.get("portal_id")
    try:
        return None if value is None else to_int(value)
    except ValueError:
        raise NO_PORTAL() from None


def reset_portal(runtime: Runtime, path: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    """``{"to": "empty"|"seeded", "access": "keep"|"wipe", "deals": n, "activities": n}``."""
    access = body.get("access", "keep")
    if access not in ("keep", "wipe"):
        raise ValueError("access must be keep or wipe")
    to = body.get("to", "empty")
    if not isinstance(to, str):
        raise ValueError(f"to must be one of {', '.join(RESETS)}")
    portal_id = _portal_id(path)
    assert portal_id is not None  # the reset's route always names one
    try:
        answer = reset(
            runtime,
            portal_id,
            to=to,
            wipe_access=access == "wipe",
            deals=_count(body, "deals"),
            activities=_count(body, "activities"),
        )
    except LookupError:
        raise NO_PORTAL() from None
    return 200, answer


async def download_snapshot(request: Request, runtime: Runtime) -> Response:
    """The portal's snapshot (without a portal in the path: the whole server's), as a JSON-lines file."""
    try:
        portal_id = _portal_id(request.path_params)
        name = await run_in_threadpool(save_to_temporary, runtime, portal_id)
    except errors.ApiError as exc:
        return render_error(exc)
    except LookupError:
        return render_error(NO_PORTAL())
    filename = f"b24crm-portal-{portal_id}.jsonl" if portal_id is not None else "b24crm-server.jsonl"
    return FileResponse(
        name, media_type="application/x-ndjson", filename=filename, background=BackgroundTask(os.unlink, name)
    )


async def upload_snapshot(request: Request, runtime: Runtime) -> Response:
    """Restore the body's snapshot: into the portal of the path, or (without one) the portal the file names
    or, for a server snapshot, the whole server."""
    try:
        portal_id = _portal_id(request.path_params)
    except errors.ApiError as exc:
        return render_error(exc)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed below
    try:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_SNAPSHOT_BYTES:
                return render_error(TOO_LARGE(f"a snapshot may hold up to {MAX_SNAPSHOT_BYTES} bytes"))
            spool.write(chunk)
        spool.seek(0)
        text = io.TextIOWrapper(spool, encoding="utf-8")
        try:
            result = await run_in_threadpool(restore, runtime, text, portal_id)
        except SnapshotError as exc:
            return render_error(INVALID_SNAPSHOT(errors.reason(exc)))
        except UnicodeDecodeError:
            return render_error(INVALID_SNAPSHOT("a snapshot is UTF-8 text"))
        except LookupError:
            return render_error(NO_PORTAL())
        return render({"result": result}, 200)
    finally:
        spool.close()


def routes(endpoint: Callable[..., Any]) -> list[Route]:
    """The clock's, resets' and snapshots' routes, each made an admin endpoint by ``endpoint``
    (``routes.admin_endpoint``; ``raw``: the handler answers the request itself)."""
    portal = "/_b24crm/portals/{portal_id:int}"
    return [
        Route("/_b24crm/clock", endpoint(clock.get_clock), methods=["GET"]),
        Route("/_b24crm/clock", endpoint(clock.put_clock), methods=["PUT"]),
        Route("/_b24crm/clock", endpoint(clock.delete_clock), methods=["DELETE"]),
        Route(f"{portal}/reset", endpoint(reset_portal), methods=["POST"]),
        Route(f"{portal}/snapshot", endpoint(download_snapshot, raw=True), methods=["GET"]),
        Route(f"{portal}/snapshot", endpoint(upload_snapshot, raw=True), methods=["PUT"]),
        Route("/_b24crm/snapshot", endpoint(download_snapshot, raw=True), methods=["GET"]),
        Route("/_b24crm/snapshot", endpoint(upload_snapshot, raw=True), methods=["PUT"]),
    ]
