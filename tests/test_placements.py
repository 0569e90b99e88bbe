"""placement.bind / unbind / get / list in the vendor's order of checks with its texts, and the browser
call that opens a placement's handler, read back by b24pysdk's own placement-data parser."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from b24crm.apps import placements
from tests.apps_support import install
from tests.client import PortalClient

ADMIN = {"Authorization": "Bearer admin-secret"}
TIMELINE = "CRM_DEAL_ACTIVITY_TIMELINE_MENU"


def _argument(description: str, argument: str) -> tuple[int, dict[str, str]]:
    return 400, {"error": "ERROR_ARGUMENT", "error_description": description, "argument": argument}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"HANDLER": "http://app.test/p"},
            _argument("The value of an argument 'PLACEMENT' must be of type string", "PLACEMENT"),
        ),
        (
            {"PLACEMENT": 5, "HANDLER": "http://app.test/p"},
            _argument("The value of an argument 'PLACEMENT' must be of type string", "PLACEMENT"),
        ),
        (
            {"PLACEMENT": "", "HANDLER": "http://app.test/p"},
            _argument("Argument 'PLACEMENT' is null or empty", "PLACEMENT"),
        ),
        (
            {"PLACEMENT": "default", "HANDLER": "http://app.test/p"},
            _argument(
                "Argument 'The placement code has an incorrect value' is null or empty",
                "The placement code has an incorrect value",
            ),
        ),
        (
            {"PLACEMENT": TIMELINE},
            _argument(
                "Argument 'The URL of the placement handler is not specified' is null or empty",
                "The URL of the placement handler is not specified",
            ),
        ),
        (
            {"PLACEMENT": TIMELINE, "HANDLER": "http://localhost/p"},
            (400, {"error": "ERROR_WRONG_HANDLER_URL", "error_description": "Wrong handler URL"}),
        ),
        (
            {"PLACEMENT": "NO_SUCH_PLACE", "HANDLER": "http://app.test/p"},
            (400, {"error": "ERROR_PLACEMENT_NOT_FOUND", "error_description": "Placement not found"}),
        ),
        (
            {"PLACEMENT": "TASK_VIEW_TAB", "HANDLER": "http://app.test/p"},
            (400, {"error": "ERROR_PLACEMENT_NOT_FOUND", "error_description": "Placement not found"}),
        ),
        (
            {"PLACEMENT": TIMELINE, "HANDLER": "http://app.test/p", "USER_ID": 1},
            (400, {"error": "ERROR_PLACEMENT_USER_MODE", "error_description": "User mode is not available."}),
        ),
    ],
)
def test_placement_bind_errors(
    app_portal: PortalClient, params: dict[str, object], expected: tuple[int, dict[str, str]]
) -> None:
    app = install(app_portal, "http://app.test/install")
    assert app.api.error("placement.bind", params) == expected


def test_bind_get_list_unbind(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/install", title="Helper")
    assert (
        app.api.result(
            "placement.bind",
            {"placement": "crm_deal_activity_timeline_menu", "handler": "http://app.test/t", "title": "Open"},
        )
        is True
    )
    assert app.api.error("placement.bind", {"PLACEMENT": TIMELINE, "HANDLER": "http://app.test/t"}) == (
        400,
        {
            "error": "ERROR_CORE",
            "error_description": "Unable to set placement handler: Handler already binded",
        },
    )
    assert app.api.result("placement.bind", {"PLACEMENT": TIMELINE, "HANDLER": "http://app.test/t2"}) is True
    lang = {"en": {"TITLE": "Activities", "DESCRIPTION": "d"}, "de": {"TITLE": "Aktivitäten"}}
    assert (
        app.api.result(
            "placement.bind",
            {
                "PLACEMENT": "CRM_ACTIVITY_LIST_MENU",
                "HANDLER": "http://app.test/l",
                "LANG_ALL": lang,
                "OPTIONS": {"x": 1},
            },
        )
        is True
    )
    assert (
        app.api.result("placement.bind", {"PLACEMENT": "REST_APP_URI", "HANDLER": "http://app.test/u"})
        is True
    )
    assert app.api.error(
        "placement.bind", {"PLACEMENT": "REST_APP_URI", "HANDLER": "http://app.test/u2"}
    ) == (
        400,
        {"error": "ERROR_PLACEMENT_MAX_COUNT", "error_description": "Placement max count: 1"},
    )
    # The placement's own registration refuses this one, and that answer is the result.
    assert app.api.result(
        "placement.bind", {"PLACEMENT": "PAGE_BACKGROUND_WORKER", "HANDLER": "http://app.test/w"}
    ) == {
        "error": "EMPTY_ERROR_HANDLER_URL",
        "error_description": "Field errorHandlerUrl is empty.",
    }
    registered = app.api.result("placement.get")
    assert registered[0] == {
        "placement": TIMELINE,
        "userId": 0,
        "handler": "http://app.test/t",
        "options": [],
        "title": "Open",
        "description": "",
        "langAll": {"en": {"TITLE": "Open", "DESCRIPTION": "", "GROUP_NAME": ""}},
    }
    assert registered[1]["title"] == "Helper"  # no texts given: the app's name
    assert registered[2]["langAll"] == {
        "en": {"TITLE": "Activities", "DESCRIPTION": "d", "GROUP_NAME": ""},
        "de": {"TITLE": "Aktivitäten", "DESCRIPTION": "", "GROUP_NAME": ""},
    }
    assert registered[2]["options"] == []  # the activity list menu declares no options
    codes = app.api.result("placement.list")
    assert {
        "CRM_ACTIVITY_LIST_MENU",
        TIMELINE,
        "CRM_LEAD_ACTIVITY_TIMELINE_MENU",
        "CRM_QUOTE_ACTIVITY_TIMELINE_MENU",
        "CRM_SMART_INVOICE_ACTIVITY_TIMELINE_MENU",
        "REST_APP_URI",
    } <= set(codes)
    assert codes[-1].startswith("IM_")  # the global codes come last
    assert app.api.result("placement.list", {"SCOPE": ""})[:2] == ["REST_APP_URI", "PAGE_BACKGROUND_WORKER"]
    entity_type_id = app_portal.result("crm.type.add", {"fields": {"title": "Cars"}})["type"]["entityTypeId"]
    assert f"CRM_DYNAMIC_{entity_type_id}_ACTIVITY_TIMELINE_MENU" in app.api.result(
        "placement.list", {"full": "Y"}
    )
    assert app.api.result("placement.unbind", {"PLACEMENT": TIMELINE, "HANDLER": "http://app.test/t2"}) == {
        "count": 1
    }
    assert app.api.result("placement.unbind", {"PLACEMENT": "NO_SUCH_PLACE"}) == {"count": 0}
    assert app.api.result("placement.unbind", {"PLACEMENT": TIMELINE}) == {"count": 1}


def test_who_may_call_placements(app_portal: PortalClient) -> None:
    wrong = {
        "error": "WRONG_AUTH_TYPE",
        "error_description": "Current authorization type is denied for this method"
        " Application context required",
    }
    hook = app_portal.with_webhook(app_portal.hook.user.id, ("crm", "placement"))
    for name in ("placement.bind", "placement.unbind", "placement.get", "placement.list"):
        assert hook.error(name, {"PLACEMENT": TIMELINE}) == (403, wrong)
    user = app_portal.runtime.tenancy.create_user(app_portal.hook.portal.id, name="Plain")
    plain = install(app_portal, "http://app.test/install", user_id=user.id)
    denied = (403, {"error": "ACCESS_DENIED", "error_description": "Access denied!"})
    assert (
        plain.api.error("placement.bind", {"PLACEMENT": TIMELINE, "HANDLER": "http://app.test/t"}) == denied
    )
    assert plain.api.error("placement.get") == denied
    assert TIMELINE in plain.api.result("placement.list")  # any user of the app may list


def test_the_handler_call_opens_an_app_from_an_activity(app_portal: PortalClient) -> None:
    from b24pysdk.credentials.oauth_placement_data import OAuthPlacementData

    app = install(app_portal, "http://app.test/install")
    app.api.result("placement.bind", {"PLACEMENT": TIMELINE, "HANDLER": "http://app.test/t?x=1"})
    deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    activity = app_portal.result(
        "crm.activity.add",
        {
            "fields": {
                "OWNER_TYPE_ID": 2,
                "OWNER_ID": deal,
                "TYPE_ID": 2,
                "SUBJECT": "Call",
                "COMMUNICATIONS": [{"VALUE": "1"}],
            }
        },
    )
    (placement,) = app_portal.http.get(
        f"/_b24crm/portals/{app_portal.hook.portal.id}/placements", headers=ADMIN
    ).json()["result"]
    response = app_portal.http.post(
        f"/_b24crm/portals/{app_portal.hook.portal.id}/placements/{placement['id']}/call",
        json={"activity_id": activity},
        headers=ADMIN,
    )
    call = response.json()["result"]
    assert call["method"] == "POST"
    url = urlsplit(call["url"])
    assert (url.netloc, url.path) == ("app.test", "/t")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert (
        query["x"] == "1"
        and query["PROTOCOL"] == "0"
        and query["LANG"] == "en"
        and len(query["APP_SID"]) == 32
    )
    form = call["form"]
    assert form["PLACEMENT"] == TIMELINE
    assert json.loads(form["PLACEMENT_OPTIONS"]) == {
        "ENTITY_ID": str(deal),
        "ASSOCIATED_ENTITY_ID": str(activity),
        "ASSOCIATED_ENTITY_TYPE_ID": "6",
    }
    assert form["APPLICATION_TOKEN"] == app.made.app.application_token
    assert form["APPLICATION_SCOPE"] == "crm,placement"
    # What the handler receives is what b24pysdk reads a placement call with, and its token works.
    data = OAuthPlacementData.from_dict({**query, **form})
    assert data.placement == TIMELINE
    assert data.placement_options["ASSOCIATED_ENTITY_ID"] == str(activity)
    from tests.client import AppClient

    assert AppClient(app_portal.runtime, app_portal.http, form["AUTH_ID"]).result(
        "crm.activity.get", {"id": activity}
    )["ID"] == str(activity)
    with pytest.raises(LookupError):
        placements.handler_call(app_portal.runtime, app_portal.hook.portal.id, 999)


def test_clicking_a_rest_app_activity_opens_its_app(app_portal: PortalClient) -> None:
    app = install(app_portal, "http://app.test/app")
    deal = app_portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    fields = {
        "OWNER_TYPE_ID": 2,
        "OWNER_ID": deal,
        "PROVIDER_ID": "REST_APP",
        "PROVIDER_TYPE_ID": "LINK",
        "SUBJECT": "App",
    }
    activity = int(app.api.result("crm.activity.add", {"fields": fields}))
    url = f"/_b24crm/portals/{app_portal.hook.portal.id}/activities/{activity}/app-call"
    call = app_portal.http.post(url, json={}, headers=ADMIN).json()["result"]
    assert call["url"].startswith("http://app.test/app?DOMAIN=")
    assert call["form"]["PLACEMENT"] == "DEFAULT"
    assert json.loads(call["form"]["PLACEMENT_OPTIONS"]) == {"activity_id": str(activity)}
    plain = app_portal.add_call()
    refused = app_portal.http.post(
        f"/_b24crm/portals/{app_portal.hook.portal.id}/activities/{plain}/app-call", json={}, headers=ADMIN
    )
    assert refused.status_code == 400
