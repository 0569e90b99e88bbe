"""Every server setting, declared once: name, default and help.

The CLI builds its options from this table and the environment overrides any of them as ``B24CRM_<NAME>``,
so a setting is documented, configurable and testable from the one place it is declared.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    db: str = _setting("sqlite:///b24crm.db", "Database URL: sqlite:///path or postgresql://user@host/db.")
    host: str = _setting("127.0.0.1", "Interface to listen on.")
    port: int = _setting(8024, "Port to listen on.")
    data_dir: str = _setting("b24crm-data", "Directory for files, TLS material and the demo webhook.")
    tls: bool = _setting(
        False, "Serve HTTPS with a locally generated certificate (SAN localhost, 127.0.0.1)."
    )
    require_https: bool = _setting(
        False, "Refuse plain-HTTP REST calls with INVALID_REQUEST, as the cloud does."
    )
    files_dir: str = _setting(
        "", "Directory for activity files; <data dir>/files when empty (share it between PostgreSQL servers)."
    )
    event_delivery: bool = _setting(True, "Send events to their handlers from a background worker.")
    event_retries: int = _setting(
        0, "Retries of an event delivery that failed (after the first attempt; Bitrix24 makes one)."
    )
    event_retry_delay: float = _setting(5.0, "Seconds before the first retry of an event delivery; doubles.")
    event_connect_timeout: float = _setting(
        5.0, "Seconds an event delivery may take to connect to its handler (a timeout counts as an attempt)."
    )
    event_read_timeout: float = _setting(
        15.0, "Seconds an event delivery waits for its handler's answer once sent (the vendor waits 15)."
    )
    event_retention_days: float = _setting(
        7.0,
        "Days events, their deliveries and attempts are kept (longer while one is pending); 0 keeps them.",
    )
    admin_token: str = _setting(
        "", "Token for the /_b24crm/ admin namespace; when empty, the one kept in <data dir>/admin-token."
    )
    public_url: str = _setting(
        "", "Base URL printed in webhook URLs; derived from host, port and TLS when empty."
    )
    demo: bool = _setting(
        True, "Create a demo portal, admin and crm webhook when the database has no portal."
    )
    log_level: str = _setting("info", "Log level of the server.")
    workers: int = _setting(
        1, "Server processes sharing the port (serve --workers); more than one needs PostgreSQL."
    )
    max_body: int = _setting(
        64 * 1024 * 1024,
        "Largest request body in bytes; a larger one is answered 413 before it is read or parsed.",
    )
    request_timeout: float = _setting(
        60.0, "Seconds a client may take to send a whole request (headers and body); then it is dropped."
    )
    web: bool = _setting(
        True, "Serve the browser pages (/ui/: items and their timelines, signed in with the admin token)."
    )
    request_log: bool = _setting(
        True, "Print one line per REST call on the console (time, portal, method, ...)."
    )
    request_log_keep: int = _setting(
        100,
        "REST calls kept per portal for /_b24crm/portals/{id}/requests and `b24crm requests`; 0 keeps none.",
    )
    request_log_bytes: int = _setting(
        16 * 1024 * 1024, "Bytes the kept REST calls of all portals may hold together; the oldest go first."
    )
    limits: str = _setting(
        "off",
        "Request limits of every portal without its own plan: off, standard (2 requests/s, 50 burst) or "
        "enterprise (5/s, 250), with the operating-time limit.",
    )
    limits_drain: float = _setting(0.0, "Requests a second the leaky bucket drains; 0: the plan's figure.")
    limits_burst: int = _setting(0, "Requests the leaky bucket holds before refusing; 0: the plan's figure.")
    operating_limit: float = _setting(
        480.0, "Seconds of processing a method may take per credential over ten minutes, when limits are on."
    )
    limits_time_scale: float = _setting(
        1.0,
        "Speeds up the limits' time for tests: 60 drains the bucket 60 times faster and ends a minute "
        "bucket in a second.",
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        source: Mapping[str, str] = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = source.get(f"B24CRM_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(raw, type(f.default))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def files_path(self) -> Path:
        return Path(self.files_dir) if self.files_dir else self.data_path / "files"

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"{self.scheme}://{host}:{self.port}"


def _coerce(raw: str, kind: type) -> Any:
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "y", "on")
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    return raw


def describe() -> list[tuple[str, Any, str]]:
    """(name, default, help) of every setting, for the README and the docs-coverage test."""
    return [(f.name, f.default, f.metadata["help"]) for f in fields(Settings)]
