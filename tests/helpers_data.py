"""Where the tests find their data (not a test module).

The project's own files (the shipped corpus, tests/fixtures) are always there. The shared data sets
(MedQuAD, MEDIQA, the seed article...) live beside the project in ../shared/data, or wherever
ASSISTANT_SHARED_DATA points: CI has them, a fresh clone does not. Tests whose point is a shared
data set are marked with `needs_shared(...)` and skip, with the reason, when it is absent; every
core behaviour is also covered by the small articles in tests/fixtures/articles.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.eval.data import SHARED

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_ARTICLES = FIXTURES / "articles"
"""Small articles written for the tests in the formats the shared data sets use (our own words)."""
SHARED_DATA = SHARED


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """Skip the test, saying why, when the shared data set SHARED_DATA/<parts> is not beside the project."""
    path = SHARED_DATA.joinpath(*parts)
    return pytest.mark.skipif(
        not path.exists(),
        reason=f"needs the shared data set {path} (../shared/data beside the project, or set ASSISTANT_SHARED_DATA); "
        "tests/fixtures/articles covers the same behaviour",
    )
