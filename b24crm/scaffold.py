"""``b24crm scaffold FAMILY``: lay out a new method family the way every family is laid out, so that the next
ones start alike: a handlers module (thin, declared with ``@method``), a domain module (the rules, on plain
values), and a test file that calls the family through HTTP on both stores. The family is found by
``b24crm.methods`` without being listed; its first method is ``<prefix>.fields``, to be replaced by the real
ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_FAMILY = re.compile(r"[a-z][a-z0-9_]*")
_PREFIX = re.compile(r"[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+")

_INIT = '''"""{prefix}.*"""

from b24crm.methods.{family} import handlers  # noqa: F401  (importing registers the methods)
'''

_HANDLERS = '''"""{prefix}.*

Docs: {doc}. Handlers stay thin: they read the vendor's parameters, call the domain module
(``b24crm/crm/{family}.py``) and shape its answer as the vendor's page shows it.
"""

from __future__ import annotations

from typing import Any

from b24crm.crm import {family} as domain
from b24crm.rpc.context import CallContext
from b24crm.rpc.registry import Params, method

DOCS = "{doc}"


@method("{prefix}.fields", scope="{scope}", doc=f"{{DOCS}}{page}-fields.md")
def fields(ctx: CallContext, p: Params) -> dict[str, Any]:
    """The fields of {prefix}, described."""
    return domain.describe_fields()
'''

_DOMAIN = '''"""The rules of {prefix}.*: plain values in, plain values out; storage through
``b24crm.store``."""

from __future__ import annotations

from typing import Any

# One row per field: name, type, and whether it is required, as the vendor's page lists them.
FIELDS: tuple[tuple[str, str, bool], ...] = (("id", "integer", False),)


def describe_fields() -> dict[str, Any]:
    return {{
        name: {{"type": kind, "isRequired": required, "isReadOnly": name == "id", "isMultiple": False}}
        for name, kind, required in FIELDS
    }}
'''

_TEST = '''"""{prefix}.* through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.client import PortalClient


def test_fields_describe_the_id(portal: PortalClient) -> None:
    assert portal.result("{prefix}.fields")["id"]["type"] == "integer"
'''


@dataclass(frozen=True)
class Family:
    name: str  # crm_timeline_comment
    prefix: str  # crm.timeline.comment
    doc: str  # api-reference/crm/timeline/comments/
    scope: str = "crm"

    @property
    def page(self) -> str:
        return self.prefix.replace(".", "-").lower()


def check(family: Family) -> None:
    if not _FAMILY.fullmatch(family.name):
        raise ValueError(f"family {family.name!r}: lower case letters, digits and _ (crm_timeline_comment)")
    if not _PREFIX.fullmatch(family.prefix):
        raise ValueError(f"prefix {family.prefix!r}: dotted method names (crm.timeline.comment)")


def files(family: Family) -> dict[str, str]:
    """Each new file's path, under the checkout, and its text."""
    values = {"family": family.name, "prefix": family.prefix, "doc": family.doc.rstrip("/") + "/"}
    values |= {"scope": family.scope, "page": family.page}
    return {
        f"b24crm/methods/{family.name}/__init__.py": _INIT.format(**values),
        f"b24crm/methods/{family.name}/handlers.py": _HANDLERS.format(**values),
        f"b24crm/crm/{family.name}.py": _DOMAIN.format(**values),
        f"tests/test_{family.name}.py": _TEST.format(**values),
    }


def write(root: Path, family: Family) -> list[Path]:
    """Write the family's files under ``root``; refuses to overwrite any file."""
    check(family)
    planned = {root / relative: text for relative, text in files(family).items()}
    existing = [path for path in planned if path.exists()]
    if existing:
        raise FileExistsError(f"already there: {', '.join(str(p) for p in existing)}")
    for path, text in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(planned)
