"""Lexical, dense and fusion units against oracles: brute force and hand-computed ranks."""

import numpy as np
import pytest

from roundup_qa.records import Hit
from roundup_qa.retrieval.dense import DenseIndex
from roundup_qa.retrieval.fusion import reciprocal_rank_fusion, weighted_score_fusion
from roundup_qa.retrieval.lexical import LexicalIndex, SparseLexicalIndex


def test_dense_search_matches_numpy_brute_force(tmp_path):
    rng = np.random.default_rng(0)
    v = rng.normal(size=(200, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    index = DenseIndex.from_vectors(v)
    for q in v[:5] + 0.1 * rng.normal(size=(5, 384)).astype(np.float32):
        expected = np.argsort(-(v @ q))[:10]
        assert [h.doc for h in index.search(q, 10)] == list(expected)
    index.save(tmp_path / "d.faiss")
    again = DenseIndex.load(tmp_path / "d.faiss")
    assert [h.doc for h in again.search(v[3], 3)] == [h.doc for h in index.search(v[3], 3)]


def test_dense_search_respects_allowed_rows():
    v = np.eye(4, dtype=np.float32)
    hits = DenseIndex.from_vectors(v).search(v[0], 2, allowed={2, 3})
    assert {h.doc for h in hits} == {2, 3}


def test_bm25_plus_keeps_a_term_found_in_half_the_items():
    # "河口区" is in exactly half the items: BM25Okapi gives it idf 0 and cannot rank by it
    docs = [["河口区", "风电"], ["河口区", "光伏"], ["垦利区", "大闸蟹"], ["广饶县", "橡胶"]]
    okapi = LexicalIndex(docs, variant="okapi")
    plus = LexicalIndex(docs, variant="plus")
    assert okapi.idf("河口区") == 0
    assert plus.idf("河口区") > 0
    hits = plus.search(["河口区"], 5)
    assert {h.doc for h in hits} == {0, 1}
    assert all(h.score > 0 for h in hits)


def test_bm25_ranks_only_items_sharing_a_term():
    index = LexicalIndex([["a", "b"], ["c"], ["b", "b", "d"]])
    assert [h.doc for h in index.search(["b"], 5)] == [2, 0]
    assert index.search(["zzz"], 5) == []
    assert [h.doc for h in index.search(["b"], 5, allowed={0})] == [0]


def _hits(*docs):
    return [Hit(doc=d, score=1.0 / r, rank=r) for r, d in enumerate(docs, 1)]


def test_rrf_matches_hand_computed_scores():
    fused = reciprocal_rank_fusion({"bm25": _hits(7, 3, 5), "dense": _hits(3, 9)}, k=60)
    # 3: 1/62 + 1/61; 7: 1/61; 9: 1/62; 5: 1/63
    assert [f.doc for f in fused] == [3, 7, 9, 5]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert fused[0].ranks == {"bm25": 2, "dense": 1}
    assert fused[2].ranks == {"bm25": None, "dense": 2}


def test_rrf_weights_shift_the_order():
    fused = reciprocal_rank_fusion(
        {"bm25": _hits(1), "dense": _hits(2)}, k=10, weights={"bm25": 1.0, "dense": 2.0}
    )
    assert [f.doc for f in fused] == [2, 1]


def test_weighted_fusion_min_max_normalises_each_retriever():
    bm25 = [Hit(0, 10.0, 1), Hit(1, 5.0, 2), Hit(2, 0.0, 3)]
    dense = [Hit(2, 0.9, 1), Hit(1, 0.8, 2), Hit(0, 0.4, 3)]
    fused = weighted_score_fusion({"bm25": bm25, "dense": dense})
    # 0: 1 + 0 ; 1: 0.5 + 0.8 ; 2: 0 + 1
    assert [f.doc for f in fused] == [1, 0, 2]
    assert fused[0].score == pytest.approx(1.3)


def test_sparse_bm25_equals_rank_bm25_plus():
    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(40)]
    docs = [list(rng.choice(vocab, size=rng.integers(1, 30))) for _ in range(120)]
    exact, sparse = LexicalIndex(docs, variant="plus"), SparseLexicalIndex(docs)
    for _ in range(50):
        query = list(rng.choice(vocab, size=3))
        weights = {t: float(rng.uniform(0.2, 1.0)) for t in query}
        for w in (None, weights):
            a, b = exact.search(query, 10, None, w), sparse.search(query, 10, None, w)
            assert [h.doc for h in a] == [h.doc for h in b]
            assert [h.score for h in a] == pytest.approx([h.score for h in b])
    assert exact.idf("w3") == pytest.approx(sparse.idf("w3"))
    assert sparse.search(["nope"], 5) == []


def test_hnsw_finds_what_exact_search_finds_on_small_data():
    rng = np.random.default_rng(2)
    v = rng.normal(size=(300, 64)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    exact, approx = DenseIndex.from_vectors(v), DenseIndex.from_vectors(v, approximate=True)
    assert approx.approximate and not exact.approximate
    for q in v[:20]:
        assert [h.doc for h in approx.search(q, 10)] == [h.doc for h in exact.search(q, 10)]


@pytest.mark.slow
def test_scale_path_gives_the_same_answers_on_the_real_corpus(real_qa):
    """Sparse BM25 + HNSW (forced with scale_from_items=0) against the exact path."""
    import json

    from roundup_qa import Config, RoundupQA, load_corpus
    from roundup_qa.build import build_index

    from .conftest import CORPUS, ROOT

    config = Config(scale_from_items=0)
    stored = build_index(load_corpus(CORPUS), CORPUS, config, real_qa.embedder, False, previous=real_qa.index)
    scale = RoundupQA(stored, config, real_qa.embedder)
    assert isinstance(scale.backend.index, SparseLexicalIndex) and scale.index.dense.approximate
    for path in ("questions.jsonl", "questions-heldout-en.jsonl"):
        for line in (ROOT / "eval" / path).read_text(encoding="utf-8").splitlines():
            q = json.loads(line)["question"]
            a, b = real_qa.ask(q), scale.ask(q)
            assert [p.item for p in a.passages] == [p.item for p in b.passages], q
            assert a.answer == b.answer, q
