"""Handler URLs: the vendor's check of one an app registers (``HandlerHelper::checkCallback``), shared by
event.bind and placement.bind: http or https, and a host with a dot in it (``localhost`` is refused,
``127.0.0.1`` is not). The host need not match the app's own address (current cores stopped checking).
Beyond the vendor's rule, a URL must also be one this server can send to and store (see
docs/compatibility.md)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from b24crm import errors

WRONG_HANDLER_URL = errors.ErrorSpec("ERROR_WRONG_HANDLER_URL", "Wrong handler URL", 400)
UNSUPPORTED_PROTOCOL = errors.ErrorSpec("ERROR_UNSUPPORTED_PROTOCOL", "Unsupported handler protocol", 400)


MAX_URL = 2048  # the handler columns' length


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
    if not sendable(url):
        raise WRONG_HANDLER_URL()
    return url


def sendable(url: str) -> bool:
    """Whether the delivery client can send to ``url`` (an encodable host) and a column can hold it."""
    if len(url) > MAX_URL or "\x00" in url:
        return False
    try:
        httpx.URL(url).host  # noqa: B018 - decodes the host (IDNA), which is where odd hosts fail
    except Exception:  # httpx.InvalidURL, UnicodeError from IDNA, ...
        return False
    return True


def http_url(url: Any, what: str) -> str:
    """An http(s) URL given on the command line or the admin API; ValueError otherwise."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ValueError(f"the {what} must be an http(s) URL: {url!r}")
    if not sendable(url):
        raise ValueError(f"the {what} cannot be sent to or is longer than {MAX_URL} characters")
    return url


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to its query, before any fragment."""
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit(parts._replace(query=query))
