"""The one declarative registry of REST methods.

Each method is declared once, next to its handler::

    @method("server.time", scope="basic", blocking=False)
    def server_time(ctx: CallContext, p: NoParams) -> str: ...

(the newer D7 controllers: ``@d7_method`` in ``rpc/d7.py``, with the action's arguments instead of a
model) and that declaration drives dispatch, ``methods``, ``method.get``, ``scope``, ``b24crm methods``, the
generated coverage list and the docs-coverage test. Names are looked up case-insensitively, as the vendor
does.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from b24crm import errors

H = TypeVar("H", bound=Callable[..., Any])

BASIC = "basic"  # the vendor's global scope: granted to every credential


class Params(BaseModel):
    """Base of every parameter model: top-level names arrive lower-cased, unknown ones are ignored."""

    model_config = ConfigDict(extra="allow", alias_generator=str.lower, populate_by_name=True)


class NoParams(Params):
    pass


NO_PARAMS = NoParams()


def default_invalid(exc: ValidationError, model: type[BaseModel]) -> errors.ApiError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return errors.INVALID_ARG_VALUE(f"Invalid value of parameter '{where}': {first.get('msg', '')}")


@dataclass(frozen=True)
class MethodSpec:
    name: str
    scopes: tuple[str, ...]
    handler: Callable[..., Any]
    params: type[BaseModel]
    summary: str
    doc: str | None = None
    blocking: bool = True  # runs in the thread pool (it touches storage)
    # With ``blocking=False``: its storage work runs on the event loop under the storage budget
    # (``Database.inline``), moving to the thread pool when it runs over or must wait.
    bounded: bool = False
    batchable: bool = True
    metered: bool = True  # counted in the operating-time accounting
    invalid: Callable[[ValidationError, type[BaseModel]], errors.ApiError] = default_invalid
    is_async: bool = field(default=False)
    # Instead of ``params``: turns the call's parameters into the handler's second argument. The D7
    # methods bind their arguments with it (``rpc/d7.py``), which the registry need not know about.
    binder: Callable[[dict[str, Any]], Any] | None = None
    # Awaited on the event loop before the handler, with its arguments: its answer, unless None (then the
    # handler runs). For a read the loop can await without a thread (``Database.read_on_loop``).
    first: Callable[[Any, Any], Awaitable[Any]] | None = None

    @property
    def key(self) -> str:
        return self.name.lower()

    def allowed_for(self, scopes: frozenset[str]) -> bool:
        return BASIC in self.scopes or any(s in scopes for s in self.scopes)

    def parse(self, params: dict[str, Any]) -> Any:
        if self.binder is not None:
            return self.binder(params)
        if self.params is NoParams:
            return NO_PARAMS  # nothing to validate: skip pydantic on the hottest methods
        try:
            return self.params.model_validate(params)
        except ValidationError as exc:
            raise self.invalid(exc, self.params) from exc


class Registry:
    def __init__(self) -> None:
        self._methods: dict[str, MethodSpec] = {}

    def method(
        self,
        name: str,
        *,
        scope: str | tuple[str, ...],
        params: type[BaseModel] = NoParams,
        doc: str | None = None,
        blocking: bool = True,
        bounded: bool = False,
        batchable: bool = True,
        metered: bool = True,
        invalid: Callable[[ValidationError, type[BaseModel]], errors.ApiError] = default_invalid,
        binder: Callable[[dict[str, Any]], Any] | None = None,
        first: Callable[[Any, Any], Awaitable[Any]] | None = None,
    ) -> Callable[[H], H]:
        def register(handler: H) -> H:
            key = name.lower()
            if key in self._methods:
                raise ValueError(f"method {name} registered twice")
            self._methods[key] = MethodSpec(
                name=name,
                scopes=(scope,) if isinstance(scope, str) else scope,
                handler=handler,
                params=params,
                summary=(inspect.getdoc(handler) or "").split("\n", 1)[0],
                doc=doc,
                blocking=blocking,
                bounded=bounded,
                batchable=batchable,
                metered=metered,
                invalid=invalid,
                is_async=inspect.iscoroutinefunction(handler),
                binder=binder,
                first=first,
            )
            return handler

        return register

    def get(self, name: str) -> MethodSpec | None:
        return self._methods.get(name.lower())

    def __iter__(self) -> Iterator[MethodSpec]:
        return iter(sorted(self._methods.values(), key=lambda s: s.key))

    def __len__(self) -> int:
        return len(self._methods)

    def scopes(self) -> list[str]:
        """Every scope some method belongs to, the global one first."""
        found = {s for spec in self._methods.values() for s in spec.scopes}
        return [BASIC, *sorted(found - {BASIC})]


REGISTRY = Registry()
method = REGISTRY.method
