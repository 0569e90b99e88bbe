"""The CallContext a handler runs with: the ``Caller`` the domain takes, plus the call's transport."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from b24crm.auth.caller import Caller, Services

if TYPE_CHECKING:
    from b24crm.auth.models import Credential
    from b24crm.rpc.registry import Registry


class Calls(Protocol):
    """What a handler may ask of the engine that runs it (``rpc.dispatch.Dispatcher``): the registry, and
    running another call (``batch``). A protocol, so that the contract does not import the engine."""

    registry: Registry

    async def invoke(
        self,
        credential: Credential,
        name: str,
        params: dict[str, Any],
        *,
        https: bool = False,
        in_batch: bool = False,
        heavy: bool = False,
    ) -> Any: ...


class CallContext(Caller):
    """A handler passes it down as the ``Caller``; the rest is for the handlers of the system methods."""

    def __init__(
        self,
        engine: Calls,
        services: Services,
        credential: Credential,
        method: str,
        *,
        connector: str = "",
        https: bool = False,
        in_batch: bool = False,
    ) -> None:
        super().__init__(services, credential, connector)
        self.engine = engine
        self.method = method
        self.https = https
        self.in_batch = in_batch
