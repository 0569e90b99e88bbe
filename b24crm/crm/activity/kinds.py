"""The activity types (``TYPE_ID``) and the providers of "user action" activities this server knows
(``CCrmActivityType``, the providers registered with ``CCrmActivity``)."""

from __future__ import annotations

MEETING, CALL, TASK, EMAIL, ACTION, PROVIDER = 1, 2, 3, 4, 5, 6
TYPE_NAMES = {MEETING: "Meeting", CALL: "Call", TASK: "Task", EMAIL: "E-mail", ACTION: "Activity"}
DEFAULT_PROVIDERS = {
    MEETING: ("CRM_MEETING", "MEETING"),
    CALL: ("VOXIMPLANT_CALL", "CALL"),
    EMAIL: ("CRM_EMAIL", "EMAIL"),
}
# Providers of "user action" (TYPE_ID 6) activities this server knows.
PROVIDERS = frozenset(
    {
        "CRM_TODO",
        "REST_APP",
        "CONFIGURABLE_REST_APP",
        "CRM_CALL_TRACKER",
        "CRM_SMS",
        "CRM_NOTIFICATION",
        "CRM_WEBFORM",
        "CRM_REQUEST",
        "CRM_EXTERNAL_CHANNEL",
        "IMOPENLINES_SESSION",
        "CRM_DELIVERY",
        "CRM_VISIT",
        "CRM_CALENDAR_SHARING",
        "CRM_ZOOM",
        "CRM_WHATSAPP",
    }
)
