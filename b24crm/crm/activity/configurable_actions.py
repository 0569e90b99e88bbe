"""A user clicks a button or menu item of a configurable activity (reference: crm.md §5.4).

- ``restEvent``: ONCRMTIMELINEITEMACTION to the activity's own application only (the vendor holds the
  event for every other app: ``REST_EVENT_HOLD_EXCEPT_APP``), ``data`` = the action's params with the
  timeline's ``entityTypeId``, ``entityId``, ``activityId`` and the action's ``id`` over them, the clicking
  user's token in ``auth``; written to the outbox in the transaction that sets the lock. ``animationType``
  ``loader`` locks the whole entry, ``disable`` the clicked button, until the application updates the
  activity (``configurable.update`` clears ``ui_lock``); a locked entry or button takes no click.
- ``openRestApp``: the POST that opens the application's page (PLACEMENT DEFAULT) with the timeline's
  context and the action's params in PLACEMENT_OPTIONS, and the slider's params beside it.
- ``redirect``: nothing for the server; answered with its URI.

The vendor's page signs these parameters into the entry it renders; until b24crm has a page, the operator's
admin endpoint stands for the click (``POST /_b24crm/portals/{id}/activities/{a}/actions``).
"""

from __future__ import annotations

from typing import Any

from b24crm import errors
from b24crm.apps import placements
from b24crm.apps.models import App
from b24crm.auth.models import User
from b24crm.crm.activity import access
from b24crm.crm.activity.configurable import PROVIDER_ID, provider_params, stored_layout
from b24crm.crm.permissions import grants_for
from b24crm.events import catalogue as event_names
from b24crm.events import outbox
from b24crm.store import apps as apps_store
from b24crm.store import crm_activities, tenancy

# The admin namespace's envelope: a code, a text and the HTTP status.
NO_ACTIVITY = errors.ErrorSpec("NOT_FOUND", "Configurable activity not found", 404)
NO_ACTION = errors.ErrorSpec("NOT_FOUND", "The activity has no button or menu item {key}", 404)
NO_USER = errors.ErrorSpec("NOT_FOUND", "No active user {user} on the portal", 404)
HIDDEN = errors.ErrorSpec("ACCESS_DENIED", "The user cannot see this activity", 403)
LOCKED = errors.ErrorSpec("LOCKED", "Locked until the application updates the activity", 409)
NO_APP = errors.ErrorSpec("NOT_FOUND", "The activity's application is not installed", 404)


def _action(layout: Any, key: str) -> tuple[str, dict[str, Any]]:
    """The clicked element's kind (``button`` or ``item``) and its action."""
    footer = layout.get("footer") if isinstance(layout, dict) else None
    footer = footer if isinstance(footer, dict) else {}
    menu = footer.get("menu")
    menu = menu if isinstance(menu, dict) else {}
    for kind, elements in (("button", footer.get("buttons")), ("item", menu.get("items"))):
        element = elements.get(key) if isinstance(elements, dict) else None
        if isinstance(element, dict) and isinstance(element.get("action"), dict):
            return kind, element["action"]
    raise NO_ACTION.format(key=key)


def _params(action: dict[str, Any]) -> dict[str, str]:
    given = action.get("actionParams")
    return {str(k): str(v) for k, v in given.items()} if isinstance(given, dict) else {}


def _locked(lock: Any, kind: str, key: str) -> bool:
    if not isinstance(lock, dict):
        return False
    return bool(lock.get("entry")) or (kind == "button" and key in (lock.get("buttons") or []))


def _lock_after(lock: Any, animation: Any, key: str) -> dict[str, Any] | None:
    current = dict(lock) if isinstance(lock, dict) else {}
    if animation == "loader":
        current["entry"] = True
    elif animation == "disable":
        current["buttons"] = [*(current.get("buttons") or []), key]
    return current or None


def _owning_app(conn: Any, portal_id: int, row: dict[str, Any]) -> App | None:
    found = apps_store.app_by_client_id(conn, str(provider_params(row).get("clientId") or ""))
    if found is None or found["portal_id"] != portal_id or not found["active"] or not found["installed"]:
        return None
    return App.from_row(found)


def click(runtime: Any, portal_id: int, activity_id: int, key: str, user_id: int) -> dict[str, Any]:
    """What clicking ``key`` (a button or menu item) of the activity does for ``user_id``."""
    with runtime.db.write() as conn:
        row = crm_activities.get_activity(conn, portal_id, activity_id)
        if row is None or row["provider_id"] != PROVIDER_ID:
            raise NO_ACTIVITY()
        user_row = tenancy.user_by_id(conn, portal_id, user_id)
        if user_row is None or not user_row["active"]:
            raise NO_USER.format(user=user_id)
        user = User.from_row(user_row)
        bindings = crm_activities.bindings_of(conn, portal_id, [activity_id])[activity_id]
        if not access.may_read(conn, portal_id, grants_for(conn, portal_id, user), row, bindings):
            raise HIDDEN()
        kind, action = _action(stored_layout(row), key)
        context = {
            "entityTypeId": row["owner_type_id"],
            "entityId": row["owner_id"],
            "activityId": activity_id,
        }
        if action.get("type") == "redirect":
            return {"type": "redirect", "uri": action.get("uri")}
        if _locked(row["ui_lock"], kind, key):
            raise LOCKED()
        app = _owning_app(conn, portal_id, row)
        if action.get("type") == "openRestApp":
            if app is None:
                raise NO_APP()
            options = {**{k: str(v) for k, v in context.items()}, **_params(action)}
            # The slider's size and label: the page's to apply, not the application's to receive.
            call = placements._frame_call(conn, runtime, app, app.handler_url, "DEFAULT", options, user_id)
            return {"type": "openRestApp", "call": call, "sliderParams": action.get("sliderParams")}
        data = {**_params(action), **context, "id": action.get("id")}
        now = runtime.clock.now()
        origin = outbox.Origin(user_id=user_id)
        # An app no longer installed receives nothing; nor does anyone else (no webhook, no other app).
        event_id = outbox.emit(
            conn, portal_id, event_names.TIMELINE_ITEM_ACTION, data, now, origin, app_id=app.id if app else 0
        )
        lock = _lock_after(row["ui_lock"], action.get("animationType"), key)
        if lock != row["ui_lock"]:
            crm_activities.update_activity(conn, portal_id, activity_id, {"ui_lock": lock})
        return {"type": "restEvent", "event_id": event_id, "data": data, "lock": lock}
