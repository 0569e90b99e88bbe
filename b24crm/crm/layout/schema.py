"""The vendor's layout DTOs as tables: each DTO's properties (in declaration order, which is the order
the vendor echoes them and reports nested errors in) and its checks (in the order the vendor runs them).

Source: the vendor's ``Bitrix\\Crm\\Activity\\Entity\\ConfigurableRestApp\\Dto\\*`` classes; the newer
fields (menu sections, item subtitle/design/badge, ``sliderParams``) follow the docs of
``api-reference/crm/timeline/activities/configurable/structure/*.md``.

Property kinds: ``str``, ``int``, ``bool`` (the vendor's casters), ``text`` (textWithTranslation),
``strings`` (a collection of scalars kept as strings: ``actionParams``), ``obj:<Dto>`` (one nested DTO),
``coll:<Dto>`` (a keyed collection of DTOs) and ``props`` (a block's properties, whose DTO its ``type``
chooses).

Checks: ``("required", field)`` FIELD_IS_REQUIRED when the key is absent (a null value is present);
``("enum", field, values)`` ENUM_FIELD, values a tuple or ``"@icons"`` / ``"@logos"`` (the portal's codes);
``("object", field)`` WRONG_FIELD_VALUE when not an array; ``("objects", field, max)`` and
``("scalars", field, max)`` a keyed collection (key characters, item kind, count); ``("translation",
field)`` languages and string values; ``("simple_block", field, is_collection)`` the nesting rule of
withTitle / lineOfBlocks; ``("hex_color", field)``; ``("menu_sections",)`` the menu's section rules.
Every DTO also refuses keys that are not its properties (FIELD_IS_REDUNDANT), after its own checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from b24crm.crm.layout import codes

Check = tuple[Any, ...]


@dataclass(frozen=True)
class Dto:
    name: str
    props: tuple[tuple[str, str], ...]
    checks: tuple[Check, ...] = ()
    # ActionDto picks its checks by its type, the first case loosely equal to it (a PHP switch).
    checks_by_type: tuple[tuple[str, tuple[Check, ...]], ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.props)


def _dto(name: str, props: str, *checks: Check) -> Dto:
    pairs = tuple(tuple(item.split("=")) for item in props.split())
    return Dto(name, tuple((p[0], p[1]) for p in pairs), tuple(checks))


_BLOCK_SCOPE = "scope=str"  # every block's properties accept a scope, never checked

DTOS: dict[str, Dto] = {
    dto.name: dto
    for dto in (
        _dto(
            "LayoutDto",
            "icon=obj:IconDto header=obj:HeaderDto body=obj:BodyDto footer=obj:FooterDto",
            ("required", "icon"), ("object", "icon"),
            ("required", "header"), ("object", "header"),
            ("required", "body"), ("object", "body"),
            ("object", "footer"),
        ),
        _dto("IconDto", "code=str", ("required", "code"), ("enum", "code", "@icons")),
        _dto(
            "HeaderDto",
            "title=text titleAction=obj:ActionDto tags=coll:TagDto",
            ("required", "title"), ("translation", "title"), ("object", "titleAction"),
            ("objects", "tags", 2),
        ),
        _dto(
            "TagDto",
            "title=text type=str action=obj:ActionDto",
            ("required", "title"), ("translation", "title"), ("required", "type"),
            ("enum", "type", codes.TAG_TYPES), ("object", "action"),
        ),
        _dto(
            "BodyDto",
            "logo=obj:LogoDto blocks=coll:ContentBlockDto",
            ("required", "logo"), ("required", "blocks"), ("objects", "blocks", 20),
        ),
        _dto(
            "LogoDto",
            "code=str action=obj:ActionDto",
            ("required", "code"), ("enum", "code", "@logos"), ("object", "action"),
        ),
        _dto(
            "FooterDto",
            "buttons=coll:FooterButtonDto showNote=bool menu=obj:FooterMenuDto",
            ("objects", "buttons", 2), ("object", "menu"),
        ),
        _dto(
            "FooterButtonDto",
            "title=text type=str action=obj:ActionDto scope=str hideIfReadonly=bool",
            ("required", "title"), ("translation", "title"), ("required", "type"), ("required", "action"),
            ("enum", "type", codes.BUTTON_TYPES), ("object", "action"), ("enum", "scope", codes.SCOPES),
        ),
        _dto(
            "FooterMenuDto",
            "showPinItem=bool showPostponeItem=bool showDeleteItem=bool items=coll:MenuItemDto"
            " sections=coll:MenuSectionDto",
            ("objects", "items", 10), ("objects", "sections", 10), ("menu_sections",),
        ),
        _dto(
            "MenuItemDto",
            "title=text action=obj:ActionDto scope=str hideIfReadonly=bool subtitle=text design=str"
            " isSelected=bool isLocked=bool badgeText=obj:BadgeTextDto sectionCode=str",
            ("required", "title"), ("translation", "title"), ("required", "action"), ("object", "action"),
            ("enum", "scope", codes.SCOPES), ("translation", "subtitle"),
            ("enum", "design", codes.MENU_ITEM_DESIGNS), ("object", "badgeText"),
        ),
        _dto("BadgeTextDto", "title=text color=str", ("required", "title"), ("translation", "title")),
        _dto(
            "MenuSectionDto",
            "code=str title=text design=str",
            ("required", "code"), ("translation", "title"), ("enum", "design", codes.MENU_SECTION_DESIGNS),
        ),
        _dto("ContentBlockDto", "type=str properties=props", ("enum", "type", codes.BLOCK_TYPES)),
        _dto(
            "TextDto",
            f"value=text multiline=bool title=text bold=bool size=str color=str {_BLOCK_SCOPE}",
            ("required", "value"), ("translation", "value"), ("translation", "title"),
            ("enum", "size", codes.TEXT_SIZES), ("enum", "color", codes.TEXT_COLORS),
        ),
        _dto("LargeTextDto", f"value=text {_BLOCK_SCOPE}", ("required", "value"), ("translation", "value")),
        _dto(
            "LinkDto",
            f"text=text bold=bool action=obj:ActionDto {_BLOCK_SCOPE}",
            ("required", "text"), ("translation", "text"), ("required", "action"), ("object", "action"),
        ),
        _dto("DeadlineDto", f"readonly=bool {_BLOCK_SCOPE}"),
        _dto(
            "WithTitleDto",
            f"title=text inline=bool block=obj:ContentBlockDto {_BLOCK_SCOPE}",
            ("required", "block"), ("object", "block"), ("simple_block", "block", False),
            ("translation", "title"),
        ),
        _dto(
            "LineOfBlocksDto",
            f"blocks=coll:ContentBlockDto {_BLOCK_SCOPE}",
            ("required", "blocks"), ("objects", "blocks", 20), ("simple_block", "blocks", True),
        ),
        _dto(
            "ActionSliderParamsDto",
            "width=int leftBoundary=int labelBgColor=str labelColor=str labelText=str title=str",
            ("enum", "labelBgColor", codes.LABEL_BG_COLORS), ("hex_color", "labelColor"),
        ),
        Dto(
            "ActionDto",
            (
                ("type", "str"), ("uri", "str"), ("id", "str"), ("actionParams", "strings"),
                ("animationType", "str"), ("sliderParams", "obj:ActionSliderParamsDto"),
            ),
            # the default case: no type, or none of the cases
            (("required", "type"), ("enum", "type", codes.ACTION_TYPES)),
            (
                ("redirect", (("required", "uri"),)),
                ("openRestApp", (("scalars", "actionParams", 20), ("object", "sliderParams"))),
                (
                    "restEvent",
                    (
                        ("required", "id"), ("scalars", "actionParams", 20),
                        ("enum", "animationType", codes.ANIMATION_TYPES),
                    ),
                ),
            ),
        ),
        _dto(
            "RestAppLayoutBlocksDto",
            "blocks=coll:ContentBlockDto",
            ("required", "blocks"), ("objects", "blocks", 20),
        ),
    )
}  # fmt: skip

# A block's ``properties`` DTO by the block's type.
BLOCK_PROPERTIES: dict[str, str] = {
    "text": "TextDto",
    "largeText": "LargeTextDto",
    "link": "LinkDto",
    "deadline": "DeadlineDto",
    "withTitle": "WithTitleDto",
    "lineOfBlocks": "LineOfBlocksDto",
}
