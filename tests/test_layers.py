"""The package's layering, read from its source with `ast`: no import circle between modules, no module that
imports a higher layer, and no import between two packages of the same layer (ingest/ and search/ both stand
on store/, neither on the other). Imports under `if TYPE_CHECKING:` run nowhere and are not counted; imports
inside functions are."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"

LAYERS: list[set[str]] = [
    {"errors", "text", "commands", "log_setup"},
    {"config", "types"},
    {"disk", "samples", "embedding", "history", "response"},
    {"store"},  # manifest, vectors, keyword and heading indexes: below everything that reads or writes them
    {"ingest", "search"},
    {"library"},  # a store's life cycle: opening, ingest, check, remove
    {"answering"},
    {"assistant"},  # the façade (assistant/assistant.py)
    {"lc_retriever", "terminal"},
    {"cli", "web", "eval", "__init__"},  # the interfaces; __init__ = the package's public names
    {"__main__"},
]
"""Lowest first. A module imports from its own part or from lower layers only."""

ALLOWED: dict[tuple[str, str], str] = {
    ("assistant.assistant", "assistant.lc_retriever"): "as_retriever: the LangChain adapter is imported when asked "
    "for (langchain is optional); the adapter is built on the façade",
}
"""Imports the rules would refuse, each with why it is kept."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `path` imports (a `from .x import name` of a submodule names the submodule)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target in modules:
                found.add(target)
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    found.add(f"{target}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    graph = {_module_name(p): _imports(p, modules) for p in paths}
    return {m: {d for d in deps if (m, d) not in ALLOWED} for m, deps in graph.items()}


def _part(module: str) -> str:
    """The top-level part of the package a module belongs to ("assistant.store.manifest" -> "store")."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(module: str) -> int:
    part = _part(module)
    for i, layer in enumerate(LAYERS):
        if part in layer:
            return i
    raise AssertionError(f"{module}: its part {part!r} is in no layer of tests/test_layers.py LAYERS")


def test_every_module_is_in_a_layer():
    for module in _graph():
        _layer(module)


def test_no_import_from_a_higher_layer_or_a_sibling_package():
    wrong = []
    for module, deps in sorted(_graph().items()):
        for dep in sorted(deps):
            if _part(dep) == _part(module):
                continue
            if _layer(dep) > _layer(module):
                wrong.append(f"{module} imports {dep}, a higher layer")
            elif _layer(dep) == _layer(module):
                wrong.append(f"{module} imports {dep}, a package beside it")
    assert not wrong, "\n".join(wrong)


def test_the_interfaces_render_the_answer_and_recompute_nothing():
    """The web app, the MCP tools and the LangChain retriever take what they show from `Assistant`, `Answer` and
    `Response`: none imports the search or answering modules (the notice, the question as searched, why it was
    refused are fields of the Answer)."""
    wrong = [
        f"{module} imports {dep}"
        for module, deps in sorted(_graph().items())
        if _part(module) in ("web", "lc_retriever")
        for dep in sorted(deps)
        if _part(dep) in ("search", "answering")
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_circle():
    graph = _graph()
    done: set[str] = set()
    path: list[str] = []

    def walk(module: str) -> None:
        if module in path:
            circle = path[path.index(module) :] + [module]
            pytest.fail("import circle: " + " -> ".join(circle))
        if module in done:
            return
        path.append(module)
        for dep in sorted(graph.get(module, ())):
            walk(dep)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        walk(module)


def test_the_reader_finds_relative_imports():
    """The reader finds relative imports of a submodule (so a passing test means something)."""
    f = PACKAGE / "store" / "manifest.py"
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    assert "assistant.types" in _imports(f, modules)
    assert "assistant.store.manifest" in _imports(PACKAGE / "store" / "headings.py", modules)
