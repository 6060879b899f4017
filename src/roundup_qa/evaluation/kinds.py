"""The kinds of answer and follow-ups, measured (`roundup-qa eval --kinds eval/kinds.jsonl`).

A kinds set is JSON lines, each with `id`, `lang`, `question`, `kind` and:
- `list`: `items` (every item that answers), `also` (items that may answer without being
  counted wrong), `answers` ({item number: [acceptable spans]});
- `items` (browsing): `items` and `also`;
- `span` / `refusal` (follow-ups): `history` (earlier turns, `{"question", "item"}`),
  `item` (null when the roundup does not answer) and `answers`.

Reported per language: kind accuracy; lists: item precision and recall, part F1; browsing:
item recall and precision; follow-ups: answer F1 on the answerable ones, share of the others
refused. With a single-answer set (`--set`), its questions count for kind accuracy too (each
must stay a span or a refusal), and each is asked again after an unrelated turn: any record
that changes is a stand-alone question misread as a follow-up.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..records import Answer, Item
from .evaluate import EvalSetError, Question, char_f1

KIND_NAMES = ("list", "items", "span", "refusal")


@dataclass(frozen=True)
class KindQuestion:
    id: str
    lang: str
    kind: str
    question: str
    items: list[int] = field(default_factory=list)
    also: list[int] = field(default_factory=list)
    answers: dict | list = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    item: int | None = None


def load_kinds_set(path: str | Path, items: list[Item]) -> list[KindQuestion]:
    path = Path(path)
    if not path.exists():
        raise EvalSetError(f"kinds set {path} does not exist")
    numbers = {it.number for it in items}
    out, seen = [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            q = KindQuestion(**json.loads(line))
        except (ValueError, TypeError) as err:
            raise EvalSetError(f"{where}: not a valid kinds record ({err})") from None
        if q.id in seen:
            raise EvalSetError(f"{where}: duplicate id {q.id!r}")
        seen.add(q.id)
        if q.kind not in KIND_NAMES or q.lang not in ("zh", "en"):
            raise EvalSetError(f"{where}: kind must be one of {KIND_NAMES} and lang zh or en")
        named = set(q.items) | set(q.also) | ({q.item} if q.item is not None else set())
        if named - numbers:
            raise EvalSetError(f"{where}: no item numbered {sorted(named - numbers)}")
        out.append(q)
    return out


def _kind_right(q: KindQuestion, got: str) -> bool:
    if q.kind == "list" and len(q.items) < 2:
        return got in ("list", "span")  # one answering item: the single answer is right too
    if q.kind in ("span", "refusal"):  # a follow-up: one answer (whether refused is scored apart)
        return got in ("span", "refusal")
    return got == q.kind


def _list_figures(q: KindQuestion, a: Answer) -> dict:
    gold, also = set(q.items), set(q.also)
    counted = [p for p in a.parts if p.citation.item not in also]
    found = {p.citation.item for p in counted} & gold
    f1s = [
        max((char_f1(p.answer or "", g) for g in q.answers.get(str(p.citation.item), [])), default=0.0)
        for p in counted
        if p.citation.item in gold
    ]
    size = (len(counted) + len(gold)) / 2
    return {
        "precision": len(found) / len(counted) if counted else 0.0,
        "recall": len(found) / len(gold),
        "part_f1": sum(f1s) / size if size else 0.0,
    }


def _browse_figures(q: KindQuestion, a: Answer) -> dict:
    gold, also = set(q.items), set(q.also)
    got = {p.citation.item for p in a.parts if a.kind == "items"} - also
    return {"precision": len(got & gold) / len(got) if got else 0.0, "recall": len(got & gold) / len(gold)}


TIMING_REPEATS = 3  # a list question's time: the median of this many asks after the first


def _timed(qa, question: str) -> float:
    """Milliseconds `qa.ask(question)` takes once warm: its first ask (models loading, caches
    filling) left out, the median of the next TIMING_REPEATS."""
    times = []
    for _ in range(TIMING_REPEATS):
        t0 = time.perf_counter()
        qa.ask(question)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def run_kinds(qa, rows: list[KindQuestion], singles: list[Question] = (), progress: bool = True) -> dict:
    """Every row asked through `qa.ask` (with its history); figures per language."""
    from tqdm import tqdm

    per: dict[str, dict[str, list]] = {}
    details = []
    for q in tqdm(rows, desc="kinds", unit="q", disable=not progress):
        t0 = time.perf_counter()
        a = qa.ask(q.question, history=q.history or None)
        ms = (time.perf_counter() - t0) * 1000
        d = per.setdefault(q.lang, {})
        d.setdefault("kind", []).append(_kind_right(q, a.kind))
        row = {"id": q.id, "kind": q.kind, "got": a.kind, "read_as": a.read_as, "ms": round(ms, 1),
               "parts": [[p.citation.item, p.answer] for p in a.parts]}  # fmt: skip
        if q.kind == "list":
            figures = _list_figures(q, a)
            d.setdefault("list", []).append(figures)
            d.setdefault("list_ms", []).append(_timed(qa, q.question))
        elif q.kind == "items":
            figures = _browse_figures(q, a)
            d.setdefault("items", []).append(figures)
        elif q.item is not None:
            figures = {"f1": max((char_f1(a.answer, g) for g in q.answers), default=0.0) if a.answer else 0.0}
            d.setdefault("follow_f1", []).append(figures["f1"])
        else:
            figures = {"refused": a.answer is None}
            d.setdefault("follow_refused", []).append(a.answer is None)
        row.update(figures)
        details.append(row)
    changed, single_ms = [], {}
    for q in tqdm(list(singles), desc="stand-alone", unit="q", disable=not progress):
        t0 = time.perf_counter()
        alone = qa.ask(q.question)
        single_ms.setdefault(q.lang, []).append((time.perf_counter() - t0) * 1000)
        per.setdefault(q.lang, {}).setdefault("kind", []).append(alone.kind in ("span", "refusal"))
        unrelated = _UNRELATED[q.lang][1 if q.item == _UNRELATED[q.lang][0]["item"] else 0]
        after = qa.ask(q.question, history=[unrelated])
        if _comparable(after) != _comparable(alone):
            changed.append({"id": q.id, "question": q.question, "read_as": after.read_as})
    report: dict = {"by_lang": {}, "details": details}
    for lang, d in sorted(per.items()):
        out: dict = {"kind_accuracy": _mean(d.get("kind", [])), "questions": len(d.get("kind", []))}
        if d.get("list"):
            out["list"] = {k: _mean([f[k] for f in d["list"]]) for k in ("precision", "recall", "part_f1")}
            out["list"]["p50_ms"] = round(statistics.median(d["list_ms"]), 1)
        if d.get("items"):
            out["items"] = {k: _mean([f[k] for f in d["items"]]) for k in ("precision", "recall")}
        if d.get("follow_f1") or d.get("follow_refused"):
            out["follow_ups"] = {"f1_answerable": _mean(d.get("follow_f1", [])),
                                 "refused_unanswerable": _mean(d.get("follow_refused", []))}  # fmt: skip
        if single_ms.get(lang):
            out["single_p50_ms"] = round(statistics.median(single_ms[lang]), 1)
        report["by_lang"][lang] = out
    report["stand_alone"] = {
        "asked": len(list(singles)),
        "changed_by_history": len(changed),
        "changed": changed,
    }
    return report


# an earlier turn about something else, for the stand-alone check (the second when the
# question is about the first's item)
_UNRELATED = {
    "zh": [{"question": "华盛橡胶的品牌价值是多少?", "item": 31}, {"question": "渤中海上风电产业基地项目在哪天签约?", "item": 10}],
    "en": [{"question": "What is the brand value of Huasheng Rubber?", "item": 31},
           {"question": "When was the Bozhong offshore wind project signed?", "item": 10}],
}  # fmt: skip


def _comparable(a: Answer) -> dict:
    d = a.to_dict()
    d.pop("read_as")
    return d


def _mean(xs: list) -> float | None:
    return round(sum(map(float, xs)) / len(xs), 3) if xs else None


def format_kinds(report: dict) -> str:
    lines = ["kinds of answer and follow-ups", ""]
    for lang, d in report["by_lang"].items():
        lines.append(f"[{lang}] kind accuracy {d['kind_accuracy']} over {d['questions']} questions")
        if "list" in d:
            x = d["list"]
            lines.append(f"  lists: item precision {x['precision']}, recall {x['recall']}, part F1 {x['part_f1']}, "
                         f"p50 {x['p50_ms']} ms (single answers p50 {d.get('single_p50_ms', '-')} ms)")  # fmt: skip
        if "items" in d:
            lines.append(
                f"  browsing: item recall {d['items']['recall']}, precision {d['items']['precision']}"
            )
        if "follow_ups" in d:
            x = d["follow_ups"]
            lines.append(f"  follow-ups: F1 {x['f1_answerable']} (answerable), refused {x['refused_unanswerable']} "
                         "(unanswerable)")  # fmt: skip
    s = report["stand_alone"]
    lines.append("")
    lines.append(
        f"stand-alone questions whose record changes after an unrelated turn: {s['changed_by_history']} of {s['asked']}"
    )
    for c in s["changed"][:10]:
        lines.append(f"  {c['id']}: {c['question']} -> read as {c['read_as']}")
    return "\n".join(lines)
