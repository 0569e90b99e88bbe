"""crm.activity.call.getTranscript: the text of a call's transcription made by the vendor's AI call
processing (``Controller\\Activity\\Call``; docs:
api-reference/crm/timeline/activities/activity-base/crm-activity-call-get-transcript.md).

No telephony and no AI processing are modelled here, so no activity ever has a transcription: the answer
is ``null``, the documented answer while none is ready. The checks run as the vendor's do: the activity
must have bindings (NOT_FOUND "Item was not found."), and the caller must be able to read one of the
items it is bound to (ACCESS_DENIED "Access denied"). Like the vendor, the activity's type is not checked:
any other activity has no transcription either and answers ``null`` too.
"""

from __future__ import annotations

from b24crm.auth.caller import Caller
from b24crm.crm.permissions import grants_for
from b24crm.crm.timeline.owners import ACCESS_DENIED, NOT_FOUND, first_allowed
from b24crm.store import crm_activities


def get_transcript(ctx: Caller, activity_id: int) -> None:
    with ctx.db.read() as conn:
        found = (
            crm_activities.bindings_of(conn, ctx.portal.id, [activity_id]) if 0 < activity_id < 2**31 else {}
        )
        bindings = found.get(activity_id, [])
        if not bindings:
            raise NOT_FOUND()
        grants = grants_for(conn, ctx.portal.id, ctx.user)
        if first_allowed(conn, ctx, grants, bindings, "read") is None:
            raise ACCESS_DENIED()
    return None
