"""The dependency rule: every import of ``b24crm`` points down the layers (DEVELOPERS.md, "Layers").

Every module of the package is parsed with ``ast``; nothing is imported. An import counts wherever it is
written: at module level, inside a function (deferred) and under ``if TYPE_CHECKING:`` (type-only). A
type-only import is still a dependency: the module is written against the other one's names, and the
cycles to break (runtime <-> apps.oauth <-> apps.service <-> rpc.dispatch <-> rpc.context) run through
exactly such imports.

ALLOWED_UPWARD and LONG_MODULES are ratchets: they list what is wrong today, each entry with its reason.
A new violation fails, and so does an entry that no longer occurs: delete it, the lists only shrink.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "b24crm"

# From the top. A module belongs to the layer of its longest matching prefix (names without "b24crm.").
# Same-layer imports are allowed; an import from a layer to one above it is a violation. rpc is split:
# the engine that runs handlers sits above methods, the vocabulary every handler declares itself with sits
# below them; the domain and store may import neither.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "entry",
        (
            "app",
            "runtime",
            "cli",
            "__main__",
            "background",
            "http",
            "admin",
            "seed",
            "devtools",
            "scaffold",
            "web",
            "testkit",
            "pytest_plugin",
        ),
    ),
    ("rpc", ("rpc", "rpc.dispatch", "rpc.operating", "rpc.coverage")),
    ("methods", ("methods",)),
    # What a handler is written with: @method and its params, the CallContext, pages, PHP values.
    (
        "rpc contract",
        ("rpc.registry", "rpc.d7", "rpc.context", "rpc.timeblock", "rpc.offload"),
    ),
    ("domain", ("crm", "apps", "events", "auth")),
    ("store", ("store",)),
]
# Leaf modules: any layer may import them; they import only each other.
LEAVES = {"", "errors", "settings", "clock", "results", "secret_files"}
LEAF_PACKAGES = ("php",)  # every module of these is a leaf

MAX_LINES = 400

# "importer -> imported": why it is here today. The refactoring's to-do list.
ALLOWED_UPWARD: dict[str, str] = {}

# Modules over MAX_LINES today: why.
LONG_MODULES: dict[str, str] = {
    "store.tables": "declarative: one Table per table, the schema in one place",
}


@dataclass(frozen=True)
class Import:
    importer: str  # "crm.items"
    imported: str  # "rpc.context"
    kind: str  # "module", "deferred" (inside a function) or "type-only" (under TYPE_CHECKING)
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str, source: str, is_package: bool, known: set[str]) -> list[Import]:
    """The ``b24crm`` modules ``module`` imports; ``from b24crm.x import y`` is ``x.y`` when that is a
    module, else ``x``. ``known`` is the set of module names (without "b24crm.")."""
    found: list[Import] = []
    package = module if is_package else module.rpartition(".")[0]

    def target(dotted: str, line: int, kind: str) -> None:
        if dotted == "b24crm" or dotted.startswith("b24crm."):
            found.append(Import(module, dotted.removeprefix("b24crm").removeprefix("."), kind, line))

    def visit(node: ast.AST, kind: str) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                target(alias.name, node.lineno, kind)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = ["b24crm", *package.split(".")] if package else ["b24crm"]
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            short = origin.removeprefix("b24crm").removeprefix(".")
            for alias in node.names:
                sub = f"{short}.{alias.name}" if short else alias.name
                target(f"b24crm.{sub}" if sub in known else origin, node.lineno, kind)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                visit(statement, "type-only")
            for statement in node.orelse:
                visit(statement, kind)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for child in ast.iter_child_nodes(node):
                visit(child, "type-only" if kind == "type-only" else "deferred")
        else:
            for child in ast.iter_child_nodes(node):
                visit(child, kind)

    visit(ast.parse(source), "module")
    return found


def layer_of(module: str) -> int | None:
    """The layer's index from the top, None for a leaf; KeyError for a module no layer claims."""
    if module in LEAVES or module.split(".", 1)[0] in LEAF_PACKAGES:
        return None
    best: tuple[int, int] | None = None  # (prefix length, layer index)
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[0]
            ):
                best = (len(prefix), index)
    if best is None:
        raise KeyError(module)
    return best[1]


def is_upward(imp: Import) -> bool:
    below, above = layer_of(imp.importer), layer_of(imp.imported)
    if below is None:  # a leaf imports leaves only
        return above is not None
    return above is not None and above < below


def scan() -> list[Import]:
    modules = all_modules()
    known = set(modules)
    found: list[Import] = []
    for name, path in modules.items():
        found += imports_of(name, path.read_text(), path.name == "__init__.py", known)
    return found


def _describe(imp: Import) -> str:
    names: dict[int | None, str] = {None: "leaf", **{i: n for i, (n, _) in enumerate(LAYERS)}}
    return (
        f"{imp.importer} -> {imp.imported}  ({imp.kind}, line {imp.line}; "
        f"{names[layer_of(imp.importer)]} -> {names[layer_of(imp.imported)]})"
    )


def test_every_module_has_a_layer() -> None:
    unclaimed = []
    for name in all_modules():
        try:
            layer_of(name)
        except KeyError:
            unclaimed.append(name)
    assert unclaimed == [], (
        f"modules no layer claims (add them to LAYERS in tests/test_layers.py): {unclaimed}"
    )


def test_imports_point_downwards() -> None:
    upward = [imp for imp in scan() if is_upward(imp)]
    pairs = {f"{imp.importer} -> {imp.imported}" for imp in upward}
    new = sorted(
        {_describe(imp) for imp in upward if f"{imp.importer} -> {imp.imported}" not in ALLOWED_UPWARD}
    )
    gone = sorted(set(ALLOWED_UPWARD) - pairs)
    message = []
    if new:
        message.append("imports from a lower layer to a higher one:\n  " + "\n  ".join(new))
    if gone:
        message.append(
            "allowed violations that no longer occur (delete them from ALLOWED_UPWARD):\n  "
            + "\n  ".join(gone)
        )
    assert not message, "\n".join(message)


def test_modules_stay_short() -> None:
    lengths = {name: len(path.read_text().splitlines()) for name, path in all_modules().items()}
    long = {name for name, count in lengths.items() if count > MAX_LINES}
    new = sorted(f"{name}: {lengths[name]} lines" for name in long - set(LONG_MODULES))
    gone = sorted(f"{name}: {lengths.get(name, 'no such module')}" for name in set(LONG_MODULES) - long)
    message = []
    if new:
        message.append(f"modules over {MAX_LINES} lines (split them):\n  " + "\n  ".join(new))
    if gone:
        message.append(
            "listed long modules now short or gone (delete them from LONG_MODULES):\n  " + "\n  ".join(gone)
        )
    assert not message, "\n".join(message)


def test_the_scan_sees_every_kind_of_import() -> None:
    known = {
        "errors",
        "store",
        "store.memo",
        "rpc",
        "rpc.context",
        "rpc.params",
        "runtime",
        "crm",
        "crm.items",
    }
    source = "\n".join(
        [
            "from typing import TYPE_CHECKING",
            "import b24crm.rpc.params",
            "from b24crm.rpc import context",
            "from . import memo",
            "from ..crm.items import thing",
            "if TYPE_CHECKING:",
            "    from b24crm.runtime import Runtime",
            "def later():",
            "    from b24crm import errors",
        ]
    )
    found = imports_of("store.sql", source, False, known)
    assert [(imp.imported, imp.kind) for imp in found] == [
        ("rpc.params", "module"),
        ("rpc.context", "module"),
        ("store.memo", "module"),
        ("crm.items", "module"),
        ("runtime", "type-only"),
        ("errors", "deferred"),
    ]
    assert [imp.imported for imp in found if is_upward(imp)] == [
        "rpc.params",
        "rpc.context",
        "crm.items",
        "runtime",
    ]
    assert not is_upward(Import("methods.crm_item.handlers", "rpc.registry", "module", 1))
    assert is_upward(Import("rpc.registry", "rpc.dispatch", "module", 1))
    assert is_upward(Import("errors", "store.engine", "module", 1))
