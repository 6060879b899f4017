"""Run an eval set: retrieval (Recall@k, MRR), answers (EM, character F1), abstention, latency.

An eval set is JSON lines: `id`, `lang` ("zh"/"en"), `question`, `item` (gold item number, or
null when the roundup does not answer), `answers` (acceptable strings, each a substring of
the gold item), optional `source` (file name, when the corpus has several), `type` and
`difficulty`.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..records import Answer, Item
from ..retrieval.tokenizer import compact

MRR_DEPTH = 10


class EvalSetError(ValueError):
    """The eval set is malformed; the message names the line."""


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    question: str
    item: int | None
    answers: list[str]
    source: str | None = None
    type: str = "other"
    difficulty: str = "direct"


def load_eval_set(path: str | Path, items: list[Item]) -> list[Question]:
    """Read and validate an eval set against the corpus items."""
    path = Path(path)
    if not path.exists():
        raise EvalSetError(f"eval set {path} does not exist")
    out, seen = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
            q = Question(**row)
        except (ValueError, TypeError) as err:
            raise EvalSetError(f"{where}: not a valid question record ({err})") from None
        if q.id in seen:
            raise EvalSetError(f"{where}: duplicate id {q.id!r}")
        seen.add(q.id)
        if q.lang not in ("zh", "en"):
            raise EvalSetError(f"{where}: lang must be 'zh' or 'en', not {q.lang!r}")
        if q.item is None:
            if q.answers:
                raise EvalSetError(f"{where}: a question with item null cannot have answers")
        else:
            gold = [it for it in items if it.number == q.item and (q.source in (None, it.source))]
            if len(gold) != 1:
                raise EvalSetError(f"{where}: item {q.item} (source {q.source}) matches {len(gold)} items")
            if not q.answers:
                raise EvalSetError(f"{where}: an answerable question needs answers")
            for a in q.answers:
                if a not in gold[0].text:
                    raise EvalSetError(f"{where}: answer {a!r} is not in item {q.item}")
        out.append(q)
    if not out:
        raise EvalSetError(f"eval set {path} has no questions")
    return out


def normalize_answer(text: str) -> str:
    """CMRC-style: NFKC, lower case, no white space or punctuation."""
    return compact(text)


def char_f1(prediction: str, gold: str) -> float:
    """CMRC 2018 F1: longest common substring over the normalised strings."""
    p, g = normalize_answer(prediction), normalize_answer(gold)
    if not p or not g:
        return float(p == g)
    lcs = _longest_common_substring(p, g)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(p), lcs / len(g)
    return 2 * precision * recall / (precision + recall)


def _longest_common_substring(a: str, b: str) -> int:
    best, prev = 0, [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


@dataclass
class Outcome:
    question: Question
    answer: Answer
    seconds: float
    rank: int | None = field(init=False)  # 1-based rank of the gold item among passages

    def __post_init__(self) -> None:
        q = self.question
        self.rank = next(
            (
                k for k, p in enumerate(self.answer.passages, 1)
                if q.item is not None and p.item == q.item and q.source in (None, p.source)
            ),
            None,
        )  # fmt: skip

    @property
    def cited_gold(self) -> bool:
        c, q = self.answer.citation, self.question
        return c is not None and c.item == q.item and q.source in (None, c.source)

    @property
    def em(self) -> float:
        pred = normalize_answer(self.answer.answer or "")
        return float(bool(pred) and any(pred == normalize_answer(a) for a in self.question.answers))

    @property
    def f1(self) -> float:
        if self.answer.answer is None or not self.question.answers:
            return 0.0
        return max(char_f1(self.answer.answer, a) for a in self.question.answers)


def run(ask: Callable[[str], Answer], questions: Iterable[Question], progress: bool = True) -> list[Outcome]:
    from tqdm import tqdm

    outcomes = []
    for q in tqdm(list(questions), desc="eval", unit="q", disable=not progress):
        t0 = time.perf_counter()
        answer = ask(q.question)
        outcomes.append(Outcome(q, answer, time.perf_counter() - t0))
    return outcomes


def summarize(outcomes: list[Outcome]) -> dict:
    """Figures overall and per language, type and difficulty."""
    report = {"all": _figures(outcomes)}
    for key in ("lang", "type", "difficulty"):
        groups: dict[str, list[Outcome]] = {}
        for o in outcomes:
            groups.setdefault(getattr(o.question, key), []).append(o)
        report[f"by_{key}"] = {k: _figures(v) for k, v in sorted(groups.items())}
    report["failures"] = [
        {
            "id": o.question.id,
            "question": o.question.question,
            "gold_item": o.question.item,
            "gold": o.question.answers,
            "answer": o.answer.answer,
            "cited_item": o.answer.citation.item if o.answer.citation else None,
            "gold_rank": o.rank,
        }
        for o in outcomes
        if (o.question.item is None) != (o.answer.answer is None)
        or (o.question.item is not None and o.f1 < 1.0)
    ]
    return report


def _figures(outcomes: list[Outcome]) -> dict:
    answerable = [o for o in outcomes if o.question.item is not None]
    unanswerable = [o for o in outcomes if o.question.item is None]
    abstained = [o for o in outcomes if o.answer.answer is None]
    true_abstain = sum(1 for o in abstained if o.question.item is None)
    latencies = sorted(o.seconds for o in outcomes)
    # English questions answered: does the reply carry an English rendering or gloss of the span?
    answered_en = [o.answer for o in outcomes if o.question.lang == "en" and o.answer.answer is not None]

    def mean(xs: list[float]) -> float | None:
        return round(statistics.fmean(xs), 4) if xs else None

    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "recall@1": mean([float(o.rank == 1) for o in answerable]),
        "recall@3": mean([float(o.rank is not None and o.rank <= 3) for o in answerable]),
        "recall@5": mean([float(o.rank is not None and o.rank <= 5) for o in answerable]),
        "mrr": mean([1.0 / o.rank if o.rank and o.rank <= MRR_DEPTH else 0.0 for o in answerable]),
        "citation_accuracy": mean([float(o.cited_gold) for o in answerable]),
        "exact_match": mean([o.em for o in answerable]),
        "f1": mean([o.f1 for o in answerable]),
        "unanswerable": len(unanswerable),
        "abstain_precision": round(true_abstain / len(abstained), 4) if abstained else None,
        "abstain_recall": round(true_abstain / len(unanswerable), 4) if unanswerable else None,
        "abstain_f1": _f1(true_abstain, len(abstained), len(unanswerable)),
        "wrongly_refused": mean([float(o.answer.answer is None) for o in answerable]),
        "english_shown": mean([float(bool(a.answer_en or a.answer_gloss)) for a in answered_en]),
        "latency_p50_ms": round(1000 * _percentile(latencies, 50), 1) if latencies else None,
        "latency_p95_ms": round(1000 * _percentile(latencies, 95), 1) if latencies else None,
    }


def _f1(true: int, predicted: int, actual: int) -> float | None:
    if not predicted or not actual:
        return None
    p, r = true / predicted, true / actual
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


def _percentile(sorted_values: list[float], pct: float) -> float:
    k = (len(sorted_values) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def format_table(report: dict) -> str:
    """A Markdown table: overall and per language."""
    cols = [
        ("R@1", "recall@1"), ("R@5", "recall@5"), ("MRR", "mrr"), ("EM", "exact_match"),
        ("F1", "f1"), ("abst. P", "abstain_precision"), ("abst. R", "abstain_recall"),
        ("refused", "wrongly_refused"), ("EN shown", "english_shown"), ("p50 ms", "latency_p50_ms"),
    ]  # fmt: skip
    rows = [("all", report["all"])] + list(report["by_lang"].items())
    lines = ["| split | n | " + " | ".join(c for c, _ in cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for name, fig in rows:
        vals = [
            "–"
            if fig[k] is None
            else (f"{fig[k]:.3f}" if isinstance(fig[k], float) and "ms" not in k else str(fig[k]))
            for _, k in cols
        ]
        lines.append(f"| {name} | {fig['questions']} | " + " | ".join(vals) + " |")
    return "\n".join(lines)
