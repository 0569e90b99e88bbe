"""The events a portal can bind (``events``, ``event.bind``), each with the scope it belongs to.

The platform's own events are global; the CRM's are in ``crm``: the activity events, the classic
entities' ``ONCRM<ENTITY><ACTION>`` and, for smart processes and smart invoices,
``ONCRMDYNAMICITEM<ACTION>_<entityTypeId>`` (docs: api-reference/crm/universal/events/*.md).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from b24crm.crm.entity_types import COMPANY, CONTACT, DEAL, LEAD, QUOTE, SMART_INVOICE
from b24crm.store import crm_types

# Every event name b24crm emits or lets bind, declared here only.
ACTIVITY_ADD = "ONCRMACTIVITYADD"
ACTIVITY_UPDATE = "ONCRMACTIVITYUPDATE"
ACTIVITY_DELETE = "ONCRMACTIVITYDELETE"
APP_INSTALL = "ONAPPINSTALL"
APP_UNINSTALL = "ONAPPUNINSTALL"
APP_UPDATE = "ONAPPUPDATE"
APP_PAYMENT = "ONAPPPAYMENT"
APP_TEST = "ONAPPTEST"
APP_METHOD_CONFIRM = "ONAPPMETHODCONFIRM"
OFFLINE_EVENT = "ONOFFLINEEVENT"
# A configurable activity's restEvent action was clicked: for the activity's own application only
# (the vendor's ConfigurableRestApp\EventHandler, ``REST_EVENT_HOLD_EXCEPT_APP``).
TIMELINE_ITEM_ACTION = "ONCRMTIMELINEITEMACTION"
# Users' comments on the timeline (docs: crm/timeline/comments/events/*.md).
TIMELINE_COMMENT_ADD = "ONCRMTIMELINECOMMENTADD"
TIMELINE_COMMENT_UPDATE = "ONCRMTIMELINECOMMENTUPDATE"
TIMELINE_COMMENT_DELETE = "ONCRMTIMELINECOMMENTDELETE"

# The platform's events, in the vendor's listing order.
BASIC_EVENTS = (
    APP_INSTALL,
    APP_UNINSTALL,
    APP_UPDATE,
    APP_PAYMENT,
    APP_TEST,
    APP_METHOD_CONFIRM,
    OFFLINE_EVENT,
)
# Events about one app, for that app's handlers only.
APP_EVENTS = frozenset({APP_INSTALL, APP_UNINSTALL, APP_UPDATE, APP_PAYMENT, APP_TEST, OFFLINE_EVENT})
ACTIONS = ("ADD", "UPDATE", "DELETE")
_CLASSIC = {LEAD: "LEAD", DEAL: "DEAL", CONTACT: "CONTACT", COMPANY: "COMPANY", QUOTE: "QUOTE"}


def item_event(entity_type_id: int, action: str) -> str:
    symbol = _CLASSIC.get(entity_type_id)
    if symbol is not None:
        return f"ONCRM{symbol}{action}"
    return f"ONCRMDYNAMICITEM{action}_{entity_type_id}"


def item_event_data(entity_type_id: int, item_id: int) -> dict[str, dict[str, int]]:
    if entity_type_id in _CLASSIC:
        return {"FIELDS": {"ID": item_id}}
    return {"FIELDS": {"ID": item_id, "ENTITY_TYPE_ID": entity_type_id}}


def known_events(conn: Connection, portal_id: int) -> dict[str, str]:
    """Every event of the portal, upper case, with its scope, in the vendor's listing order."""
    events = {name: "basic" for name in BASIC_EVENTS}
    for name in (ACTIVITY_ADD, ACTIVITY_UPDATE, ACTIVITY_DELETE):
        events[name] = "crm"
    events[TIMELINE_ITEM_ACTION] = "crm"
    for name in (TIMELINE_COMMENT_ADD, TIMELINE_COMMENT_UPDATE, TIMELINE_COMMENT_DELETE):
        events[name] = "crm"
    for entity_type_id in _CLASSIC:
        for action in ACTIONS:
            events[item_event(entity_type_id, action)] = "crm"
    dynamic = [SMART_INVOICE, *(t["entity_type_id"] for t in crm_types.list_types(conn, portal_id))]
    for entity_type_id in dynamic:
        for action in ACTIONS:
            events[item_event(entity_type_id, action)] = "crm"
    return events
