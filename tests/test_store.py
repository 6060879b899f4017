"""The index on disk: round trip, stale and damaged indexes, atomic writes."""

import json
from pathlib import Path

import numpy as np
import pytest

from roundup_qa import Config, IndexNotReady, RoundupQA
from roundup_qa.store import Embedded, load_index

pytestmark = pytest.mark.slow


@pytest.fixture
def built(mini_corpus: Path, tmp_path: Path, embedder):
    index = tmp_path / "index"
    qa = RoundupQA.build(mini_corpus, index, embedder=embedder, progress=False)
    return qa, mini_corpus, index


def test_manifest_records_what_the_index_depends_on(built):
    _, _, index = built
    m = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert m["model"] == {"name": Config().model, "dim": 384}
    assert m["corpus"]["items"] == 8 and len(m["corpus"]["sha256"]) == 64
    assert "domain_words" in m["tokenizer"]
    assert set(m["files"]) == {
        "items.jsonl",
        "lexical.jsonl",
        "dense.faiss",
        "clause_spans.npy",
        "clauses.npy",
        "bridge.json",
        "lexicon.json",
    }
    assert m["bridge"]["entries"] > 0
    assert "(记者 张三" in m["corpus"]["credit"]["mini-roundup.txt"]


def test_save_load_round_trip(built, embedder):
    qa, corpus, index = built
    again = RoundupQA.load(index, corpus=corpus, embedder=embedder, rebuild=False)
    assert again.index.items == qa.index.items
    assert again.index.item_tokens == qa.index.item_tokens
    assert np.allclose(again.index.dense.vectors(), qa.index.dense.vectors())
    assert again.index.clauses == qa.index.clauses
    q = "河口区樱花节吸引了多少游客?"
    assert again.ask(q).to_dict() == qa.ask(q).to_dict()
    assert qa.ask(q).citation.item == 3


def test_manifest_is_typed_and_checked(built, embedder):
    qa, corpus, index = built
    again = load_index(index)
    assert again.manifest == qa.index.manifest  # the JSON round trip keeps every field
    assert again.manifest.places.districts_en["河口区"] == "Hekou District"
    raw = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    del raw["districts_en"]
    (index / "manifest.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndexNotReady, match="districts_en.*roundup-qa build"):
        load_index(index)
    raw["districts_en"], raw["format_version"] = {}, 3
    (index / "manifest.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndexNotReady, match="index format 3, this version reads 5"):
        RoundupQA.load(index, corpus=corpus, embedder=embedder, rebuild=False)


def test_changed_corpus_is_stale(built, embedder):
    _, corpus, index = built
    path = corpus / "mini-roundup.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("2.6万人次", "3.1万人次"), encoding="utf-8")
    with pytest.raises(IndexNotReady, match="corpus .* changed.*roundup-qa build"):
        RoundupQA.load(index, corpus=corpus, embedder=embedder, rebuild=False)
    rebuilt = RoundupQA.load(index, corpus=corpus, embedder=embedder, rebuild=True, progress=False)
    assert "3.1万人次" in rebuilt.ask("河口区樱花节吸引了多少游客?").passages[0].text


def test_other_model_is_stale(built, embedder):
    _, corpus, index = built
    with pytest.raises(IndexNotReady, match="built with model"):
        RoundupQA.load(
            index, corpus=corpus, config=Config(model="some/other-model"), embedder=embedder, rebuild=False
        )


def test_damaged_or_missing_files_are_detected(built):
    _, _, index = built
    data = (index / "dense.faiss").read_bytes()
    (index / "dense.faiss").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexNotReady, match="checksum"):
        load_index(index)
    (index / "clauses.npy").unlink()
    with pytest.raises(IndexNotReady, match="missing"):
        load_index(index)


def test_damaged_index_is_rebuilt_when_allowed(built, embedder):
    _, corpus, index = built
    (index / "items.jsonl").write_text("garbage", encoding="utf-8")
    qa = RoundupQA.load(index, corpus=corpus, embedder=embedder, progress=False)
    assert len(qa.index.items) == 8
    assert load_index(index).items == qa.index.items


def test_missing_index_without_rebuild_says_what_to_run(tmp_path):
    with pytest.raises(IndexNotReady, match="roundup-qa build"):
        RoundupQA.load(tmp_path / "none", rebuild=False)


def test_failed_write_leaves_the_previous_index_intact(built, embedder, monkeypatch):
    _, corpus, index = built
    before = {p.name: p.read_bytes() for p in index.iterdir()}

    def half_written(self, path):
        Path(path).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr("roundup_qa.retrieval.dense.DenseIndex.save", half_written)
    with pytest.raises(OSError, match="disk full"):
        RoundupQA.build(corpus, index, embedder=embedder, progress=False)
    assert {p.name: p.read_bytes() for p in index.iterdir()} == before
    assert [p.name for p in index.parent.iterdir() if p.name.startswith(".")] == []


class _Counting:
    """The real embedder, counting the passages it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.passages = inner, inner.name, 0

    def encode_passages(self, texts, progress=False):
        self.passages += len(texts)
        return self.inner.encode_passages(texts, progress=progress)

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def load(self):
        return self


def test_adding_a_file_embeds_only_its_passages(built, embedder):
    _, corpus, index = built
    before = load_index(index)
    (corpus / "zz-more.txt").write_text("●新增的条目\n5月1日,新条目的正文。\n", encoding="utf-8")
    counting = _Counting(embedder)
    qa = RoundupQA.build(corpus, index, embedder=counting, progress=False)
    assert len(qa.index.items) == 9
    new_clauses = sum(c.doc == 8 for c in qa.index.clauses)
    assert counting.passages == 1 + new_clauses  # the new item and its clauses, nothing else
    assert np.allclose(qa.index.dense.vectors()[:8], before.dense.vectors())
    assert qa.index.manifest.embedded == Embedded(passages=9 + len(qa.index.clauses), new=1 + new_clauses)
    fresh = RoundupQA.build(corpus, index.parent / "fresh", embedder=embedder, progress=False)
    assert np.allclose(fresh.index.dense.vectors(), qa.index.dense.vectors(), atol=1e-5)


def test_build_streams_vectors_through_a_scratch_file_it_removes(built, embedder):
    """The vectors go to a file as they are embedded (a large corpus does not fit in memory
    twice); once saved, the index answers from its own clauses.npy, and nothing is left over."""
    qa, corpus, index = built
    assert sorted(p.name for p in index.parent.iterdir()) == ["corpus", "index"]
    assert isinstance(qa.index.clause_vectors, np.memmap)
    assert Path(qa.index.clause_vectors.filename) == (index / "clauses.npy").resolve()
    again = load_index(index)
    assert np.array_equal(np.asarray(again.clause_vectors), np.asarray(qa.index.clause_vectors))
    answer = qa.ask("东营区读书节有多少名市民参加?")
    assert answer.answer == "3200名" and answer.citation.item == 1
