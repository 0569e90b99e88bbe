"""batch: command forms, halt, references, sections, limits."""

from __future__ import annotations

import pytest

from tests.client import FORMS, PortalClient

SIX_TIME_FIELDS = ["start", "finish", "duration", "processing", "date_start", "date_finish"]


@pytest.mark.parametrize("form", FORMS)
def test_object_cmd_answers_keyed_alike_with_all_sections(portal: PortalClient, form: str) -> None:
    result = portal.result("batch", {"halt": 0, "cmd": {"t": "server.time", "me": "profile"}}, form=form)
    assert list(result) == ["result", "result_error", "result_total", "result_next", "result_time"]
    assert list(result["result"]) == ["t", "me"]
    assert result["result"]["me"]["ID"] == str(portal.hook.user.id)
    assert result["result_error"] == []
    assert result["result_total"] == []
    assert result["result_next"] == []
    assert list(result["result_time"]["t"]) == SIX_TIME_FIELDS


def test_array_cmd_answers_as_lists(portal: PortalClient) -> None:
    result = portal.result("batch", {"halt": 1, "cmd": ["server.time", "method.get?name=profile"]})
    assert isinstance(result["result"], list) and len(result["result"]) == 2
    assert result["result"][1] == {"isExisting": True, "isAvailable": True}
    assert isinstance(result["result_time"], list)


def test_a_failing_command_without_halt_lets_the_others_run(portal: PortalClient) -> None:
    result = portal.result("batch", {"halt": 0, "cmd": {"a": "server.time", "b": "no.such", "c": "profile"}})
    assert list(result["result"]) == ["a", "c"]
    assert result["result_error"] == {
        "b": {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}
    }


@pytest.mark.parametrize("halt", [True, 1, "1", "true", "Y", "false", "N"])
def test_halt_stops_at_the_first_error(portal: PortalClient, halt: object) -> None:
    """halt is read with PHP's (bool) cast: any non-empty string but "0" is true, "false" and "N" included."""
    result = portal.result(
        "batch", {"halt": halt, "cmd": {"a": "server.time", "b": "no.such", "c": "profile"}}
    )
    assert list(result["result"]) == ["a"]
    assert list(result["result_error"]) == ["b"]
    assert list(result["result_time"]) == ["a"]


@pytest.mark.parametrize("halt", [False, 0, "0", "", None])
def test_halt_off_forms(portal: PortalClient, halt: object) -> None:
    params: dict[str, object] = {"cmd": {"b": "no.such", "c": "profile"}}
    if halt is not None:
        params["halt"] = halt
    result = portal.result("batch", params)
    assert list(result["result"]) == ["c"]


def test_sub_call_errors_keep_their_codes(portal: PortalClient) -> None:
    crm_only = portal.with_webhook(portal.hook.user.id, ("crm",))
    result = crm_only.result("batch", {"cmd": {"u": "user.current", "a": "app.info"}})
    assert result["result_error"] == {
        # As the docs' batch example: the bare code inside a batch.
        "u": {"error": "insufficient_scope", "error_description": ""},
    }
    assert result["result"] == {"a": {"SCOPE": ["crm"], "LICENSE": "en_ent"}}


def test_nested_batch_is_not_allowed(portal: PortalClient) -> None:
    result = portal.result("batch", {"cmd": {"inner": "batch?cmd[x]=server.time"}})
    assert result["result_error"] == {
        "inner": {
            "error": "ERROR_BATCH_METHOD_NOT_ALLOWED",
            "error_description": "Method is not allowed for batch usage",
        }
    }


def test_the_first_fifty_commands_run_and_the_rest_are_refused(portal: PortalClient) -> None:
    result = portal.result("batch", {"cmd": {f"c{i}": "server.time" for i in range(50)}})
    assert len(result["result"]) == 50 and result["result_error"] == []
    result = portal.result("batch", {"cmd": {f"c{i}": "server.time" for i in range(53)}})
    assert list(result["result"]) == [f"c{i}" for i in range(50)]
    exceeded = {"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"}
    assert result["result_error"] == {"c50": exceeded, "c51": exceeded, "c52": exceeded}
    halted = portal.result("batch", {"halt": 1, "cmd": {f"c{i}": "server.time" for i in range(53)}})
    assert list(halted["result_error"]) == ["c50"]


def test_method_names_in_commands_fold_case(portal: PortalClient) -> None:
    result = portal.result("batch", {"cmd": {"a": "Server.Time", "b": "PROFILE", "c": "profile.json"}})
    assert list(result["result"]) == ["a", "b"]
    # The .json suffix belongs to URLs; inside a command it makes an unknown name, as on the vendor side.
    assert result["result_error"]["c"]["error"] == "ERROR_METHOD_NOT_FOUND"


def test_result_references_reach_into_earlier_answers(portal: PortalClient) -> None:
    for i in range(3):
        portal.runtime.tenancy.create_user(portal.hook.portal.id, name=f"U{i}", email=f"u{i}@example.com")
    result = portal.result(
        "batch",
        {
            "halt": 1,
            "cmd": {
                "me": "user.current",
                "list": "user.get?sort=ID&order=ASC",
                "third": "user.get?ID=$result[list][2][ID]",
                "by_name": "method.get?name=$result[me][NAME]",
                "total": "user.get?filter[ID]=$total[list]",
            },
        },
    )
    assert result["result_error"] == []
    assert [u["ID"] for u in result["result"]["third"]] == ["3"]
    assert result["result_total"]["list"] == 4
    assert [u["ID"] for u in result["result"]["total"]] == ["4"]


def test_references_to_the_fiftieth_row_page_through_a_list(portal: PortalClient) -> None:
    """The `$result[k][49][ID]` chaining b24pysdk's as_list_fast and the PHP SDK rely on."""
    for i in range(60):
        portal.runtime.tenancy.create_user(portal.hook.portal.id, name=f"P{i}")
    result = portal.result(
        "batch",
        {
            "cmd": {
                "p1": "user.get?sort=ID&order=ASC&start=-1",
                "p2": "user.get?sort=ID&order=ASC&start=-1&filter[>ID]=$result[p1][49][ID]",
            }
        },
    )
    assert result["result_total"] == []  # start=-1 skips the count
    assert len(result["result"]["p1"]) == 50
    assert [u["ID"] for u in result["result"]["p2"]] == [str(i) for i in range(51, 62)]


def test_percent_encoded_references_are_substituted(portal: PortalClient) -> None:
    result = portal.result(
        "batch", {"cmd": {"me": "profile", "g": "method.get?name=%24result%5Bme%5D%5BNAME%5D"}}
    )
    assert result["result"]["g"] == {"isExisting": False, "isAvailable": False}
    assert result["result_error"] == []


def test_list_sub_calls_fill_total_and_next(portal: PortalClient) -> None:
    for i in range(55):
        portal.runtime.tenancy.create_user(portal.hook.portal.id, name=f"N{i}")
    result = portal.result("batch", {"cmd": {"page1": "user.get", "page2": "user.get?start=50"}})
    assert result["result_total"] == {"page1": 56, "page2": 56}
    assert result["result_next"] == {"page1": 50}
    assert len(result["result"]["page2"]) == 6


def test_auth_inside_a_command_is_ignored(portal: PortalClient) -> None:
    result = portal.result("batch", {"cmd": {"t": "server.time?auth=bogus"}})
    assert "t" in result["result"]


def test_fast_bitrix24_order_parameter_is_ignored(portal: PortalClient) -> None:
    result = portal.result(
        "batch", {"halt": 0, "cmd": {"order0000000000": "profile?__order=order0000000000"}}
    )
    assert result["result"]["order0000000000"]["ID"] == str(portal.hook.user.id)


def test_empty_or_missing_cmd(portal: PortalClient) -> None:
    for params in ({}, {"cmd": {}}, {"cmd": "nonsense"}, {"cmd": {"a": {"nested": "x"}}}):
        result = portal.result("batch", params)
        assert result == {
            "result": [],
            "result_error": [],
            "result_total": [],
            "result_next": [],
            "result_time": [],
        }


def test_sub_calls_count_towards_their_own_operating_time(portal: PortalClient) -> None:
    portal.result("batch", {"cmd": {"a": "profile", "b": "profile"}})
    timing = portal.call("profile")["time"]
    assert timing["operating"] > timing["processing"]


def test_reference_rules_follow_the_vendor(portal: PortalClient) -> None:
    """Whole-value references take any value; embedded ones only strings; a path walks as far as it can."""
    result = portal.result(
        "batch",
        {
            "cmd": {
                "me": "user.current",
                "times": "user.get",
                # embedded string: substituted
                "a": "method.get?name=x$result[me][NAME]x",
                # a whole value that walks into a list: the list itself becomes the parameter
                "b": "user.get?FILTER[ID]=$result[times][0][UF_DEPARTMENT]",
                # an unknown key stops the walk at the deepest key found: here the whole "me" answer
                "c": "method.get?name=$RESULT[me][NOPE]",
                # an embedded reference to an array stays as written
                "d": "method.get?name=x$result[me][UF_DEPARTMENT]",
            }
        },
    )
    assert result["result_error"] == []
    assert result["result"]["a"] == {"isExisting": False, "isAvailable": False}  # "xTestx" is no method
    assert [u["ID"] for u in result["result"]["b"]] == ["1"]  # FILTER[ID] = [1]
    assert result["result"]["c"] == {"isExisting": False, "isAvailable": False}
    assert result["result"]["d"] == {"isExisting": False, "isAvailable": False}


def test_reference_substitution_unit() -> None:
    from b24crm.methods.system.batch import substitute

    sections = {
        "result": {"me": {"ID": "7", "N": 5, "L": [1, 2]}},
        "next": {"p": 50},
        "total": {},
        "time": {},
        "error": {},
    }
    assert substitute("$result[me][ID]", sections) == "7"
    assert substitute("id-$result[me][ID]", sections) == "id-7"
    assert substitute("$result[me][N]", sections) == 5
    assert substitute("n-$result[me][N]", sections) == "n-5"  # numbers too, in the newest vendor code
    assert substitute("$result[me][L]", sections) == [1, 2]
    assert substitute("$result[me][missing]", sections) == {"ID": "7", "N": 5, "L": [1, 2]}
    assert substitute("$next[p]", sections) == 50
    assert substitute({"a": ["$Result[me][ID]"]}, sections) == {"a": ["7"]}
