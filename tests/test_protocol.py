"""The HTTP protocol of the REST layer: URLs, input forms, envelopes, time block, auth failures."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import pytest

from b24crm.runtime import Runtime
from b24crm.settings import Settings
from tests.client import FORMS, PortalClient

# A webhook URL that does not hold, as the vendor's webhook check answers it.
INVALID = {"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"}

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


# --- URLs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    [
        "server.time",
        "server.time.json",
        "server.time/",
        "SERVER.TIME",
        "Server.Time.JSON",
        "server.time.json/",
    ],
)
def test_method_names_fold_case_and_take_an_optional_json_suffix(portal: PortalClient, suffix: str) -> None:
    response = portal.http.post(f"{portal.base}/{suffix}")
    assert response.status_code == 200
    assert ISO.match(response.json()["result"])


def test_double_slashes_are_tolerated(portal: PortalClient) -> None:
    response = portal.http.get(f"/rest//{portal.hook.user.id}//{portal.hook.code}//server.time")
    assert response.status_code == 200


def test_rest_paths_and_verbs_route_as_the_route_table_says(portal: PortalClient) -> None:
    # GET, HEAD and POST under /rest go straight to the endpoint; other verbs and look-alike paths do not.
    assert portal.http.head(f"{portal.base}/server.time").status_code == 200
    assert portal.http.put(f"{portal.base}/server.time").status_code == 405
    look_alike = f"/restful/{portal.hook.user.id}/{portal.hook.code}/server.time"
    assert portal.http.get(look_alike).status_code == 404
    long_name = "x" * 5000  # not remembered, parsed all the same
    assert portal.error(f"crm.{long_name}")[0] == 404
    bare = portal.http.get("/rest")
    assert bare.status_code == 404 and bare.json()["error"] == "ERROR_METHOD_NOT_FOUND"


def test_xml_suffix_answers_in_xml(portal: PortalClient) -> None:
    response = portal.http.get(f"{portal.base}/method.get.xml?name=server.time")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith('<?xml version="1.0" ?><response><result>')
    assert "<isExisting>1</isExisting><isAvailable>1</isAvailable>" in response.text
    listed = portal.http.get(f"{portal.base}/scope.xml").text
    assert "<result><item>crm</item><item>user</item></result>" in listed
    assert "<time><start>" in listed and "<date_start>" in listed
    error = portal.http.get(f"{portal.base}/no.such.xml")
    assert error.status_code == 404
    assert error.text == (
        '<?xml version="1.0" ?><response><error>ERROR_METHOD_NOT_FOUND</error>'
        "<error_description>Method not found!</error_description></response>"
    )


def test_unknown_method_is_404(portal: PortalClient) -> None:
    status, body = portal.error("crm.nothing.here")
    assert status == 404
    assert body == {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}


def test_json_content_type_and_cors_headers(portal: PortalClient) -> None:
    response = portal.raw("server.time")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"


def test_json_escapes_like_php(portal: PortalClient) -> None:
    response = portal.raw("method.get", {"name": "<a href='x'>&</a>"})
    assert response.status_code == 200
    # The raw bytes are PHP's Json::encode form; they parse to the same values.
    assert b"\\u003C" not in response.content  # the name is not echoed by method.get ...
    body = portal.raw("methods", {"scope": "<x>/&'"}).content
    assert body.startswith(b'{"result":[]')


# --- input forms -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_every_input_form_reaches_the_method(portal: PortalClient, form: str) -> None:
    assert portal.result("method.get", {"name": "server.time"}, form=form) == {
        "isExisting": True,
        "isAvailable": True,
    }
    assert portal.result("method.get", {"name": "no.such"}, form=form) == {
        "isExisting": False,
        "isAvailable": False,
    }


def test_query_and_body_merge_with_the_body_winning(portal: PortalClient) -> None:
    response = portal.http.post(f"{portal.base}/method.get?name=no.such", json={"name": "server.time"})
    assert response.json()["result"]["isExisting"] is True
    response = portal.http.post(f"{portal.base}/method.get?name=server.time", json={})
    assert response.json()["result"]["isExisting"] is True


def test_top_level_names_fold_case_last_wins(portal: PortalClient) -> None:
    response = portal.http.post(
        f"{portal.base}/method.get",
        content='{"name": "no.such", "NAME": "server.time"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.json()["result"]["isExisting"] is True
    assert portal.result("method.get", {"Name": "server.time"}, form="get")["isExisting"] is True


def test_telemetry_parameters_are_ignored(portal: PortalClient) -> None:
    response = portal.http.post(
        f"{portal.base}/method.get?bx24_request_id=abc&bx24_sdk_ver=2.2.0&bx24_sdk_type=js",
        json={"name": "server.time"},
    )
    assert response.status_code == 200


def test_malformed_json_body_is_a_vendor_error(portal: PortalClient) -> None:
    response = portal.http.post(
        f"{portal.base}/server.time", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "WRONG_ENCODING", "error_description": "Wrong request encoding"}


# --- envelope and time block -----------------------------------------------------------------------------


def test_time_block_has_every_field(portal: PortalClient) -> None:
    body = portal.call("server.time")
    assert list(body) == ["result", "time"]
    timing = body["time"]
    assert list(timing) == [
        "start",
        "finish",
        "duration",
        "processing",
        "date_start",
        "date_finish",
        "operating",
        "operating_reset_at",
    ]
    assert timing["finish"] >= timing["start"]
    assert timing["duration"] == pytest.approx(timing["finish"] - timing["start"])
    assert timing["processing"] >= 0
    assert ISO.match(timing["date_start"]) and ISO.match(timing["date_finish"])
    assert timing["operating"] >= 0
    assert isinstance(timing["operating_reset_at"], int) and timing["operating_reset_at"] > timing["start"]


def test_dates_use_the_portal_time_zone(runtime: Runtime, http) -> None:  # type: ignore[no-untyped-def]
    moscow = PortalClient.create(runtime, http, time_zone="Europe/Moscow")
    body = moscow.call("server.time")
    assert body["result"].endswith("+03:00")
    assert body["time"]["date_start"].endswith("+03:00")
    parsed = datetime.fromisoformat(body["result"])
    assert abs(parsed.timestamp() - body["time"]["start"]) < 5


def test_operating_accumulates_per_method_and_credential(portal: PortalClient) -> None:
    first = portal.call("profile")["time"]
    second = portal.call("profile")["time"]
    assert second["operating"] > first["operating"] > 0
    assert second["operating"] == pytest.approx(first["operating"] + second["processing"])
    assert second["operating_reset_at"] == first["operating_reset_at"]
    other_method = portal.call("scope")["time"]
    assert other_method["operating"] == pytest.approx(other_method["processing"])
    other_hook = portal.with_webhook(portal.hook.user.id, ("crm",)).call("profile")["time"]
    assert other_hook["operating"] == pytest.approx(other_hook["processing"])


def test_a_failing_call_counts_towards_operating_time(portal: PortalClient) -> None:
    """A call that answers an error spent its time too: the next call of the method reports more than its
    own processing (before, failed calls were never charged, so a client failing every call never met the
    operating-time limit)."""
    for _ in range(3):
        portal.error("crm.activity.get", {"id": 999999})
    after = portal.call("crm.activity.fields")["time"]  # another method: its own account
    assert after["operating"] == pytest.approx(after["processing"])
    activity = portal.add_call()
    charged = portal.call("crm.activity.get", {"id": activity})["time"]
    assert charged["operating"] > charged["processing"]


def test_errors_carry_no_time_block(portal: PortalClient) -> None:
    _, body = portal.error("no.such.method")
    assert set(body) == {"error", "error_description"}


# --- auth ------------------------------------------------------------------------------------------------


def test_wrong_webhook_code_is_401(portal: PortalClient) -> None:
    # The vendor's webhook check (b24pysdk: BitrixAPIInvalidCredentials, 401), not the docs' NO_AUTH_FOUND.
    response = portal.http.get(f"/rest/{portal.hook.user.id}/{'x' * 16}/server.time")
    assert response.status_code == 401
    assert response.json() == INVALID


def test_a_refused_webhook_code_is_remembered_for_a_while(
    portal: PortalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client retrying a wrong code costs one database read per ``cache_ttl``, not one per request; a
    change to the portal's users or webhooks forgets the refusals."""
    from b24crm.auth import service

    lookups: list[str] = []
    real = service.tenancy.webhook_by_digest

    def counted(conn, digest):  # type: ignore[no-untyped-def]
        lookups.append(digest)
        return real(conn, digest)

    monkeypatch.setattr(service.tenancy, "webhook_by_digest", counted)
    wrong = f"/rest/{portal.hook.user.id}/{'x' * 16}/server.time"
    for _ in range(3):
        response = portal.http.get(wrong)
        assert (response.status_code, response.json()["error"]) == (401, "INVALID_CREDENTIALS")
    assert len(lookups) == 1
    assert portal.raw("server.time").status_code == 200  # the right code is another pair
    portal.runtime.tenancy.create_user(portal.hook.portal.id, name="New")  # any change: forgotten
    assert portal.http.get(wrong).status_code == 401
    assert len(lookups) == 3


def test_webhook_code_with_another_user_id_is_401(portal: PortalClient) -> None:
    response = portal.http.get(f"/rest/{portal.hook.user.id + 1}/{portal.hook.code}/server.time")
    assert response.status_code == 401
    assert response.json()["error"] == "INVALID_CREDENTIALS"


def test_no_credentials_at_all_is_401(portal: PortalClient) -> None:
    for path in ("/rest/server.time", "/rest/server.time.json"):
        response = portal.http.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"] == "NO_AUTH_FOUND"


def test_the_method_is_resolved_before_the_credentials(portal: PortalClient) -> None:
    """As on the vendor's server: an unknown method is 404 even when the credentials are wrong or absent."""
    for path in ("/rest/", "/rest/no.such", f"/rest/1/{'x' * 16}/no.such", f"{portal.base}/"):
        response = portal.http.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "ERROR_METHOD_NOT_FOUND"


def test_unknown_oauth_token_is_401(portal: PortalClient) -> None:
    for response in (
        portal.http.get("/rest/server.time?auth=not-a-token"),
        portal.http.post("/rest/server.time", json={"auth": "not-a-token"}),
        portal.http.post("/rest/server.time", data={"auth": "not-a-token"}),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "error": "invalid_token",
            "error_description": "Unable to get application by token",
        }


def test_deleted_webhook_stops_working_at_once(portal: PortalClient) -> None:
    assert portal.raw("server.time").status_code == 200
    portal.runtime.tenancy.delete_webhook(portal.hook.portal.id, portal.hook.id)
    gone = portal.raw("server.time")
    assert (gone.status_code, gone.json()["error"]) == (401, "INVALID_CREDENTIALS")  # as an unknown code


def test_inactive_user_webhook_is_401(runtime: Runtime, http) -> None:  # type: ignore[no-untyped-def]
    tenancy = runtime.tenancy
    portal = tenancy.create_portal()
    user = tenancy.create_user(portal.id, name="Gone", active=False)
    hook = tenancy.create_webhook(portal.id, user.id, "crm")
    response = http.get(f"/rest/{user.id}/{hook.code}/server.time")
    # The vendor finds the webhook, then cannot log its user in (b24pysdk: BitrixAPIAuthorizationError).
    assert (response.status_code, response.json()) == (
        401,
        {"error": "authorization_error", "error_description": "Unable to authorize user"},
    )


def test_missing_scope_is_insufficient_scope(portal: PortalClient) -> None:
    crm_only = portal.with_webhook(portal.hook.user.id, ("crm",))
    status, body = crm_only.error("user.get")
    assert status == 401  # the vendor's OAuth exception, as b24pysdk expects; the docs say 403
    assert body == {
        "error": "insufficient_scope",
        "error_description": "The request requires higher privileges than provided by the webhook token",
    }


def test_basic_methods_need_no_scope(portal: PortalClient) -> None:
    bare = portal.with_webhook(portal.hook.user.id, ("crm",))
    for name in ("server.time", "methods", "method.get", "scope", "profile", "batch"):
        assert bare.raw(name, {"cmd": {"a": "server.time"}}).status_code == 200, name


def test_app_info_of_a_webhook_is_its_scopes_and_the_license(portal: PortalClient) -> None:
    # What the cloud answers a webhook (b24pysdk's AppInfoWebhook), not the docs' ACCESS_DENIED.
    assert portal.result("app.info") == {"SCOPE": ["crm", "user"], "LICENSE": "en_ent"}
    crm_only = portal.with_webhook(portal.hook.user.id, ("crm",))
    assert crm_only.result("app.info") == {"SCOPE": ["crm"], "LICENSE": "en_ent"}


def test_portals_are_isolated(runtime: Runtime, http) -> None:  # type: ignore[no-untyped-def]
    one = PortalClient.create(runtime, http)
    two = PortalClient.create(runtime, http)
    assert one.hook.user.id == two.hook.user.id == 1  # IDs are per portal
    assert one.result("profile")["ID"] == two.result("profile")["ID"] == "1"
    assert one.hook.portal.id != two.hook.portal.id


# --- https -----------------------------------------------------------------------------------------------


def test_require_https_refuses_plain_http(database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from b24crm.app import create_app

    runtime = Runtime(Settings(data_dir=str(tmp_path), require_https=True), db=database)
    with TestClient(create_app(runtime)) as http:
        portal = PortalClient.create(runtime, http)
        status, body = portal.error("server.time")
        assert status == 400
        assert body == {"error": "INVALID_REQUEST", "error_description": "Https required."}
    with TestClient(create_app(runtime), base_url="https://testserver") as https:
        assert PortalClient(runtime, https, portal.hook).raw("server.time").status_code == 200


# --- crashes ---------------------------------------------------------------------------------------------


def test_a_crash_is_a_500_without_traceback(portal: PortalClient, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = portal.runtime.registry.get("profile")
    assert spec is not None

    def boom(*_args: object) -> None:
        raise RuntimeError("secret internals")

    broken = dataclasses.replace(spec, handler=boom)
    monkeypatch.setitem(portal.runtime.registry._methods, "profile", broken)
    status, body = portal.error("profile")
    assert status == 500
    assert body == {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}
    assert "secret" not in str(body)


def test_json_nested_beyond_any_decoder_is_wrong_encoding(portal: PortalClient) -> None:
    for depth in (600, 5000):
        body = '{"fields": {"SETTINGS": ' + "[" * depth + "]" * depth + "}}"
        response = portal.http.post(
            f"{portal.base}/crm.activity.add", content=body, headers={"Content-Type": "application/json"}
        )
        assert (response.status_code, response.json()) == (
            400,
            {"error": "WRONG_ENCODING", "error_description": "Wrong request encoding"},
        )


@pytest.mark.parametrize("literal", ["1e999", "-1e999", "NaN", "Infinity"])
def test_json_numbers_no_double_holds_are_wrong_encoding(portal: PortalClient, literal: str) -> None:
    """A number past a double's range would come out as infinity, which PostgreSQL's json refuses (a 500
    before) and the answer's encoder writes as null."""
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    fields = (
        f'{{"OWNER_TYPE_ID": 2, "OWNER_ID": {deal}, "TYPE_ID": 2, "SUBJECT": "Call",'
        f' "COMMUNICATIONS": [{{"VALUE": "1"}}], "SETTINGS": {{"x": {literal}}}}}'
    )
    response = portal.http.post(
        f"{portal.base}/crm.activity.add",
        content='{"fields": ' + fields + "}",
        headers={"Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()) == (
        400,
        {"error": "WRONG_ENCODING", "error_description": "Wrong request encoding"},
    )
    assert portal.result("crm.activity.list", {"select": ["ID"]}) == []
    ok = fields.replace(literal, "1.5e300")
    response = portal.http.post(
        f"{portal.base}/crm.activity.add",
        content='{"fields": ' + ok + "}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
