"""The vendor's check of a handler URL an app registers (``HandlerHelper::checkCallback``), shared by
event.bind and placement.bind: http or https, and a host with a dot in it (``localhost`` is refused,
``127.0.0.1`` is not). The host need not match the app's own address (current cores stopped checking)."""

from __future__ import annotations

from urllib.parse import urlsplit

from b24crm import errors

WRONG_HANDLER_URL = errors.ErrorSpec("ERROR_WRONG_HANDLER_URL", "Wrong handler URL", 400)
UNSUPPORTED_PROTOCOL = errors.ErrorSpec("ERROR_UNSUPPORTED_PROTOCOL", "Unsupported handler protocol", 400)


def check_callback(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise WRONG_HANDLER_URL() from None
    if not host or host.find(".") <= 0:
        raise WRONG_HANDLER_URL()
    if parts.scheme.lower() not in ("http", "https"):
        raise UNSUPPORTED_PROTOCOL()
    return url
