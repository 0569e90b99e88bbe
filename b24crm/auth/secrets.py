"""Secret codes and their digests.

Webhook codes are random and long, so a fast SHA-256 digest is enough to keep them unreadable at rest; a slow
password hash would cost milliseconds on every single REST call.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def new_code(length: int = 16) -> str:
    """A secret in the vendor's webhook-code form (16 lower-case letters and digits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_member_id() -> str:
    return secrets.token_hex(16)


def new_token() -> str:
    return secrets.token_hex(24)


def digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def same_digest(stored: str, code: str) -> bool:
    return hmac.compare_digest(stored, digest(code))
