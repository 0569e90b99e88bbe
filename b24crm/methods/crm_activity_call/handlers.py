"""crm.activity.call.getTranscript.

Docs: api-reference/crm/timeline/activities/activity-base/crm-activity-call-get-transcript.md. A D7
controller action (``activityId``, error 100 when it is missing).
"""

from __future__ import annotations

from b24crm.crm.timeline import transcripts
from b24crm.rpc.context import CallContext
from b24crm.rpc.d7 import Arg, Bound, d7_method

DOCS = "api-reference/crm/timeline/activities/activity-base/"


@d7_method(
    "crm.activity.call.getTranscript",
    args=(Arg("activityId", "int"),),
    doc=f"{DOCS}crm-activity-call-get-transcript.md",
)
def get_transcript(ctx: CallContext, a: Bound) -> None:
    """A call's transcription: always null here (no telephony or AI call processing is modelled)."""
    return transcripts.get_transcript(ctx, a.activityId)
