"""Which credential a REST call presents: a webhook in the path, or an OAuth token in ``auth``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from b24crm import errors
from b24crm.auth.models import Credential

if TYPE_CHECKING:
    from b24crm.apps.oauth import OAuthServer
    from b24crm.auth.service import Tenancy


@dataclass(frozen=True)
class Presented:
    """The credential material of a request, before it is checked."""

    webhook_user: str | None = None
    webhook_code: str | None = None
    token: str | None = None


def presented(webhook: tuple[str, str] | None, params: dict[str, Any], bearer: str = "") -> Presented:
    """The credential of a call, where the vendor looks for it: the webhook in the path; else an access
    token in an ``Authorization: Bearer`` header, the ``auth`` parameter or ``access_token``."""
    if webhook is not None:
        return Presented(webhook_user=webhook[0], webhook_code=webhook[1])
    for token in (bearer, params.get("auth"), params.get("access_token")):
        if isinstance(token, str) and token:
            return Presented(token=token)
    return Presented()


# Lookups under way, so that concurrent calls with the same uncached webhook share one database query
# instead of all missing the cache at once when an entry expires.
_pending: dict[tuple[str, str], asyncio.Future[Credential]] = {}


async def _resolve_webhook_once(tenancy: Tenancy, user_id: str, code: str) -> Credential:
    key = (user_id, code)
    pending = _pending.get(key)
    if pending is not None:
        return await asyncio.shield(pending)
    future: asyncio.Future[Credential] = asyncio.get_running_loop().create_future()
    _pending[key] = future
    try:
        credential = await run_in_threadpool(tenancy.resolve_webhook, user_id, code)
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # mark it retrieved: nobody else may be waiting
        raise
    else:
        future.set_result(credential)
        return credential
    finally:
        del _pending[key]


async def authenticate(tenancy: Tenancy, oauth: OAuthServer, creds: Presented) -> Credential:
    if creds.webhook_code is not None and creds.webhook_user is not None:
        cached = tenancy.cached_webhook(creds.webhook_user, creds.webhook_code)
        if cached is not None:
            return cached
        return await _resolve_webhook_once(tenancy, creds.webhook_user, creds.webhook_code)
    if creds.token is not None:
        cached_token = oauth.cached(creds.token)
        if cached_token is not None:
            return cached_token
        return await run_in_threadpool(oauth.resolve, creds.token)
    raise errors.NO_AUTH_FOUND()
