"""The embedding package's layout: base.py (protocol, model paths) below the backends, embedder.py choosing
among them, no import cycle; and one batch-size default, the one in Settings."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from assistant.config import Settings
from assistant.embedding import embedder as chooser
from assistant.embedding.onnx_embedder import OnnxEmbedder
from assistant.embedding.torch_embedder import SentenceTransformerEmbedder

PACKAGE = Path(chooser.__file__).resolve().parent


def _sibling_imports(path: Path) -> set[str]:
    """Modules of the embedding package that `path` imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assistant.embedding."):
            out.add(node.module.split(".")[2])
    return out & {p.stem for p in PACKAGE.glob("*.py")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for dep in sorted(graph.get(node, ())):
            found = visit(dep, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_embedding_modules_import_each_other_without_a_cycle():
    graph = {p.stem: _sibling_imports(p) for p in PACKAGE.glob("*.py")}
    assert _cycle(graph) is None, graph
    assert graph["base"] == set()  # the shared module depends on no backend
    assert {"onnx_embedder", "torch_embedder"} <= graph["embedder"]


def test_names_other_modules_import_from_embedder_stay_there():
    for name in ("Embedder", "load_embedder", "packaged_model_path", "resolve_model"):
        assert hasattr(chooser, name), name


def test_backends_default_to_the_settings_batch_size():
    expected = Settings().embed_batch_size
    for cls in (SentenceTransformerEmbedder, OnnxEmbedder):
        assert inspect.signature(cls.__init__).parameters["batch_size"].default == expected, cls
