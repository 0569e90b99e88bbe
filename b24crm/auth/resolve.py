"""Which credential a REST call presents: a webhook in the path, or an OAuth token in ``auth``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from b24crm import errors
from b24crm.auth.models import Credential

if TYPE_CHECKING:
    from b24crm.runtime import Runtime


@dataclass(frozen=True)
class Presented:
    """The credential material of a request, before it is checked."""

    webhook_user: str | None = None
    webhook_code: str | None = None
    token: str | None = None


def presented(webhook: tuple[str, str] | None, params: dict[str, Any]) -> Presented:
    if webhook is not None:
        return Presented(webhook_user=webhook[0], webhook_code=webhook[1])
    token = params.get("auth")
    return Presented(token=token if isinstance(token, str) and token else None)


async def authenticate(runtime: Runtime, creds: Presented) -> Credential:
    tenancy = runtime.tenancy
    if creds.webhook_code is not None and creds.webhook_user is not None:
        cached = tenancy.cached_webhook(creds.webhook_user, creds.webhook_code)
        if cached is not None:
            return cached
        return await run_in_threadpool(tenancy.resolve_webhook, creds.webhook_user, creds.webhook_code)
    if creds.token is not None:
        return await run_in_threadpool(runtime.resolve_token, creds.token)
    raise errors.NO_AUTH_FOUND()
