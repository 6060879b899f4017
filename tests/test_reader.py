"""The trained reader: assembly checked against recorded outputs, int8 against fp32, windows,
the delta format, refusal on a wrong paragraph, and a short training run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from roundup_qa.reader.assemble import DELTA
from roundup_qa.reader.delta import apply_delta, make_delta
from roundup_qa.reader.model import Reader
from roundup_qa.reader.windows import ReaderTokenizer, WindowSpec

from .conftest import CORPUS

RECORDED = Path(__file__).parent / "fixtures" / "reader-recorded.json"


@pytest.fixture(scope="module")
def fp32() -> Reader:
    return Reader(precision="fp32").load()


@pytest.fixture(scope="module")
def int8() -> Reader:
    return Reader(precision="int8").load()


def _item(number: int) -> str:
    from roundup_qa.corpus.parse import load_corpus

    items = [it for r in load_corpus(CORPUS).roundups for it in r.items]
    return items[number - 1].text


@pytest.mark.slow
def test_assembled_reader_reproduces_the_recorded_outputs(fp32):
    """packaged model + delta, exported to ONNX, gives the logits the trained torch model gave"""
    rec = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert rec["delta_sha256"] == hashlib.sha256(DELTA.read_bytes()).hexdigest(), (
        "the shipped delta changed: re-record with `python -m roundup_qa.reader.record`"
    )
    for case in rec["cases"]:
        windows = fp32.tokenizer.windows(case["question"], case["passage"], fp32.spec)
        start, end = fp32.logits(windows)
        n = len(case["start"])
        np.testing.assert_allclose(start[0, :n], case["start"], atol=2e-3)
        np.testing.assert_allclose(end[0, :n], case["end"], atol=2e-3)
        reading = fp32.read(case["question"], case["passage"])
        assert case["passage"][reading.start : reading.end] == case["span"]


@pytest.mark.slow
def test_int8_reader_stays_close_to_fp32(fp32, int8):
    """int8 weights shift the logits a little (its effect on F1 is measured in the eval report):
    strongly correlated logits, and the same span for the recorded Chinese questions."""
    rec = json.loads(RECORDED.read_text(encoding="utf-8"))
    for case in rec["cases"]:
        windows = fp32.tokenizer.windows(case["question"], case["passage"], fp32.spec)
        (s32, e32), (s8, e8) = fp32.logits(windows), int8.logits(windows)
        passage = np.array([a >= 0 for a, _ in windows[0].offsets])
        # measured: 0.99 / 0.95 on the Chinese cases, 0.80 on the English one
        floor = 0.7 if case["question"].isascii() else 0.9
        assert np.corrcoef(s32[0][passage], s8[0][passage])[0, 1] > floor, case["question"]
        assert np.corrcoef(e32[0][passage], e8[0][passage])[0, 1] > floor, case["question"]
        if not case["question"].isascii():
            a, b = fp32.read(case["question"], case["passage"]), int8.read(case["question"], case["passage"])
            assert (a.start, a.end) == (b.start, b.end), case["question"]


@pytest.mark.slow
def test_reader_answers_from_the_right_item_and_prefers_no_answer_in_a_wrong_one(int8):
    question = "华盛橡胶的品牌价值是多少?"
    right = int8.read(question, _item(31))
    assert "10.08亿元" in _item(31)[right.start : right.end]
    assert right.margin > 0  # the reader itself would answer
    for other in (8, 36):  # the dragon-boat festival; the old-housing renovation (other amounts)
        assert int8.read(question, _item(other)).margin < 0, other


@pytest.mark.slow
def test_the_readers_next_spans_are_distinct_substrings_ranked_below_its_best(fp32):
    passage = _item(31)
    reading = fp32.read("华盛橡胶的品牌价值是多少?", passage)
    spans = [(reading.start, reading.end)] + [(a, b) for a, b, _ in reading.alternatives]
    assert len(reading.alternatives) >= 10 and len(set(spans)) == len(spans)
    scores = [sc for _, _, sc in reading.alternatives]
    assert scores == sorted(scores, reverse=True) and scores[0] <= reading.score
    assert all(0 <= a < b <= len(passage) for a, b in spans)


def test_a_deleted_answer_sentence_leaves_the_topic_and_not_the_answer():
    from roundup_qa.reader.train import without_answer_sentence

    context = "华盛橡胶成立于1992年。公司品牌价值达到100亿元,位居全国第三。产品远销160多个国家和地区!"
    at = context.index("100亿元")
    rest = without_answer_sentence(context, at, at + 5)
    assert rest == "华盛橡胶成立于1992年。产品远销160多个国家和地区!"
    assert without_answer_sentence("品牌价值达到100亿元。", 6, 11) is None  # nothing left to read


@pytest.mark.slow
def test_window_labels_map_character_spans_to_tokens_and_back(fp32):
    tok: ReaderTokenizer = fp32.tokenizer
    passage = _item(3) * 3  # long enough for several windows
    spec = WindowSpec(max_tokens=96, max_question_tokens=16, overlap=24)
    windows = tok.windows("意向交易额多少?", passage, spec)
    assert len(windows) > 3 and all(len(w.ids) <= 96 for w in windows)
    target = "2950万美元"
    start = passage.index(target)
    found = [w.label(start, start + len(target)) for w in windows]
    hits = [(w, lab) for w, lab in zip(windows, found, strict=True) if lab != (0, 0)]
    assert hits, "some window holds the answer"
    for w, (a, b) in hits:
        assert passage[w.offsets[a][0] : w.offsets[b][1]] == target
    # a window that does not hold the answer is labelled "no answer"
    assert any(lab == (0, 0) for lab in found)


def test_delta_rebuilds_the_trained_weights_closely():
    rng = np.random.default_rng(0)
    base = {"layers.5.q.weight": rng.normal(size=(8, 16)).astype(np.float32),
            "layers.5.q.bias": rng.normal(size=8).astype(np.float32),
            "layers.1.q.weight": rng.normal(size=(8, 16)).astype(np.float32)}  # fmt: skip
    trained = {k: v + rng.normal(scale=0.01, size=v.shape).astype(np.float32) for k, v in base.items()}
    trained["head.weight"] = rng.normal(size=(2, 16)).astype(np.float32)
    delta = make_delta(trained, base, frozen=4)
    assert "layers.1.q.weight.q8" not in delta and "layers.1.q.weight" not in delta  # frozen: not stored
    assert delta["layers.5.q.weight.q8"].dtype == np.int8
    rebuilt = apply_delta(base, delta)
    assert np.abs(rebuilt["layers.5.q.weight"] - trained["layers.5.q.weight"]).max() < 0.01 / 127 * 5
    np.testing.assert_array_equal(rebuilt["layers.5.q.bias"], trained["layers.5.q.bias"])
    np.testing.assert_array_equal(rebuilt["layers.1.q.weight"], base["layers.1.q.weight"])
    np.testing.assert_array_equal(rebuilt["head.weight"], trained["head.weight"])


def _tiny_mrc(folder: Path) -> None:
    """A made-up SQuAD-style file (no public data copied)."""
    paras = []
    for k in range(6):
        context = f"第{k}届湿地节于5月{k + 1}日在河口区举行,共有{k + 3}0家企业参加,签约金额{k + 2}亿元。"
        qas = [
            {"id": f"{k}a", "question": f"第{k}届湿地节哪天举行?",
             "answers": [{"text": f"5月{k + 1}日", "answer_start": context.index(f"5月{k + 1}日")}]},
            {"id": f"{k}b", "question": f"第{k}届湿地节签约金额多少?",
             "answers": [{"text": f"{k + 2}亿元", "answer_start": context.index(f"{k + 2}亿元")}]},
        ]  # fmt: skip
        paras.append({"id": f"a{k}", "title": f"湿地节{k}", "paragraphs": [{"context": context, "qas": qas}]})
    (folder / "tiny.json").write_text(json.dumps({"data": paras}, ensure_ascii=False), encoding="utf-8")


@pytest.mark.slow
def test_training_runs_checkpoints_resumes_and_writes_a_loadable_delta(tmp_path):
    from roundup_qa.reader.delta import load_delta
    from roundup_qa.reader.train import TrainConfig, train

    _tiny_mrc(tmp_path)
    cfg = TrainConfig(mrc_dir=str(tmp_path), files=("tiny.json",), out=str(tmp_path / "run"), batch_size=4,
                      max_steps=2, checkpoint_minutes=0.0, codeswitch=0.0, deleted=0.5)  # fmt: skip
    first = train(cfg, progress=False)
    delta, meta = load_delta(first)
    assert meta["steps"] == 2 and meta["frozen_layers"] == 4
    assert any(k.endswith(".q8") for k in delta) and "head.weight" in delta
    state = __import__("torch").load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert state["step"] == 2
    again = train(TrainConfig(**{**cfg.__dict__, "max_steps": 3}), resume=True, progress=False)
    assert load_delta(again)[1]["steps"] == 3
    history = json.loads((tmp_path / "run" / "history.json").read_text())["history"]
    assert [h["step"] for h in history][-1] == 3
