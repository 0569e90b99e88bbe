"""Bad input never gets a 500: arbitrary parameters thrown at every registered method."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24crm.methods import load_methods
from tests.client import PortalClient

NAMES = [spec.name for spec in load_methods()]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        ["", "0", "-1", "Y", "N", "2", "128", "$result[x]", "*", "%", "ASC", "1e400", "2026-13-45"]
    ),
    st.sampled_from([2**31, 2**63, 10**30, -(2**40), 1e300]),
    # Longer than any text column: PostgreSQL refuses what SQLite would keep.
    st.sampled_from(["x" * 3000, "http://app.test/" + "y" * 3000]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
keys = st.sampled_from(
    [
        "id",
        "entityTypeId",
        "fields",
        "filter",
        "order",
        "select",
        "start",
        "cmd",
        "halt",
        "name",
        "full",
        "scope",
        "ownerTypeId",
        "ownerId",
        "deadline",
        "activityId",
        "entityTypeId",
        "entityId",
        "colorId",
        "value",
        "responsibleId",
        "pingOffsets",
        "parentActivityId",
        "sourceEntityId",
        "targetEntityTypeId",
        "targetEntityId",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), params=st.dictionaries(keys, values, max_size=5))
def test_no_method_answers_500(portal: PortalClient, name: str, params: dict) -> None:  # type: ignore[type-arg]
    _answered_cleanly(portal.raw(name, params), name, params)


def _answered_cleanly(response, name: str, params: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    """No 500: a success envelope, or the vendor's error shape."""
    assert response.status_code != 500, (name, params, response.text)
    body = response.json()
    if response.status_code == 200:
        assert "result" in body and "time" in body
    else:
        assert set(body) >= {"error", "error_description"}, body


ACTIVITY_FIELDS = st.sampled_from(
    [
        "OWNER_TYPE_ID",
        "OWNER_ID",
        "TYPE_ID",
        "SUBJECT",
        "PROVIDER_ID",
        "COMMUNICATIONS",
        "START_TIME",
        "END_TIME",
        "COMPLETED",
        "RESPONSIBLE_ID",
        "NOTIFY_TYPE",
        "NOTIFY_VALUE",
        "DIRECTION",
        "SETTINGS",
        "FILES",
        "RESULT_SUM",
        "BINDINGS",
    ]
)
FILTER_KEYS = st.builds(
    lambda prefix, name: prefix + name,
    st.sampled_from(["", "!", ">=", "<", "@", "!@", "%", "=%", "!%", "+", "!="]),
    st.sampled_from(["ID", "SUBJECT", "START_TIME", "COMPLETED", "RESULT_SUM", "BINDINGS", "OWNER_ID", "x"]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["crm.activity.add", "crm.activity.update", "crm.activity.list"]),
    fields=st.dictionaries(ACTIVITY_FIELDS, values, max_size=6),
    filter_=st.dictionaries(FILTER_KEYS, values, max_size=4),
    order=st.dictionaries(st.sampled_from(["ID", "DEADLINE", "x", "START_TIME"]), values, max_size=2),
)
def test_activity_methods_refuse_bad_fields_cleanly(
    portal: PortalClient,
    method: str,
    fields: dict,
    filter_: dict,
    order: dict,  # type: ignore[type-arg]
) -> None:
    # A deal and a call exist, so that the checks past the owner lookup are reached too.
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Robust"}})
    base = {
        "OWNER_TYPE_ID": 2,
        "OWNER_ID": deal,
        "TYPE_ID": 2,
        "SUBJECT": "Call",
        "COMMUNICATIONS": [{"VALUE": "1"}],
    }
    activity = portal.result("crm.activity.add", {"fields": base})
    params = {
        "crm.activity.add": {"fields": {**base, **fields}},
        "crm.activity.update": {"id": activity, "fields": fields},
        "crm.activity.list": {"filter": filter_, "order": order, "select": ["*", "COMMUNICATIONS", "FILES"]},
    }[method]
    response = portal.raw(method, params)
    assert response.status_code != 500, (method, params, response.text)
    if response.status_code != 200:
        assert set(response.json()) >= {"error", "error_description"}


APP_METHODS = sorted(
    n for n in NAMES if n.startswith(("event", "placement", "app.")) or n in ("events", "crm.activity.add")
)
APP_KEYS = st.sampled_from(
    [
        "event",
        "handler",
        "auth_type",
        "event_type",
        "auth_connector",
        "options",
        "filter",
        "order",
        "limit",
        "clear",
        "process_id",
        "error",
        "id",
        "message_id",
        "start",
        "PLACEMENT",
        "HANDLER",
        "TITLE",
        "LANG_ALL",
        "OPTIONS",
        "USER_ID",
        "SCOPE",
        "FULL",
        "fields",
    ]
)
APP_VALUES = st.one_of(
    values,
    st.sampled_from(
        ["ONCRMDEALADD", "offline", "online", "http://app.test/h", "CRM_ACTIVITY_LIST_MENU", "REST_APP_URI"]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(APP_METHODS), params=st.dictionaries(APP_KEYS, APP_VALUES, max_size=5))
def test_no_app_method_answers_500(app_portal: PortalClient, name: str, params: dict) -> None:  # type: ignore[type-arg]
    """The application methods, called with an app's token and arbitrary parameters."""
    from tests.apps_support import install

    app = getattr(app_portal, "_fuzzed_app", None) or install(app_portal, "http://app.test/install")
    app_portal._fuzzed_app = app  # type: ignore[attr-defined]
    _answered_cleanly(app.api.raw(name, params), name, params)
