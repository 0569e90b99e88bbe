"""crm.activity.badge.add / get / list / delete through HTTP, on SQLite and PostgreSQL (docs:
api-reference/crm/timeline/activities/configurable/badges/*.md; reference: crm.md §6)."""

from __future__ import annotations

import pytest

from tests.apps_support import install
from tests.client import PortalClient

MISSED = {"code": "missedCall", "title": "Call Status", "value": "Missed", "type": "failure"}


def test_add_get_list_delete_as_the_docs_examples(portal: PortalClient) -> None:
    # crm-activity-badge-add.md: the badge comes back under "badge".
    assert portal.result("crm.activity.badge.add", MISSED) == {"badge": MISSED}
    assert portal.result("crm.activity.badge.get", {"code": "missedCall"}) == {"badge": MISSED}
    # crm-activity-badge-list.md: {"badges": [...]}, with the count of all as total and no next.
    listed = portal.call("crm.activity.badge.list")
    assert listed["result"] == {"badges": [MISSED]}
    assert listed["total"] == 1 and "next" not in listed
    assert portal.call("crm.activity.badge.delete", {"code": "missedCall"})["result"] is True
    assert portal.result("crm.activity.badge.list") == {"badges": []}


def test_translations_are_kept_and_answered_as_given(portal: PortalClient) -> None:
    badge = {
        "code": "alarm",
        "title": {"de": "Achtung", "en": "Alarm"},
        "value": {"en": "Now"},
        "type": "warning",
    }
    assert portal.result("crm.activity.badge.add", badge) == {"badge": badge}
    assert portal.result("crm.activity.badge.get", {"code": "alarm"})["badge"] == badge


@pytest.mark.parametrize(
    ("change", "code", "description"),
    [
        ({"title": ""}, "REQUIRED_ARG_MISSING", "Argument 'title' is required"),
        ({"value": ["a"]}, "0", "Language `0` was not found"),  # a list is a PHP array keyed 0
        ({"value": 5}, "REQUIRED_ARG_MISSING", "Argument 'value' is required"),
        ({"title": {"xx": "Text"}}, "0", "Language `xx` was not found"),
        ({"title": {"en": ""}}, "0", "Wrong value of field `title` for language en"),
        ({"type": "lavender"}, "WRONG_TYPE_VALUE", "Wrong value of field `type`"),
        # Title is checked before value, value before type: the first problem is the answer.
        ({"title": "", "type": "lavender"}, "REQUIRED_ARG_MISSING", "Argument 'title' is required"),
    ],
)
def test_add_refuses_bad_texts_and_types(
    portal: PortalClient, change: dict[str, object], code: str, description: str
) -> None:
    status, body = portal.error("crm.activity.badge.add", {**MISSED, **change})
    assert (status, body) == (400, {"error": code, "error_description": description})
    assert portal.result("crm.activity.badge.list") == {"badges": []}


def test_missing_arguments_are_error_100_in_signature_order(portal: PortalClient) -> None:
    status, body = portal.error("crm.activity.badge.add", {"title": "T"})
    assert (status, body["error"], body["error_description"]) == (
        400,
        "100",
        "Could not find value for parameter {code}",
    )
    status, body = portal.error("crm.activity.badge.add", {"code": "c", "title": "T", "value": "V"})
    assert body["error_description"] == "Could not find value for parameter {type}"
    assert portal.error("crm.activity.badge.get", {})[1]["error"] == "100"


def test_codes_are_unique_and_unknown_codes_are_not_found(portal: PortalClient) -> None:
    portal.result("crm.activity.badge.add", MISSED)
    status, body = portal.error("crm.activity.badge.add", {**MISSED, "title": "Other"})
    assert (status, body["error"]) == (400, "INVALID_ARG_VALUE")
    assert portal.result("crm.activity.badge.get", {"code": "missedCall"})["badge"]["title"] == "Call Status"
    for method in ("crm.activity.badge.get", "crm.activity.badge.delete"):
        status, body = portal.error(method, {"code": "nope"})
        assert (status, body) == (
            400,
            {"error": "NOT_FOUND", "error_description": "Badge not found for code `nope`"},
        )


def test_only_administrators_add_and_delete_but_anyone_reads(portal: PortalClient) -> None:
    portal.result("crm.activity.badge.add", MISSED)
    seller = portal.restricted("2:read=all")
    for method, params in (
        ("crm.activity.badge.add", {**MISSED, "code": "x"}),
        ("crm.activity.badge.delete", {"code": "missedCall"}),
    ):
        status, body = seller.error(method, params)
        assert (status, body) == (400, {"error": "ACCESS_DENIED", "error_description": "Access denied"})
    assert seller.result("crm.activity.badge.get", {"code": "missedCall"}) == {"badge": MISSED}
    assert seller.result("crm.activity.badge.list") == {"badges": [MISSED]}


def test_badges_belong_to_the_portal_not_to_an_application(app_portal: PortalClient) -> None:
    first = install(app_portal, "http://first.test/install")
    second = install(app_portal, "http://second.test/install")
    first.api.result("crm.activity.badge.add", MISSED)
    assert second.api.result("crm.activity.badge.get", {"code": "missedCall"}) == {"badge": MISSED}
    assert app_portal.result("crm.activity.badge.list") == {"badges": [MISSED]}
