"""The Milvus backend: the same answers as the plain files, incremental sync, the district
filter, a reader following a rebuild's alias switch, and clear errors.

Runs on embedded milvus-lite (a .db under the test's temporary folder); with MILVUS_URI set
(http://host:19530) the same tests run against that server, each in a collection of its own.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path

import pytest

from roundup_qa import Config, IndexNotReady, RoundupQA
from roundup_qa.milvus import MilvusIndex, row_id

from .conftest import ROOT

pytest.importorskip("pymilvus")


@pytest.fixture
def milvus(tmp_path: Path):
    """(uri, name): a fresh index name at MILVUS_URI, or in a milvus-lite file."""
    uri = os.environ.get("MILVUS_URI") or str(tmp_path / "milvus.db")
    name = f"t{uuid.uuid4().hex[:10]}"
    yield uri, name
    store = MilvusIndex(uri, name)
    for collection in store.client.list_collections():
        if collection.startswith(f"{name}_"):
            for alias in store.client.list_aliases(collection)["aliases"]:
                store.client.drop_alias(alias)
            store.client.drop_collection(collection)


def _config(uri: str, name: str) -> Config:
    return Config().with_overrides(backend="milvus", milvus_uri=uri, milvus_collection=name)


def _same(a, b) -> bool:
    return (
        [(p.source, p.item) for p in a.passages] == [(p.source, p.item) for p in b.passages]
        and a.answer == b.answer
        and (a.citation.to_dict() if a.citation else None) == (b.citation.to_dict() if b.citation else None)
    )


def test_every_eval_question_gets_the_same_passages_and_answer_as_the_files(real_qa, embedder, milvus):
    uri, name = milvus
    report = MilvusIndex(uri, name).sync(real_qa.index)
    assert (report.upserted, report.rebuilt) == (52, "no index yet")
    served = RoundupQA.load(config=_config(uri, name), embedder=embedder)
    assert served.backend.version.startswith(real_qa.backend.version)  # which build it answers from
    questions = [
        json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open(encoding="utf-8")
    ]
    differ = [q for q in questions if not _same(real_qa.ask(q), served.ask(q))]
    assert differ == []
    for district in ("广饶县", "Hekou District"):  # the district filter: a scalar field in Milvus
        for q in questions[:12]:
            a, b = real_qa.ask(q, district=district), served.ask(q, district=district)
            assert _same(a, b), (q, district)
            assert {p.district for p in b.passages} <= {"广饶县", "河口区"}


def test_sync_upserts_one_edited_item_and_deletes_a_removed_one(mini_corpus, tmp_path, embedder, milvus):
    uri, name = milvus
    files = tmp_path / "index"
    store = MilvusIndex(uri, name)
    store.sync(RoundupQA.build(mini_corpus, files, embedder=embedder, progress=False).index)
    path = mini_corpus / "mini-roundup.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("共有3200名市民参加", "共有3300名市民参加"), encoding="utf-8")
    edited = RoundupQA.build(mini_corpus, files, embedder=embedder, progress=False)
    report = store.sync(edited.index)
    assert (report.upserted, report.deleted, report.rebuilt, report.sparse_rewritten) == (1, 0, "", False)
    served = RoundupQA.load(config=_config(uri, name), embedder=embedder)
    assert served.ask("东营区读书节有多少名市民参加?").answer == "3300名"

    lines = path.read_text(encoding="utf-8").splitlines()
    last = next(i for i in range(len(lines) - 1, -1, -1) if lines[i].startswith("●"))
    path.write_text(
        "\n".join(lines[:last] + lines[last + 2 :]) + "\n", encoding="utf-8"
    )  # the last item goes
    shorter = RoundupQA.build(mini_corpus, files, embedder=embedder, progress=False)
    report = store.sync(shorter.index)
    assert report.deleted == 1 and report.clauses_deleted >= 1
    gone = row_id("mini-roundup.txt#8")
    names = store.meta()["collections"]
    assert store.client.query(names["items"], filter=f"id == {gone}", output_fields=["id"]) == []
    assert store.client.query(names["clauses"], filter=f"item == {gone}", output_fields=["id"]) == []
    served = RoundupQA.load(config=_config(uri, name), embedder=embedder)
    assert len(served.index.items) == 7
    assert served.ask("农业科技示范园面积多少亩?").answer is None  # the roundup no longer says


def test_a_reader_follows_a_rebuild_without_restarting(mini_corpus, tmp_path, embedder, milvus):
    uri, name = milvus
    files = tmp_path / "index"
    store = MilvusIndex(uri, name)
    store.sync(RoundupQA.build(mini_corpus, files, embedder=embedder, progress=False).index)
    reader = RoundupQA.load(config=_config(uri, name), embedder=embedder)
    reader.backend.check_every = 0.0
    before = reader.backend.version
    question = "东营区读书节有多少名市民参加?"
    assert reader.ask(question).answer == "3200名"

    answers, errors, stop = [], [], threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                answers.append(reader.ask(question).answer)
            except Exception as err:  # noqa: BLE001 - any failure is the test's finding
                errors.append(err)

    asking = threading.Thread(target=keep_asking)
    asking.start()
    try:
        path = mini_corpus / "mini-roundup.txt"
        path.write_text(path.read_text(encoding="utf-8").replace("3200名", "3300名"), encoding="utf-8")
        rebuilt = RoundupQA.build(mini_corpus, files, embedder=embedder, progress=False)
        report = store.sync(rebuilt.index, k1=1.2)  # other BM25 parameters: a new version, then the switch
        assert report.rebuilt == "BM25 parameters changed"
        deadline = time.monotonic() + 30
        while reader.backend.version == before and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        stop.set()
        asking.join(timeout=60)
    assert errors == []
    assert reader.backend.version == report.version != before
    assert set(answers) <= {"3200名", "3300名"} and answers[-1] == "3300名"
    assert reader.ask(question).answer == "3300名"


def test_unreachable_milvus_and_another_model_are_clear_errors(real_qa, milvus):
    with pytest.raises(IndexNotReady, match="cannot reach Milvus at http://127.0.0.1:1"):
        MilvusIndex("http://127.0.0.1:1")
    uri, name = milvus
    with pytest.raises(IndexNotReady, match="no Milvus index"):
        MilvusIndex(uri, name).open()
    MilvusIndex(uri, name).sync(real_qa.index)
    with pytest.raises(IndexNotReady, match="was built with model .* this config uses 'another-model'"):
        MilvusIndex(uri, name).open(model="another-model")


def test_a_milvus_file_inside_the_index_folder_survives_rebuilds(mini_corpus, tmp_path, caplog):
    """`roundup-qa build --backend milvus --milvus-uri index/milvus.db`, twice: the files index
    is replaced atomically each time, and the .db beside its files is kept, not lost."""
    from roundup_qa.cli import main

    if os.environ.get("MILVUS_URI"):
        pytest.skip("about an embedded milvus-lite file")
    index = tmp_path / "index"
    db = index / "milvus.db"
    command = ["build", "--corpus", str(mini_corpus), "--index", str(index), "--backend", "milvus",
               "--milvus-uri", str(db), "--milvus-collection", "mini"]  # fmt: skip
    caplog.set_level(logging.INFO, logger="roundup_qa")
    assert main(command) == 0
    path = mini_corpus / "mini-roundup.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("3200名", "3300名"), encoding="utf-8")
    assert main(command) == 0
    assert "Milvus index synced: 1 items written" in caplog.text  # the second build: an incremental sync
    assert (index / "manifest.json").exists() and db.is_dir()
    reader = MilvusIndex(str(db), "mini")
    assert reader.open()[0].items[0].body.count("3300名") == 1


def test_a_milvus_build_exits_cleanly_every_time(tmp_path: Path, real_qa, real_index: Path):
    """`roundup-qa build --backend milvus` as a script runs it: exit 0 every time (milvus-lite's
    in-process server, left to the interpreter's exit, aborted 2 of 6 builds with exit 134)."""
    import shutil
    import subprocess
    import sys

    index = tmp_path / "index"
    shutil.copytree(real_index, index)  # embeddings reused: the runs time Milvus, not the model
    for run in range(3):
        db = tmp_path / f"m{run}.db"
        done = subprocess.run(
            [sys.executable, "-m", "roundup_qa.cli", "build", "--index", str(index), "--corpus", str(ROOT / "corpus"),
             "--backend", "milvus", "--milvus-uri", str(db)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, (run, done.returncode, done.stderr[-2000:])
        assert "built" in done.stdout and "terminate called" not in done.stderr
