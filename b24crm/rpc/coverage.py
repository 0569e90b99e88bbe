"""The implemented-methods page, generated from the registry (``b24crm methods --markdown``)."""

from __future__ import annotations

from b24crm.rpc.registry import Registry

DOCS_BASE = "https://apidocs.bitrix24.com/"


def methods_markdown(registry: Registry) -> str:
    lines = [
        "# Implemented methods",
        "",
        "Generated from the method registry by `b24crm methods --markdown`;",
        "`tests/test_docs.py` fails when it is out of date.",
        "",
        "| method | scope | what it does | vendor page |",
        "| --- | --- | --- | --- |",
    ]
    for spec in registry:
        page = f"[{spec.doc}]({DOCS_BASE}{spec.doc.removesuffix('.md')}.html)" if spec.doc else ""
        lines.append(f"| `{spec.name}` | {', '.join(spec.scopes)} | {spec.summary} | {page} |")
    return "\n".join(lines) + "\n"
