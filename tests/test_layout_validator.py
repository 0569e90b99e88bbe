"""The layout validator (b24crm/crm/layout): one test per rule, error code and limit of the structure pages
(docs: api-reference/crm/timeline/activities/configurable/structure/*.md, named as S/<page>), the docs'
examples accepted as written, and properties over generated layouts and arbitrary values."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b24crm.crm.layout import validate_app_blocks, validate_layout
from b24crm.crm.layout.codes import SYSTEM_ICONS, SYSTEM_LOGOS


def minimal() -> dict[str, Any]:
    return {
        "icon": {"code": "call"},
        "header": {"title": "Call"},
        "body": {
            "logo": {"code": "call-default"},
            "blocks": {"b": {"type": "text", "properties": {"value": "x"}}},
        },
    }


def errors_of(layout: Any, **kw: Any) -> list[tuple[str, Any]]:
    return [(e.code, e.custom_data) for e in validate_layout(layout, **kw).errors]


def with_(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    layout = copy.deepcopy(base or minimal())
    *parents, last = path.split(".")
    node: Any = layout
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return layout


def block(block: Any) -> dict[str, Any]:
    return with_("body.blocks", {"b": block})


# --- crm.md §5.5 and the structure pages' own examples ------

PRIMER = {
    "icon": {"code": "call-completed"},
    "header": {
        "title": "Incoming call",
        "tags": {"status2": {"type": "warning", "title": "not transcribed"}},
    },
    "body": {
        "logo": {"code": "call-incoming", "action": {"type": "redirect", "uri": "/crm/deal/details/123/"}},
        "blocks": {
            "client": {
                "type": "withTitle",
                "properties": {
                    "title": "Client",
                    "inline": True,
                    "block": {"type": "text", "properties": {"value": "Müller GmbH"}},
                },
            }
        },
    },
    "footer": {
        "buttons": {
            "aboutClient": {
                "title": "About client",
                "type": "primary",
                "action": {"type": "openRestApp", "actionParams": {"clientId": 456}},
            }
        },
        "menu": {
            "showPostponeItem": False,
            "items": {
                "confirm": {
                    "title": "Confirm request",
                    "action": {"type": "restEvent", "id": "confirm", "animationType": "loader"},
                }
            },
        },
    },
}


def test_layout_primer_is_accepted_and_echoed_normalized() -> None:
    """S/layout.md#primer (crm.md §5.5): valid; actionParams come back as strings (crm.md §4.3)."""
    result = validate_layout(PRIMER)
    assert result.ok, result.errors
    button = result.value["footer"]["buttons"]["aboutClient"]
    assert button["action"]["actionParams"] == {"clientId": "456"}
    assert validate_layout(result.value).value == result.value


def test_action_page_examples() -> None:
    """S/action.md: the redirect, restEvent and openRestApp examples (with sliderParams)."""
    for action in (
        {"type": "redirect", "uri": "/crm/deal/details/1/"},
        {
            "type": "restEvent",
            "id": "resetButtonClick",
            "actionParams": {"myId": 123, "someImportant": "qwerty"},
            "animationType": "disable",
        },
        {
            "type": "openRestApp",
            "actionParams": {"myId": 123, "someImportant": "qwerty"},
            "sliderParams": {
                "labelText": "this application",
                "labelColor": "#c3b3ff",
                "labelBgColor": "violet",
                "title": "This is the application slider title",
                "width": 700,
            },
        },
    ):
        assert errors_of(with_("header.titleAction", action)) == []


def test_footer_page_examples_with_string_booleans() -> None:
    """S/footer.md: the button and menu examples; the menu sends booleans as strings."""
    button = {
        "title": "Open deal",
        "type": "primary",
        "action": {"type": "redirect", "uri": "/crm/deal/details/123/"},
        "scope": "web",
        "hideIfReadonly": True,
    }
    menu = {
        "showPostponeItem": "false",
        "showDeleteItem": "false",
        "items": {
            "confirm": {"title": "Confirm request", "action": {"type": "restEvent", "id": "confirm"}},
            "decline": {"title": "Decline request", "action": {"type": "restEvent", "id": "decline"}},
        },
    }
    result = validate_layout(with_("footer", {"buttons": {"open": button}, "menu": menu}))
    assert result.ok, result.errors
    assert result.value["footer"]["menu"]["showPostponeItem"] is False


def test_menu_item_page_example() -> None:
    """S/menu-item.md: the example item."""
    item = {
        "title": "Confirm Process",
        "action": {"type": "restEvent", "id": "confirmProcess", "animationType": "loader"},
        "scope": "web",
        "hideIfReadonly": True,
    }
    assert errors_of(with_("footer", {"menu": {"items": {"confirm": item}}})) == []


def test_translations_echoed_as_given() -> None:
    """S/field-types.md#textwithtranslation: a string, or a map of languages, echoed as passed."""
    result = validate_layout(with_("header.title", {"de": "Speichern", "en": "Save"}))
    assert result.value["header"]["title"] == {"de": "Speichern", "en": "Save"}


# --- S/layout.md: the general rules ------


def test_empty_layout_on_add_and_on_update() -> None:
    """configurable.add errors: ERROR_EMPTY_LAYOUT; on update an empty layout keeps the old one."""
    assert [e.code for e in validate_layout({}).errors] == ["ERROR_EMPTY_LAYOUT"]
    assert validate_layout({}, creating=False).ok
    assert validate_layout(None, creating=False).value is None


def test_required_fields() -> None:
    """S/layout.md: icon, header and body are required (FIELD_IS_REQUIRED with FIELD, PARENT_OBJECT)."""
    assert errors_of({"footer": {}}) == [
        ("FIELD_IS_REQUIRED", {"FIELD": name, "PARENT_OBJECT": "LayoutDto"})
        for name in ("icon", "header", "body")
    ]


def test_redundant_field() -> None:
    """S/layout.md: a field the object does not describe is FIELD_IS_REDUNDANT."""
    assert errors_of(with_("extra", 1)) == [
        ("FIELD_IS_REDUNDANT", {"FIELD": "extra", "PARENT_OBJECT": "LayoutDto"})
    ]


def test_nested_object_must_be_an_object() -> None:
    """S/layout.md: a nested object given as a string is WRONG_FIELD_VALUE."""
    assert errors_of(with_("footer", "x")) == [
        ("WRONG_FIELD_VALUE", {"FIELD": "footer", "PARENT_OBJECT": "LayoutDto"})
    ]


def test_all_errors_are_returned_and_the_envelope_shows_the_first() -> None:
    """configurable.add: every error is collected; the REST answer carries the first."""
    result = validate_layout({"icon": {"code": "nope"}, "header": {}, "body": {}})
    assert [e.code for e in result.errors] == [
        "ENUM_FIELD",
        "FIELD_IS_REQUIRED",
        "FIELD_IS_REQUIRED",
        "FIELD_IS_REQUIRED",
    ]
    assert result.api_error().body() == result.errors[0].rest()


# --- S/icon.md, S/body.md (logo) ------


def test_icon_codes_system_and_custom() -> None:
    """S/icon.md: a system code or a portal's custom code; anything else is ENUM_FIELD listing the codes."""
    assert errors_of(with_("icon.code", "my-icon"), icons=["my-icon"]) == []
    [(code, data)] = errors_of(with_("icon.code", "my-icon"))
    assert code == "ENUM_FIELD" and data["VALUES"] == list(SYSTEM_ICONS)


def test_logo_codes_system_and_custom() -> None:
    """S/body.md: the logo code is a system or custom logo code."""
    assert errors_of(with_("body.logo.code", "my-logo"), logos=["my-logo"]) == []
    [(code, data)] = errors_of(with_("body.logo.code", "my-logo"))
    assert (
        code == "ENUM_FIELD" and data["PARENT_OBJECT"] == "LogoDto" and data["VALUES"] == list(SYSTEM_LOGOS)
    )


def test_body_blocks_required_but_may_be_empty() -> None:
    """S/body.md: blocks is required; an empty object passes (crm.md §12.7)."""
    layout = minimal()
    del layout["body"]["blocks"]
    assert errors_of(layout) == [("FIELD_IS_REQUIRED", {"FIELD": "blocks", "PARENT_OBJECT": "BodyDto"})]
    assert errors_of(with_("body.blocks", {})) == []


def test_body_at_most_20_blocks() -> None:
    """S/layout.md: no more than 20 content blocks (TOO_MANY_ITEMS with COUNT)."""
    blocks = {f"b{i}": {"type": "deadline"} for i in range(21)}
    assert errors_of(with_("body.blocks", blocks)) == [
        ("TOO_MANY_ITEMS", {"FIELD": "blocks", "PARENT_OBJECT": "BodyDto", "COUNT": 20})
    ]
    del blocks["b20"]
    assert errors_of(with_("body.blocks", blocks)) == []


def test_block_keys_characters() -> None:
    """S/layout.md: keys are Latin letters, digits, hyphen, underscore; list indexes pass."""
    assert errors_of(with_("body.blocks", {"bad key": {"type": "deadline"}})) == [
        ("KEY_CONTAIN_WRONG_SYMBOLS", {"KEY": "bad key", "PARENT_OBJECT": "BodyDto"})
    ]
    assert errors_of(with_("body.blocks", [{"type": "deadline"}])) == []


# --- S/header.md ------


def test_header_at_most_two_tags() -> None:
    """S/header.md: a third tag is TOO_MANY_ITEMS."""
    tags = {t: {"title": t, "type": "success"} for t in ("a", "b", "c")}
    assert errors_of(with_("header.tags", tags)) == [
        ("TOO_MANY_ITEMS", {"FIELD": "tags", "PARENT_OBJECT": "HeaderDto", "COUNT": 2})
    ]


def test_tag_type_enum() -> None:
    """S/header.md: tag types success/failure/warning/primary/secondary; lavender is ENUM_FIELD."""
    ok = {t: {"title": "x", "type": t} for t in ("success", "failure")}
    assert errors_of(with_("header.tags", ok)) == []
    [(code, data)] = errors_of(with_("header.tags", {"t": {"title": "x", "type": "lavender"}}))
    assert (code, data["FIELD"], data["PARENT_OBJECT"]) == ("ENUM_FIELD", "type", "TagDto")


def test_tag_refuses_scope_and_hide_if_readonly() -> None:
    """S/header.md: a tag takes no scope nor hideIfReadonly (FIELD_IS_REDUNDANT)."""
    tag = {"title": "x", "type": "success", "scope": "web", "hideIfReadonly": True}
    assert [d["FIELD"] for c, d in errors_of(with_("header.tags", {"t": tag}))] == ["scope", "hideIfReadonly"]


def test_tag_required_fields() -> None:
    """S/header.md: a tag needs title and type."""
    assert errors_of(with_("header.tags", {"t": {}})) == [
        ("FIELD_IS_REQUIRED", {"FIELD": "title", "PARENT_OBJECT": "TagDto"}),
        ("FIELD_IS_REQUIRED", {"FIELD": "type", "PARENT_OBJECT": "TagDto"}),
    ]


# --- S/field-types.md ------


def test_translation_language_must_be_installed() -> None:
    """S/field-types.md: a language key not installed is WRONG_LANG (LANG, PARENT_OBJECT)."""
    assert errors_of(with_("header.title", {"xx": "a"})) == [
        ("WRONG_LANG", {"LANG": "xx", "PARENT_OBJECT": "HeaderDto"})
    ]
    assert errors_of(with_("header.title", {"xx": "a"}), languages=["xx"]) == []


def test_translation_values_must_be_strings() -> None:
    """S/field-types.md: a translation that is not a string is WRONG_FIELD_VALUE on field[lang]."""
    assert errors_of(with_("header.title", {"en": 5})) == [
        ("WRONG_FIELD_VALUE", {"FIELD": "title[en]", "PARENT_OBJECT": "HeaderDto"})
    ]


# --- S/content-block.md ----------------------------------------------------------------------------------


def test_block_type_enum() -> None:
    """S/content-block.md: a type outside the six is ENUM_FIELD."""
    [(code, data)] = errors_of(block({"type": "image", "properties": {}}))
    assert (code, data["PARENT_OBJECT"]) == ("ENUM_FIELD", "ContentBlockDto")


def test_each_block_type_with_its_properties() -> None:
    """S/content-block.md: text, largeText, link, deadline (properties optional), withTitle, lineOfBlocks."""
    action = {"type": "redirect", "uri": "/x/"}
    blocks = {
        "t": {
            "type": "text",
            "properties": {
                "value": "v",
                "multiline": True,
                "bold": "Y",
                "size": "sm",
                "color": "base_90",
                "scope": "web",
            },
        },
        "l": {"type": "largeText", "properties": {"value": "long"}},
        "k": {"type": "link", "properties": {"text": "go", "action": action, "bold": False}},
        "d": {"type": "deadline"},
        "w": {
            "type": "withTitle",
            "properties": {"title": "T", "block": {"type": "deadline", "properties": {"readonly": True}}},
        },
        "r": {
            "type": "lineOfBlocks",
            "properties": {"blocks": {"a": {"type": "text", "properties": {"value": "1"}}}},
        },
    }
    assert errors_of(with_("body.blocks", blocks)) == []


def test_text_required_value_size_and_color() -> None:
    """S/content-block.md: text needs value; size xs|sm|md; color base_50..base_90 (green is ENUM_FIELD)."""
    assert errors_of(block({"type": "text", "properties": {}})) == [
        ("FIELD_IS_REQUIRED", {"FIELD": "value", "PARENT_OBJECT": "TextDto"})
    ]
    assert [
        d["FIELD"]
        for _, d in errors_of(
            block({"type": "text", "properties": {"value": "v", "size": "lg", "color": "green"}})
        )
    ] == ["size", "color"]


def test_link_requires_text_and_action() -> None:
    """S/content-block.md: link needs text and action."""
    assert [d["FIELD"] for _, d in errors_of(block({"type": "link", "properties": {}}))] == ["text", "action"]


def test_with_title_nests_only_simple_blocks() -> None:
    """S/content-block.md: withTitle nests text, link or deadline; others are WRONG_FIELD_VALUE type."""
    nested = {
        "type": "withTitle",
        "properties": {"title": "T", "block": {"type": "largeText", "properties": {"value": "v"}}},
    }
    assert errors_of(block(nested)) == [
        ("WRONG_FIELD_VALUE", {"FIELD": "type", "PARENT_OBJECT": "ContentBlockDto"})
    ]
    assert errors_of(block({"type": "withTitle", "properties": {}})) == [
        ("FIELD_IS_REQUIRED", {"FIELD": "block", "PARENT_OBJECT": "WithTitleDto"})
    ]


def test_line_of_blocks_limit_and_nesting() -> None:
    """S/content-block.md: lineOfBlocks holds at most 20 simple blocks."""
    many = {f"x{i}": {"type": "deadline"} for i in range(21)}
    assert errors_of(block({"type": "lineOfBlocks", "properties": {"blocks": many}})) == [
        ("TOO_MANY_ITEMS", {"FIELD": "blocks", "PARENT_OBJECT": "LineOfBlocksDto", "COUNT": 20})
    ]
    bad = {"a": {"type": "lineOfBlocks", "properties": {"blocks": {}}}}
    assert ("WRONG_FIELD_VALUE", {"FIELD": "type", "PARENT_OBJECT": "ContentBlockDto"}) in errors_of(
        block({"type": "lineOfBlocks", "properties": {"blocks": bad}})
    )


def test_block_that_is_not_an_object() -> None:
    """S/rest-app-layout-dto.md errors: a block that is not an object is WRONG_FIELD_VALUE blocks[key]."""
    assert errors_of(with_("body.blocks", {"b": "text"})) == [
        ("WRONG_FIELD_VALUE", {"FIELD": "blocks[b]", "PARENT_OBJECT": "BodyDto"})
    ]


# --- S/action.md ------


def test_action_type_required_and_enum() -> None:
    """S/action.md: type is required and one of redirect, restEvent, openRestApp."""
    assert [c for c, _ in errors_of(with_("header.titleAction", {}))] == ["FIELD_IS_REQUIRED", "ENUM_FIELD"][
        :1
    ]
    [(code, data)] = errors_of(with_("header.titleAction", {"type": "open"}))
    assert (code, data["PARENT_OBJECT"]) == ("ENUM_FIELD", "ActionDto")


def test_action_required_by_type() -> None:
    """S/action.md: redirect needs uri, restEvent needs id."""
    assert errors_of(with_("header.titleAction", {"type": "redirect"})) == [
        ("FIELD_IS_REQUIRED", {"FIELD": "uri", "PARENT_OBJECT": "ActionDto"})
    ]
    assert errors_of(with_("header.titleAction", {"type": "restEvent"})) == [
        ("FIELD_IS_REQUIRED", {"FIELD": "id", "PARENT_OBJECT": "ActionDto"})
    ]


def test_action_animation_type_enum() -> None:
    """S/action.md: animationType is loader or disable."""
    [(code, data)] = errors_of(
        with_("header.titleAction", {"type": "restEvent", "id": "x", "animationType": "spin"})
    )
    assert (code, data["FIELD"]) == ("ENUM_FIELD", "animationType")


def test_action_params_limit_keys_and_scalars() -> None:
    """S/layout.md: at most 20 actionParams, keys checked, values scalars (echoed as strings)."""
    params = {f"p{i}": i for i in range(21)}
    assert errors_of(with_("header.titleAction", {"type": "openRestApp", "actionParams": params})) == [
        ("TOO_MANY_ITEMS", {"FIELD": "actionParams", "PARENT_OBJECT": "ActionDto", "COUNT": 20})
    ]
    bad = {"a.b": 1, "c": [1]}
    assert [
        c
        for c, _ in errors_of(
            with_("header.titleAction", {"type": "restEvent", "id": "x", "actionParams": bad})
        )
    ] == [
        "KEY_CONTAIN_WRONG_SYMBOLS",
        "WRONG_FIELD_VALUE",
    ]


def test_slider_params_colors() -> None:
    """S/action.md#actionsliderparamsdto: labelBgColor from its list, labelColor hex."""
    action = {"type": "openRestApp", "sliderParams": {"labelBgColor": "red", "labelColor": "red"}}
    assert [(c, d["FIELD"]) for c, d in errors_of(with_("header.titleAction", action))] == [
        ("ENUM_FIELD", "labelBgColor"),
        ("WRONG_FIELD_VALUE", "labelColor"),
    ]


def test_action_redundant_field() -> None:
    """S/action.md: a field ActionDto does not have is FIELD_IS_REDUNDANT."""
    assert errors_of(with_("header.titleAction", {"type": "redirect", "uri": "/", "href": "/"})) == [
        ("FIELD_IS_REDUNDANT", {"FIELD": "href", "PARENT_OBJECT": "ActionDto"})
    ]


# --- S/footer.md, S/menu-item.md ------------------------------------------------------------------------


def test_footer_at_most_two_buttons() -> None:
    """S/footer.md: no more than two buttons."""
    button = {"title": "b", "type": "primary", "action": {"type": "redirect", "uri": "/"}}
    assert errors_of(with_("footer", {"buttons": {"a": button, "b": button, "c": button}})) == [
        ("TOO_MANY_ITEMS", {"FIELD": "buttons", "PARENT_OBJECT": "FooterDto", "COUNT": 2})
    ]


def test_footer_button_required_type_and_scope() -> None:
    """S/footer.md: a button needs title, type, action; type primary|secondary; scope web|mobile."""
    assert [d["FIELD"] for _, d in errors_of(with_("footer", {"buttons": {"a": {}}}))] == [
        "title",
        "type",
        "action",
    ]
    button = {"title": "b", "type": "danger", "action": {"type": "redirect", "uri": "/"}, "scope": "tv"}
    assert [(c, d["FIELD"]) for c, d in errors_of(with_("footer", {"buttons": {"a": button}}))] == [
        ("ENUM_FIELD", "type"),
        ("ENUM_FIELD", "scope"),
    ]


def test_menu_at_most_ten_items_and_sections() -> None:
    """S/layout.md: no more than ten menu items and ten sections."""
    item = {"title": "i", "action": {"type": "restEvent", "id": "i"}}
    items = {f"i{n}": item for n in range(11)}
    assert errors_of(with_("footer", {"menu": {"items": items}})) == [
        ("TOO_MANY_ITEMS", {"FIELD": "items", "PARENT_OBJECT": "FooterMenuDto", "COUNT": 10})
    ]
    sections = [{"code": f"s{n}"} for n in range(11)]
    assert (
        "TOO_MANY_ITEMS",
        {"FIELD": "sections", "PARENT_OBJECT": "FooterMenuDto", "COUNT": 10},
    ) in errors_of(with_("footer", {"menu": {"sections": sections}}))


def test_menu_item_required_fields_and_design() -> None:
    """S/menu-item.md: title and action required; design from its list."""
    assert [d["FIELD"] for _, d in errors_of(with_("footer", {"menu": {"items": {"a": {}}}}))] == [
        "title",
        "action",
    ]
    item = {
        "title": "i",
        "action": {"type": "restEvent", "id": "i"},
        "design": "loud",
        "badgeText": {"title": "new", "color": "#fff"},
    }
    assert [(c, d["FIELD"]) for c, d in errors_of(with_("footer", {"menu": {"items": {"a": item}}}))] == [
        ("ENUM_FIELD", "design")
    ]


def test_menu_section_rules() -> None:
    """crm.md §5.2 FooterMenuDto: reserved, duplicate, missing and unknown section codes."""
    item = {"title": "i", "action": {"type": "restEvent", "id": "i"}}
    menu = {
        "sections": [{"code": "about"}, {"code": "mine"}, {"code": "mine"}],
        "items": {"a": item, "b": {**item, "sectionCode": "other"}, "c": {**item, "sectionCode": "mine"}},
    }
    assert [e.code for e in validate_layout(with_("footer", {"menu": menu})).errors] == [
        "MENU_RESERVED_SECTION_CODE",
        "MENU_DUPLICATE_SECTION_CODE",
        "MENU_MISSING_SECTION_CODE",
        "MENU_UNKNOWN_SECTION_CODE",
    ]


# --- S/rest-app-layout-dto.md -------------------------------------------------------------------------------


def test_app_blocks_rules() -> None:
    """S/rest-app-layout-dto.md: blocks required, {} passes, ≤ 20 blocks, key characters."""
    assert [e.code for e in validate_app_blocks({}).errors] == ["FIELD_IS_REQUIRED"]
    assert validate_app_blocks({"blocks": {}}).ok
    many = {f"b{i}": {"type": "deadline"} for i in range(21)}
    assert [e.code for e in validate_app_blocks({"blocks": many}).errors] == ["TOO_MANY_ITEMS"]
    assert [e.custom_data for e in validate_app_blocks({"blocks": {"é": {"type": "deadline"}}}).errors] == [
        {"KEY": "é", "PARENT_OBJECT": "RestAppLayoutBlocksDto"}
    ]
    assert validate_app_blocks({"blocks": {"k": {"type": "text", "properties": {"value": "v"}}}}).ok


# --- properties ------

_keys = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_-]{0,8}", fullmatch=True)
_text = st.one_of(
    st.text(max_size=10),
    st.dictionaries(st.sampled_from(["en", "de", "ru"]), st.text(max_size=5), max_size=2),
)
_action = st.one_of(
    st.builds(lambda u: {"type": "redirect", "uri": u}, st.text(max_size=8)),
    st.builds(
        lambda i, p: {"type": "restEvent", "id": i, "actionParams": p},
        st.text(max_size=5),
        st.dictionaries(_keys, st.one_of(st.integers(), st.text(max_size=4), st.booleans()), max_size=3),
    ),
    st.just({"type": "openRestApp", "sliderParams": {"width": 500, "labelBgColor": "aqua"}}),
)
_simple = st.one_of(
    st.builds(lambda v: {"type": "text", "properties": {"value": v}}, _text),
    st.builds(lambda t, a: {"type": "link", "properties": {"text": t, "action": a}}, _text, _action),
    st.just({"type": "deadline"}),
)
_block = st.one_of(
    _simple,
    st.builds(lambda v: {"type": "largeText", "properties": {"value": v}}, _text),
    st.builds(lambda t, b: {"type": "withTitle", "properties": {"title": t, "block": b}}, _text, _simple),
    st.builds(
        lambda bs: {"type": "lineOfBlocks", "properties": {"blocks": bs}},
        st.dictionaries(_keys, _simple, max_size=3),
    ),
)
_layouts = st.builds(
    lambda icon, logo, title, blocks, menu: {
        "icon": {"code": icon},
        "header": {"title": title},
        "body": {"logo": {"code": logo}, "blocks": blocks},
        "footer": {"menu": menu},
    },
    st.sampled_from(SYSTEM_ICONS),
    st.sampled_from(SYSTEM_LOGOS),
    _text,
    st.dictionaries(_keys, _block, max_size=4),
    st.builds(
        lambda items, flag: {"showPinItem": flag, "items": items},
        st.dictionaries(_keys, st.builds(lambda t, a: {"title": t, "action": a}, _text, _action), max_size=3),
        st.sampled_from([True, False, "true", "N", "Y", 0, 1]),
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_layouts)
def test_generated_layouts_validate_and_their_echo_is_stable(layout: dict[str, Any]) -> None:
    result = validate_layout(layout)
    assert result.ok, result.errors
    again = validate_layout(result.value)
    assert again.ok and again.value == result.value


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=6)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(["type", "properties", "icon", "header", "body", "blocks", "title", "code"]),
                st.text(max_size=4),
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_any_value_returns_a_result_never_raises(value: Any) -> None:
    for result in (
        validate_layout(value),
        validate_layout(value, creating=False),
        validate_app_blocks(value),
    ):
        assert result.ok or all(e.code and e.message for e in result.errors)
        for prefix in ("body", "header"):
            validate_layout({**minimal(), prefix: value})
