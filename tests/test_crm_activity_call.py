"""crm.activity.call.getTranscript (api-reference/crm/timeline/activities/activity-base/
crm-activity-call-get-transcript.md): null while there is no transcription, which is always here; its
errors."""

from __future__ import annotations

from tests.client import PortalClient, call_fields

DOCS = "api-reference/crm/timeline/activities/activity-base/crm-activity-call-get-transcript.md"


def test_a_call_without_transcript_answers_null(portal: PortalClient) -> None:
    deal = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    call = int(portal.result("crm.activity.add", {"fields": call_fields(deal)}))
    body = portal.call("crm.activity.call.getTranscript", {"activityId": call})
    assert "result" in body and body["result"] is None
    # Any other activity has none either (the vendor does not check the type).
    todo = portal.result(
        "crm.activity.todo.add", {"ownerTypeId": 2, "ownerId": deal, "deadline": "2030-01-01T10:00:00"}
    )
    assert portal.call("crm.activity.call.getTranscript", {"activityId": todo["id"]})["result"] is None


def test_errors(portal: PortalClient) -> None:
    deal = int(portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}}))
    call = int(portal.result("crm.activity.add", {"fields": call_fields(deal)}))
    assert portal.error("crm.activity.call.getTranscript", {}) == (
        400,
        {"error": "100", "error_description": "Could not find value for parameter {activityId}"},
    )
    assert portal.error("crm.activity.call.getTranscript", {"activityId": call + 100}) == (
        400,
        {"error": "NOT_FOUND", "error_description": "Item was not found."},
    )
    outsider = portal.restricted("3:read=all")
    assert outsider.error("crm.activity.call.getTranscript", {"activityId": call}) == (
        400,
        {"error": "ACCESS_DENIED", "error_description": "Access denied"},
    )
