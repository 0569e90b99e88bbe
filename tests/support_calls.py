"""Which REST methods a test module really calls, read from its syntax tree (comments, docstrings and names
that never reach a call do not count).

A method counts as called when its name is
- the method argument of a client helper: ``.result("name"``, ``.call(``, ``.raw(``, ``.error(``, or of a
  module function that passes its own parameter on to one of those;
- the last segment of a REST URL path: ``"/rest/.../name"``, ``f"{portal.base}/name"`` (``.json``/``.xml``
  and the query string aside);
- a batch command: a string ``"name?..."``, or a value of the ``cmd`` of a ``batch`` call.

A method argument that is a variable counts with the values the variable can take in the same function: an
assignment, a ``for`` over a literal (or a name bound to one), a comprehension, or ``pytest.mark.parametrize``
values. What cannot be resolved is not counted.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TypeVar

HELPERS = frozenset({"result", "call", "raw", "error"})
UNKNOWN = "\0"  # stands for a part of a string that cannot be resolved statically
BASE = f"/rest/{UNKNOWN}/{UNKNOWN}"  # a webhook base URL (``portal.base``)
NAME = re.compile(r"[a-zA-Z][\w.]*")
T = TypeVar("T")
MAX_VALUES = 500  # f-strings over several variables: stop expanding beyond this many values


class _Element:
    """An element of what iterating over ``source`` yields, at ``path`` within a tuple (resolved lazily)."""

    def __init__(self, source: ast.AST, path: tuple[int, ...] = (), arity: tuple[int, ...] = ()) -> None:
        self.source, self.path, self.arity = source, path, arity


Value = ast.AST | str | _Element


class _Scope:
    """The values names can take in one function (or at module level), as expressions."""

    def __init__(self, nodes: list[ast.AST], outer: _Scope | None = None) -> None:
        self.bindings: dict[str, list[Value]] = defaultdict(list)
        self._resolving: set[int] = set()
        if outer is not None:
            for name, values in outer.bindings.items():
                self.bindings[name].extend(values)
        for node in nodes:
            for sub in ast.walk(node):
                self._bind(sub)

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.bindings[target.id].append(node.value)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            if isinstance(node.target, ast.Name):
                self.bindings[node.target.id].append(node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            self._bind_target(node.target, node.iter, (), ())
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                self._bind_parametrize(decorator)

    def _bind_target(
        self, target: ast.AST, source: ast.AST, path: tuple[int, ...], arity: tuple[int, ...]
    ) -> None:
        if isinstance(target, ast.Name):
            self.bindings[target.id].append(_Element(source, path, arity))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for index, element in enumerate(target.elts):
                self._bind_target(element, source, (*path, index), (*arity, len(target.elts)))

    def _bind_parametrize(self, decorator: ast.AST) -> None:
        if not (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "parametrize"
            and len(decorator.args) >= 2
        ):
            return
        names_node, values_node = decorator.args[0], decorator.args[1]
        if isinstance(names_node, ast.Constant) and isinstance(names_node.value, str):
            names = [n.strip() for n in names_node.value.split(",")]
        elif isinstance(names_node, (ast.Tuple, ast.List)):
            names = [
                e.value for e in names_node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
        else:
            return
        if len(names) == 1:
            self.bindings[names[0]].append(_Element(values_node))
        else:
            for index, name in enumerate(names):
                self.bindings[name].append(_Element(values_node, (index,), (len(names),)))

    def _follow(self, element: _Element) -> list[Value]:
        """The values an ``_Element`` stands for."""
        values: list[Value] = []
        for item in self.elements(element.source):
            for index, arity in zip(element.path, element.arity, strict=True):
                if isinstance(item, ast.Call) and getattr(item.func, "attr", "") == "param":
                    item = ast.Tuple(elts=item.args)  # pytest.param(...)
                if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == arity:
                    item = item.elts[index]
                else:
                    item = UNKNOWN
                    break
            values.append(item)
        return values

    def _through(self, node: ast.Name | _Element, each: Callable[[Value], Iterable[T]]) -> list[T]:
        """``each`` over what a name or an element can be bound to; a cycle yields nothing more."""
        key = id(node)
        if key in self._resolving:
            return []
        self._resolving.add(key)
        try:
            if isinstance(node, _Element):
                values = self._follow(node)
            else:
                values = list(self.bindings.get(node.id, [UNKNOWN]))
            return [out for value in values for out in each(value)]
        finally:
            self._resolving.discard(key)

    def elements(self, node: Value) -> list[Value]:
        """What iterating over ``node`` yields."""
        if isinstance(node, str):
            return [UNKNOWN]
        if isinstance(node, _Element):
            return self._through(node, self.elements)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return list(node.elts)
        if isinstance(node, ast.Dict):
            return [k for k in node.keys if k is not None]
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return [node.elt]
        if isinstance(node, ast.Name):
            return self._through(node, self.elements)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            dicts = self.dicts(node.func.value)
            if node.func.attr == "items" and dicts:
                return [
                    ast.Tuple(elts=[k, v]) for d in dicts for k, v in zip(d.keys, d.values, strict=True) if k
                ]
            if node.func.attr == "keys" and dicts:
                return [k for d in dicts for k in d.keys if k is not None]
            if node.func.attr == "values" and dicts:
                return [v for d in dicts for v in d.values]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"sorted", "list"}
        ):
            return self.elements(node.args[0]) if node.args else []
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            return self.elements(node.value)  # a slice of a literal yields some of its elements
        return [UNKNOWN]

    def dicts(self, node: Value) -> list[ast.Dict]:
        """The dict literals ``node`` can be."""
        if isinstance(node, ast.Dict):
            return [node]
        if isinstance(node, (ast.Name, _Element)):
            return self._through(node, self.dicts)
        return []

    def strings(self, node: Value) -> set[str]:
        """The string values ``node`` can take; unresolved parts are ``UNKNOWN``."""
        if isinstance(node, str):
            return {node}
        if isinstance(node, (ast.Name, _Element)):
            return set(self._through(node, self.strings)) or {UNKNOWN}
        if isinstance(node, ast.Constant):
            return {node.value} if isinstance(node.value, str) else {UNKNOWN}
        if isinstance(node, ast.JoinedStr):
            parts: list[set[str]] = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    inner = value.value
                    is_base = (isinstance(inner, ast.Attribute) and inner.attr == "base") or (
                        isinstance(inner, ast.Name) and inner.id == "base"
                    )
                    parts.append({BASE} if is_base else self.strings(inner))
                else:
                    parts.append(self.strings(value))
            if any(len(p) > MAX_VALUES for p in parts):
                return {UNKNOWN}
            return {"".join(combo) for combo in itertools.islice(itertools.product(*parts), MAX_VALUES)}
        if isinstance(node, ast.IfExp):
            return self.strings(node.body) | self.strings(node.orelse)
        return {UNKNOWN}


def _helper_method_arg(call: ast.Call) -> ast.AST | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "method"), None)


def _forwarders(tree: ast.Module) -> dict[str, tuple[int, str]]:
    """Module functions that pass one of their parameters on as the method of a helper call: name ->
    (position, parameter name)."""
    found: dict[str, tuple[int, str]] = {}
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = [a.arg for a in node.args.args]
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in HELPERS:
                arg = _helper_method_arg(sub)
                if isinstance(arg, ast.Name) and arg.id in params:
                    found[node.name] = (params.index(arg.id), arg.id)
    return found


def _docstrings(tree: ast.Module) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            ids.add(id(node.value))
    return ids


def _method(text: str) -> str | None:
    return text if UNKNOWN not in text and NAME.fullmatch(text) else None


def _from_url(text: str) -> str | None:
    if "/rest/" not in text:
        return None
    path = text.split("/rest/", 1)[1].split("?", 1)[0]
    last = path.rsplit("/", 1)[-1]
    for suffix in (".json", ".xml"):
        last = last.removesuffix(suffix)
    return _method(last)


def called_methods(source: str) -> set[str]:
    """The method names a test module calls (see the module docstring)."""
    tree = ast.parse(source)
    module_scope = _Scope([n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.ClassDef))])
    forwarders = _forwarders(tree)
    skipped = _docstrings(tree)
    called: set[str] = set()

    def scan(nodes: list[ast.AST], scope: _Scope) -> None:
        for node in nodes:
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Constant, ast.JoinedStr)) and id(sub) not in skipped:
                    for text in scope.strings(sub):
                        head = text.split("?", 1)[0]
                        if "?" in text and (name := _method(head)):
                            called.add(name)  # a batch command with its query
                        if name := _from_url(text):
                            called.add(name)
                if not isinstance(sub, ast.Call):
                    continue
                arg: ast.AST | None = None
                if isinstance(sub.func, ast.Attribute) and sub.func.attr in HELPERS:
                    arg = _helper_method_arg(sub)
                elif isinstance(sub.func, ast.Name) and sub.func.id in forwarders:
                    position, keyword = forwarders[sub.func.id]
                    if len(sub.args) > position:
                        arg = sub.args[position]
                    else:
                        arg = next((k.value for k in sub.keywords if k.arg == keyword), None)
                if arg is None:
                    continue
                methods = {m for s in scope.strings(arg) if (m := _method(s))}
                called.update(methods)
                if "batch" in methods and len(sub.args) > 1:
                    called.update(_batch_commands(sub.args[1], scope))

    scan([n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.ClassDef))], module_scope)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                scan([member], _Scope([member], module_scope))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scan([node], _Scope([node], module_scope))
    return called


def _batch_commands(params: ast.AST, scope: _Scope) -> set[str]:
    """The methods of the ``cmd`` of a batch call's params (a dict or list of ``"name?query"`` strings)."""
    found: set[str] = set()
    dicts = [params] if isinstance(params, ast.Dict) else scope.dicts(params)
    for d in dicts:
        for key, value in zip(d.keys, d.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "cmd":
                commands: list[Value]
                if isinstance(value, ast.DictComp):
                    commands = [value.value]
                elif as_dicts := scope.dicts(value):
                    commands = [v for c in as_dicts for v in c.values]
                else:
                    commands = scope.elements(value)
                for command in commands:
                    found |= {m for s in scope.strings(command) if (m := _method(s.split("?", 1)[0]))}
    return found
