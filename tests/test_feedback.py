"""Readers' feedback: stored only on a click, none lost under concurrent clicks, exported in
the eval-set format a maintainer can review and run."""

import json
import threading

import pytest

from roundup_qa.cli import main
from roundup_qa.evaluation.evaluate import load_eval_set
from roundup_qa.feedback import FeedbackStore


def test_fifty_clients_clicking_at_once_lose_no_click(real_qa, tmp_path):
    answer = real_qa.ask("华盛橡胶的品牌价值是多少?").to_dict()
    path = tmp_path / "feedback.sqlite"
    FeedbackStore(path)
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def client(n: int) -> None:
        store = FeedbackStore(path)  # each client its own connection, as each worker has
        start.wait()
        try:
            for _ in range(4):
                store.add(answer, "up" if n % 2 else "down", "v1")
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stats = FeedbackStore(path).stats()
    assert (stats["total"], stats["up"], stats["down"]) == (200, 100, 100)


def test_export_is_an_eval_set_and_the_cli_prints_counts(real_qa, tmp_path, capsys):
    path = tmp_path / "feedback.sqlite"
    store = FeedbackStore(path)
    assert store.stats()["total"] == 0  # opening the store stores nothing
    store.add(real_qa.ask("华盛橡胶的品牌价值是多少?").to_dict(), "up", "v1")
    store.add(real_qa.ask("What is the capital of France?").to_dict(), "up", "v1")
    store.add(real_qa.ask("利津县老旧小区改造项目获批中央预算内投资多少?").to_dict(), "down", "v1")
    out = tmp_path / "review.jsonl"
    assert main(["feedback", "--db", str(path), "--export", str(out), "--stats"]) == 0
    printed = capsys.readouterr().out
    assert "wrote 3 feedback rows" in printed and json.loads(printed[printed.index("{") :])["down"] == 1
    questions = load_eval_set(out, real_qa.index.items)  # valid against the corpus
    assert [(q.item, q.answers, q.difficulty) for q in questions] == [
        (31, ["10.08亿元"], "feedback"),
        (None, [], "feedback"),  # an approved refusal
        (36, ["2135万元"], "disputed"),  # judged wrong: a maintainer corrects it
    ]


def test_bad_feedback_is_refused_clearly(tmp_path, capsys):
    with pytest.raises(ValueError, match="verdict must be one of"):
        FeedbackStore(tmp_path / "f.sqlite").add({"question": "q"}, "meh", "v1")
    assert main(["feedback", "--db", str(tmp_path / "missing.sqlite")]) == 2
    assert "no feedback database at" in capsys.readouterr().err
