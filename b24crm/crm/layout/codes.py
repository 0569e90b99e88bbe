"""The code lists a layout is checked against: system icons and logos, installed languages.

The vendor's lists live in its timeline layout classes (``Service\\Timeline\\Layout\\Common\\Icon`` and
``Logo``); a portal adds its own codes with ``crm.timeline.icon.*`` / ``crm.timeline.logo.*``, which the
caller passes to the validator (they are stored per portal, and this module does not read storage).
"""

from __future__ import annotations

SYSTEM_ICONS: tuple[str, ...] = (
    "call", "call-incoming-missed", "call-incoming", "call-completed", "call-outcoming", "document", "IM",
    "circle-check", "info", "relation", "link", "unlink", "store", "view", "stage-change", "sum",
    "open-line-incoming-message", "clock", "mail-outcome", "complete", "check", "comment", "sms", "whatsapp",
    "task", "pipeline", "wallet", "attention", "bank-card", "conversion", "calendar", "circle-crossed",
    "task-ping", "task-new-comment", "task-viewed-comment", "task-activity", "ai-copilot", "ai-process",
    "restoration", "arrow-up", "arrow-down", "visit", "camera", "copy", "robot", "cycle-equal", "bizproc",
    "message-with-point", "booking",
)  # fmt: skip

SYSTEM_LOGOS: tuple[str, ...] = (
    "call-play-record", "call-default", "call-incoming", "call-outgoing", "document", "document-print",
    "document-signed", "document-draft", "channel-chat", "channel-avito", "channel-apple", "channel-fb",
    "channel-fb-chat", "channel-instagram-direct", "channel-bitrix", "channel-ok", "channel-telegram",
    "channel-viber", "channel-vk", "channel-vk-order", "channel-whatsapp-bitrix", "channel-edna",
    "channel-whatsapp", "mail-outcome", "list-check", "shop", "notification", "comment", "sms", "shop-eye",
    "bank-card", "calendar-share", "unread-comment", "task-activity", "ai-copilot", "zoom", "bizproc",
    "bizproc-task",
)  # fmt: skip

# The interface languages of a cloud portal (docs: api-reference/crm/data-types.md#lang-ids). The vendor
# reads the portal's installed languages; a caller serving fewer passes its own list.
LANGUAGES: tuple[str, ...] = (
    "ar", "br", "de", "en", "fr", "hi", "id", "it", "ja", "la", "ms", "pl", "ru", "sc", "tc", "th", "tr",
    "ua", "vn",
)  # fmt: skip

# The vendor's enumerations, in the order its error customData VALUES lists them.
TAG_TYPES = ("success", "failure", "warning", "primary", "secondary")
BUTTON_TYPES = ("primary", "secondary")
SCOPES = ("web", "mobile")
BLOCK_TYPES = ("text", "largeText", "link", "deadline", "withTitle", "lineOfBlocks")
# withTitle and lineOfBlocks nest only these.
SIMPLE_BLOCK_TYPES = ("text", "link", "deadline")
TEXT_SIZES = ("xs", "sm", "md")
TEXT_COLORS = ("base_50", "base_60", "base_70", "base_90")
ACTION_TYPES = ("redirect", "openRestApp", "restEvent")
ANIMATION_TYPES = ("disable", "loader")
LABEL_BG_COLORS = ("aqua", "green", "orange", "brown", "pink", "blue", "grey", "violet")
MENU_ITEM_DESIGNS = ("default", "accent-1", "accent-2", "alert", "copilot", "disabled")
MENU_SECTION_DESIGNS = ("default", "accent")
RESERVED_SECTION_CODES = ("system", "about", "base", "extensions")
