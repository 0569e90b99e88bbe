"""The field table of crm.activity.*: one row per field drives ``crm.activity.fields``, input, output and
the list filter.

Order, types, flags and titles as the documented ``crm.activity.fields`` answer (docs:
api-reference/crm/timeline/activities/activity-base/crm-activity-fields.md). ``kind`` is the type the
vendor's SQL layer gives the column (``CCrmActivity::GetFields``), which decides filter semantics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from b24crm.crm.fields import description

Kind = Literal["int", "char", "double", "datetime", "string", "object", "virtual"]


@dataclass(frozen=True)
class ActivityField:
    name: str
    type: str
    title: str
    kind: Kind
    required: bool = False
    read_only: bool = False
    immutable: bool = False
    multiple: bool = False
    deprecated: bool = False

    @property
    def column(self) -> str:
        return self.name.lower()

    def describe(self) -> dict[str, Any]:
        described = description(
            self.type,
            required=self.required,
            read_only=self.read_only,
            immutable=self.immutable,
            multiple=self.multiple,
        )
        if self.deprecated:
            described["isDeprecated"] = True
        described["title"] = self.title
        return described


def _f(name: str, type_: str, title: str, kind: Kind, **flags: bool) -> ActivityField:
    return ActivityField(name, type_, title, kind, **flags)


R = {"read_only": True}

FIELDS: tuple[ActivityField, ...] = (
    _f("ID", "integer", "ID", "int", **R),
    _f("OWNER_ID", "integer", "Owner ID", "int", immutable=True),
    _f("OWNER_TYPE_ID", "crm_enum_ownertype", "Owner Type", "int", immutable=True),
    _f("TYPE_ID", "crm_enum_activitytype", "Type", "int", required=True, immutable=True),
    _f("PROVIDER_ID", "string", "Provider ID", "string"),
    _f("PROVIDER_TYPE_ID", "string", "Provider Type", "string"),
    _f("PROVIDER_GROUP_ID", "string", "Connector Type", "string"),
    _f("ASSOCIATED_ENTITY_ID", "integer", "Associated Entity ID", "int", **R),
    _f("SUBJECT", "string", "Subject", "string", required=True),
    _f("START_TIME", "datetime", "Start", "datetime"),
    _f("END_TIME", "datetime", "Deadline", "datetime"),
    _f("DEADLINE", "datetime", "Execution Deadline", "datetime"),
    _f("COMPLETED", "char", "Completed", "char"),
    _f("STATUS", "crm_enum_activitystatus", "Status", "int"),
    _f("RESPONSIBLE_ID", "user", "Responsible", "int", required=True),
    _f("PRIORITY", "crm_enum_activitypriority", "Priority", "int"),
    _f("NOTIFY_TYPE", "crm_enum_activitynotifytype", "Notification Type", "int"),
    _f("NOTIFY_VALUE", "integer", "Notification Parameter", "int"),
    _f("DESCRIPTION", "string", "Description", "string"),
    _f("DESCRIPTION_TYPE", "crm_enum_contenttype", "Description Type", "int"),
    _f("DIRECTION", "crm_enum_activitydirection", "Direction", "int"),
    _f("LOCATION", "string", "Location", "string"),
    _f("CREATED", "datetime", "Creation Date", "datetime", **R),
    _f("AUTHOR_ID", "user", "Created By", "int", **R),
    _f("LAST_UPDATED", "datetime", "Last Updated Date", "datetime", **R),
    _f("EDITOR_ID", "user", "Edited By", "int", **R),
    _f("SETTINGS", "object", "Settings", "object"),
    _f("ORIGIN_ID", "string", "External Code", "string"),
    _f("ORIGINATOR_ID", "string", "External Source", "string"),
    _f("RESULT_STATUS", "integer", "RESULT_STATUS", "int"),
    _f("RESULT_STREAM", "integer", "RESULT_STREAM", "int"),
    _f("RESULT_SOURCE_ID", "string", "RESULT_SOURCE_ID", "string"),
    _f("PROVIDER_PARAMS", "object", "Provider Parameters", "object"),
    _f("PROVIDER_DATA", "string", "Provider Data", "string"),
    _f("RESULT_MARK", "integer", "RESULT_MARK", "int"),
    _f("RESULT_VALUE", "double", "RESULT_VALUE", "double"),
    _f("RESULT_SUM", "double", "RESULT_SUM", "double"),
    _f("RESULT_CURRENCY_ID", "string", "RESULT_CURRENCY_ID", "string"),
    _f("AUTOCOMPLETE_RULE", "integer", "Autocomplete", "int"),
    _f("BINDINGS", "crm_activity_binding", "Bindings", "virtual", read_only=True, multiple=True),
    _f(
        "COMMUNICATIONS",
        "crm_activity_communication",
        "Communication Channel",
        "virtual",
        required=True,
        multiple=True,
    ),
    _f("FILES", "diskfile", "Files", "virtual", multiple=True),
    _f("WEBDAV_ELEMENTS", "diskfile", "Added Files", "virtual", multiple=True, deprecated=True),
    _f("IS_INCOMING_CHANNEL", "char", "IS_INCOMING_CHANNEL", "char", **R),
)

BY_NAME: dict[str, ActivityField] = {f.name: f for f in FIELDS}

# The order crm.activity.get and list write a row in (the documented get answer); IS_INCOMING_CHANNEL
# only when selected by name.
OUTPUT_ORDER: tuple[str, ...] = (
    "ID",
    "OWNER_ID",
    "OWNER_TYPE_ID",
    "TYPE_ID",
    "PROVIDER_ID",
    "PROVIDER_TYPE_ID",
    "PROVIDER_GROUP_ID",
    "ASSOCIATED_ENTITY_ID",
    "SUBJECT",
    "CREATED",
    "LAST_UPDATED",
    "START_TIME",
    "END_TIME",
    "DEADLINE",
    "COMPLETED",
    "STATUS",
    "RESPONSIBLE_ID",
    "PRIORITY",
    "NOTIFY_TYPE",
    "NOTIFY_VALUE",
    "DESCRIPTION",
    "DESCRIPTION_TYPE",
    "DIRECTION",
    "LOCATION",
    "SETTINGS",
    "ORIGINATOR_ID",
    "ORIGIN_ID",
    "AUTHOR_ID",
    "EDITOR_ID",
    "PROVIDER_PARAMS",
    "PROVIDER_DATA",
    "RESULT_MARK",
    "RESULT_VALUE",
    "RESULT_SUM",
    "RESULT_CURRENCY_ID",
    "RESULT_STATUS",
    "RESULT_STREAM",
    "RESULT_SOURCE_ID",
    "AUTOCOMPLETE_RULE",
)


@dataclass(frozen=True)
class CommunicationField:
    name: str
    type: str
    title: str
    read_only: bool = False

    def describe(self) -> dict[str, Any]:
        return {**description(self.type, read_only=self.read_only), "title": self.title}


# crm.activity.communication.fields (docs: .../activity-base/crm-activity-communication-fields.md); the
# titles are the example answer's, a real portal's (the vendor's server takes them from a language file).
COMMUNICATION_FIELDS: tuple[CommunicationField, ...] = (
    CommunicationField("ID", "integer", "ID", read_only=True),
    CommunicationField("ACTIVITY_ID", "integer", "Case", read_only=True),
    CommunicationField("ENTITY_ID", "integer", "Entity element ID"),
    CommunicationField("ENTITY_TYPE_ID", "integer", "Entity type"),
    CommunicationField("TYPE", "string", "Type"),
    CommunicationField("VALUE", "string", "Value"),
)
