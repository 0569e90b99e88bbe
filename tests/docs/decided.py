"""The docs' examples b24crm answers differently, each with the docs/compatibility.md line that explains it.

Every entry names its line by the text of the line's first column; the test asserts b24crm's answer, so
a change in either the docs or b24crm shows as a failure to revisit.
"""

from __future__ import annotations

# Lines of docs/compatibility.md (their first column).
APP = "Docs replay: examples an application sends"
ECHOED = "Docs replay: answers that echo another example's data"
CLASSIC_UF = "`crm.lead.fields`, `crm.deal.fields`, `crm.contact.fields`, `crm.company.fields`"
CONTACT_FACE = "Docs replay: `crm.contact.get` example keys"
ITEM_KEYS = "Docs replay: `crm.item.*` answer keys beyond the object fields"
ITEM_FIELDS = "Docs replay: `crm.item.fields` descriptions"
TYPE_KEYS = "Docs replay: `crm.type.*` answer keys"
CATEGORY_KEYS = "Docs replay: `crm.category.*` answer keys"
BATCH = "Docs replay: the `batch` example"
LOGMESSAGE_LIST = "`crm.timeline.logmessage.list` answer"
SYSTEM_CODES = "Docs replay: examples naming a system icon or logo"
NOT_WORKING = "Docs replay: examples that cannot succeed as written"
UNMODELLED = "Docs replay: listed errors of conditions b24crm does not have"
PARAPHRASED = "Docs replay: error tables that describe rather than quote"
UNSUITABLE = "`crm.timeline.layout.blocks.set` on an unsuitable record"
APP_INFO = "`app.info` with a webhook"
USER_FIELDS = "`user.current`/`user.get` fields"
RESPONSIBLE = "`crm.activity.add/update` `RESPONSIBLE_ID`"

# "<method>#<example>": (line, status, error code) where the example's call is answered with an error.
ANSWERED: dict[str, tuple[str, int, str]] = {
    "crm.activity.configurable.update#0": (NOT_WORKING, 400, "INCOMING_ACTIVITY_CAN_NOT_BE_WITH_DEADLINE"),
    "crm.timeline.logmessage.delete#0": (APP, 400, "REMOVING_DISABLED"),
    "crm.status.add#0": (NOT_WORKING, 400, ""),
    "crm.timeline.logo.add#0": (NOT_WORKING, 400, "INVALID_ARG_VALUE"),
    "crm.timeline.icon.add#0": (SYSTEM_CODES, 400, "BX_INVALID_VALUE"),
    "crm.timeline.icon.delete#0": (SYSTEM_CODES, 400, "NOT_FOUND"),
    "crm.timeline.logo.delete#0": (SYSTEM_CODES, 400, "NOT_FOUND"),
    "crm.timeline.logo.get#0": (SYSTEM_CODES, 400, "NOT_FOUND"),
}

_TYPE_GET = [
    "result.type.customSections: missing",
    "result.type.linkedUserFields.CALENDAR_EVENT|UF_CRM_CAL_EVENT: missing",
    "result.type.linkedUserFields.TASKS_TASK_TEMPLATE|UF_CRM_TASK: missing",
    "result.type.linkedUserFields.TASKS_TASK|UF_CRM_TASK: missing",
]
_ITEM_DEAL = [
    "result.item.eventDate: missing",
    "result.item.eventDescription: missing",
    "result.item.eventId: missing",
    "result.item.orderStage: missing",
    "result.item.parentId1220: missing",
    "result.item.searchContent: missing",
    "result.item.ufCrm_1721244707107: missing",
    "result.item.webformId: missing",
]

# "<method>": (line, the differences found) between the first example's answer and the documented one.
SHAPES: dict[str, tuple[str, list[str]]] = {
    "app.info": (
        APP_INFO,
        [
            *(
                f"result.{k}: missing"
                for k in (
                    "CODE",
                    "DAYS",
                    "ID",
                    "INSTALLED",
                    "LANGUAGE_ID",
                    "LICENSE_FAMILY",
                    "LICENSE_TYPE",
                    "PAYMENT_EXPIRED",
                    "STATUS",
                    "VERSION",
                )
            ),
            "result.SCOPE: not documented",
        ],
    ),
    "user.current": (
        USER_FIELDS,
        [
            *(
                f"result.{k}: not documented"
                for k in (
                    "XML_ID",
                    "SECOND_NAME",
                    "TIME_ZONE",
                    "TIME_ZONE_OFFSET",
                    "TIMESTAMP_X",
                    "USER_TYPE",
                )
            ),
        ],
    ),
    "batch": (
        BATCH,
        [
            "result.result.get_department: missing",
            "result.result.get_app: not documented",
            "result.result.get_user.XML_ID: not documented",
            "result.result.get_user.SECOND_NAME: not documented",
            "result.result.get_user.TIME_ZONE: not documented",
            "result.result.get_user.TIME_ZONE_OFFSET: not documented",
            "result.result.get_user.USER_TYPE: not documented",
            "result.result.get_user.WORK_POSITION: not documented",
            "result.result_error: object, documented array",
            "result.result_time.get_department: missing",
            "result.result_time.get_app: not documented",
            "result.result_total: array, documented object",
        ],
    ),
    "crm.activity.configurable.get": (
        ECHOED,
        [
            "result.activity.layout.body.blocks.client: missing",
            "result.activity.layout.body.logo.action: missing",
            "result.activity.layout.footer.menu: missing",
            "result.activity.layout.header.tags: missing",
        ],
    ),
    "crm.category.list": (
        CATEGORY_KEYS,
        ["result.categories[0].originId: missing", "result.categories[0].originatorId: missing"],
    ),
    "crm.company.fields": (
        CLASSIC_UF,
        [
            "result.PARENT_ID_156: missing",
            "result.UF_CRM_1687188367: missing",
            "result.UF_CRM_64A29A1CD5CC2: missing",
        ],
    ),
    "crm.company.get": (CLASSIC_UF, ["result.PARENT_ID_156: missing", "result.UF_CRM_1687188367: missing"]),
    "crm.contact.get": (
        CONTACT_FACE,
        [
            "result.FACE_ID: missing",
            "result.PARENT_ID_1224: missing",
            "result.UF_CRM_1720697698689: missing",
            "result.ADDRESS_COUNTRY_CODE: not documented",
        ],
    ),
    "crm.deal.get": (CLASSIC_UF, ["result.PARENT_ID_1220: missing", "result.UF_CRM_1721244482250: missing"]),
    "crm.item.add": (ITEM_KEYS, _ITEM_DEAL),
    "crm.item.update": (ITEM_KEYS, _ITEM_DEAL),
    "crm.item.get": (
        ITEM_KEYS,
        [
            "result.item.dateClosed: missing",
            *(f"result.item.{k}: missing" for k in ("email", "emailHome", "emailMailing", "emailWork")),
            "result.item.icq: missing",
            "result.item.imol: missing",
            *(
                f"result.item.parentId{n}: missing"
                for n in (1222, 1226, 1228, 1236, 1238, 1240, 1244, 1246, 1254, 1256)
            ),
            *(f"result.item.{k}: missing" for k in ("phone", "phoneMailing", "phoneMobile", "phoneWork")),
            "result.item.searchContent: missing",
            "result.item.skype: missing",
            "result.item.ufCrm_1720019876534: missing",
            "result.item.webformId: missing",
        ],
    ),
    "crm.item.fields": (
        ITEM_FIELDS,
        [
            "result.fields.contacts: missing",
            "result.fields.parentId1: missing",
            "result.fields.parentId1248: missing",
            "result.fields.parentId2: missing",
            "result.fields.webformId: missing",
            "result.fields.companyId.settings: missing",
            "result.fields.contactId.isDeprecated: missing",
            "result.fields.mycompanyId.settings: missing",
            "result.fields.previousStageId.statusType: missing",
            "result.fields.stageId.statusType: missing",
        ],
    ),
    "crm.timeline.logmessage.list": (LOGMESSAGE_LIST, ["result: object, documented array"]),
    "crm.type.add": (
        TYPE_KEYS,
        [
            "result.type.customSections: missing",
            "result.type.code: not documented",
            "result.type.linkedUserFields.TASKS_TASK_TEMPLATE|UF_CRM_TASK: missing",
            "result.type.relations.child[0].isPredefined: missing",
            "result.type.relations.parent[0].isPredefined: missing",
        ],
    ),
    "crm.type.get": (TYPE_KEYS, _TYPE_GET),
    "crm.type.getByEntityTypeId": (TYPE_KEYS, _TYPE_GET),
    "crm.type.update": (TYPE_KEYS, _TYPE_GET[:3]),
}

# "<method>#<row>": (line, the documented code or message) for a listed error b24crm never answers.
ERRORS_DECIDED: dict[str, tuple[str, str]] = {}
_INTRANET = "allowed_only_intranet_user"
for _key in (
    "crm.item.add#0", "crm.item.delete#0", "crm.item.fields#0", "crm.item.get#0", "crm.item.list#0",
    "crm.item.update#0", "crm.type.add#2", "crm.type.delete#0", "crm.type.fields#0", "crm.type.get#0",
    "crm.type.getByEntityTypeId#0", "crm.type.list#0", "crm.type.update#1",
):  # fmt: skip
    ERRORS_DECIDED[_key] = (UNMODELLED, _INTRANET)
for _key, _text in {
    "crm.company.add#3": "Disk resource exhausted",
    "crm.contact.add#3": "Disk resource exhausted",
    "crm.contact.update#3": "Disk resource exhausted",
    "crm.deal.add#3": "Disk resource exhausted",
    "crm.deal.update#5": "Disk resource exhausted",
    "crm.company.update#3": "Exhausted allocated disk resource",
    "crm.company.list#3": "Failed to get list. General error",
    "crm.contact.list#3": "Failed to get list. General error",
    "crm.deal.list#3": "Failed to get list. General error",
    "crm.item.add#5": "CREATE_DYNAMIC_ITEM_RESTRICTED",
    "crm.item.update#6": "UPDATE_DYNAMIC_ITEM_RESTRICTED",
    "crm.type.add#5": "CREATE_DYNAMIC_TYPE_RESTRICTED",
    "crm.type.update#2": "UPDATE_DYNAMIC_TYPE_RESTRICTED",
    "crm.item.update#5": "Insufficient permissions to change the stage",
    "crm.status.add#6": "Error on creating status",
    "crm.status.delete#5": "Error on deleting status",
    "crm.status.update#3": "Error on updating status",
    "crm.timeline.icon.add#2": "FILE_SAVE_ERROR",
    "crm.timeline.logo.add#2": "FILE_SAVE_ERROR",
}.items():
    ERRORS_DECIDED[_key] = (UNMODELLED, _text)
for _key, _text in {
    "crm.activity.type.add#2": "Admin permissions required",
    "crm.activity.type.delete#2": "Admin permissions required",
    "crm.activity.type.list#2": "Admin permissions required",
    "crm.company.delete#1": "Company is not found",
    "crm.company.update#0": "Parameter 'fields' must be an array",
    "crm.company.update#1": "Parameter 'params' must be an array",
    "crm.status.delete#1": "Invalid identifier",
    "crm.status.update#1": "Invalid identifier",
    "crm.status.delete#2": "Status is not found",
    "crm.status.get#1": "Status is not found",
    "crm.status.update#2": "Status is not found",
    "crm.status.list#1": "Invalid parameters",
    "crm.timeline.bindings.unbind#3": "The record of the timeline binding with the CRM entity was not found",
    "crm.timeline.bindings.bind#3": "Missing permissions to edit the CRM object",
    "crm.timeline.bindings.unbind#4": "Missing permissions to edit the CRM object",
    "crm.timeline.comment.get#0": "The element with the specified parameters was not found",
    "crm.timeline.comment.get#1": "No permission to edit the CRM element",
    "crm.timeline.comment.get#2": "Required fields are not provided",
    "crm.timeline.comment.list#0": "No permissions for the specified CRM object",
}.items():
    ERRORS_DECIDED[_key] = (PARAPHRASED, _text)
for _method, _rows in {
    "crm.timeline.bindings.bind": ("OWNER_ID", "ENTITY_ID", "ENTITY_TYPE"),
    "crm.timeline.bindings.unbind": ("OWNER_ID", "ENTITY_ID", "ENTITY_TYPE"),
    "crm.timeline.bindings.list": ("OWNER_ID",),
}.items():
    for _row, _name in enumerate(_rows):
        ERRORS_DECIDED[f"{_method}#{_row}"] = (
            PARAPHRASED,
            f"The required parameter {_name} was not provided or the provided {_name} is invalid",
        )
ERRORS_DECIDED["crm.timeline.layout.blocks.set#4"] = (UNSUITABLE, "UNSUITABLE_TIMELINE_ITEM")
ERRORS_DECIDED["crm.activity.add#1"] = (RESPONSIBLE, "The field RESPONSIBLE_ID is not defined or invalid")
ERRORS_DECIDED["crm.activity.update#2"] = (RESPONSIBLE, "The field RESPONSIBLE_ID is not defined or invalid")
