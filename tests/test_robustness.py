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
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), params=st.dictionaries(keys, values, max_size=5))
def test_no_method_answers_500(portal: PortalClient, name: str, params: dict) -> None:  # type: ignore[type-arg]
    response = portal.raw(name, params)
    assert response.status_code != 500, (name, params, response.text)
    body = response.json()
    if response.status_code == 200:
        assert "result" in body and "time" in body
    else:
        assert set(body) >= {"error", "error_description"}, body
