"""The eval report: one run of an eval set -> JSON, a Markdown summary and PNG plots.

One pass asks every question with abstention off (the records carry its signals); the
configured refusal rule is then applied to give the official figures, and replayed over a
range of thresholds for the trade-off curve. Ablations re-run the set under other configs.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from ..config import Config
from ..reader.abstain import decide, thresholds
from . import evaluate
from .evaluate import Outcome, Question

THRESHOLDS = [round(0.05 * k, 2) for k in range(0, 19)]  # minimum coverage (rules)
MARGINS = [round(0.5 * k, 1) for k in range(-24, 17)]  # minimum reader margin (start+end logits)
ABLATIONS: dict[str, dict] = {
    "rules (no trained reader)": {"reader": "rules"},
    "reader, no typed prior": {"reader": "model", "reader_snap": False},
    "reader, no typed n-best for English": {"reader": "model", "reader_type_window_en": 0.0},
    "reader, typed n-best for Chinese too": {"reader": "model", "reader_type_window": 4.0},
    "reader, refusal on the span's type": {"reader": "model", "reader_type_refusal": True},
    "reader, no refusal on the counted unit": {"reader": "model", "reader_unit_refusal": False},
    "reader, no refusal on a span that is no amount": {"reader": "model", "reader_money_refusal": False},
    "reader, no refusal on the counted noun": {"reader": "model", "reader_counted_refusal": False},
    "reader, no refusal on a span repeating the question": {"reader": "model", "reader_echo_refusal": False},
    "reader, no refusal on a numberless span": {"reader": "model", "reader_numeral_refusal": False},
    "reader, English question as asked": {"reader": "model", "reader_question_en": "plain"},
    "reader, English + bridge terms appended": {"reader": "model", "reader_question_en": "appended"},
    "reader, int8 weights": {"reader": "model", "reader_precision": "int8"},
    "BM25 only (with bridge)": {"retrieval": "bm25"},
    "dense only": {"retrieval": "dense"},
    "hybrid, weighted scores": {"retrieval": "hybrid", "fusion": "weighted"},
    "hybrid, RRF": {"retrieval": "hybrid", "fusion": "rrf"},
    "hybrid, no English bridge": {"bridge": False},
    "hybrid, no abstention": {"abstain": False},
}


def refused(o: Outcome, zh: float, en: float, config: Config | None = None) -> Outcome:
    """The outcome under a refusal rule with these thresholds: minimum coverages for the rules;
    for the reader minimum margins, with the coverages of `config` (default: the defaults)."""
    if o.answer.answer is None or o.answer.signals is None:
        return o
    s = o.answer.signals
    t = zh if o.answer.lang == "zh" else en
    if s.reader_margin is not None:
        coverage, _, overrule = thresholds(config or Config(), o.answer.lang)
        reason = decide(s, coverage, t, overrule)
    else:
        reason = decide(s, t)
    if reason is None:
        return o
    answer = dataclasses.replace(o.answer, answer=None, citation=None, reason=reason)
    return Outcome(o.question, answer, o.seconds)


def run_report(
    make_qa: Callable[[Config], object], config: Config, questions: list[Question], ablations: bool = False
) -> dict:
    """Figures for `config`, the abstention curve, and optionally the ablations."""
    raw = _ask_all(make_qa(dataclasses.replace(config, abstain=False)), questions)
    zh, en, axis, name = refusal_axis(config)
    final = [refused(o, zh, en, config) for o in raw] if config.abstain else raw
    report = evaluate.summarize(final)
    report["config"] = config.to_dict()
    report["recall_at_k"] = {
        lang: [_recall(final, lang, k) for k in range(1, evaluate.MRR_DEPTH + 1)] for lang in ("zh", "en")
    }
    report["abstention_axis"] = name
    report["abstention_curve"] = [
        {name: t, **_abstention([refused(o, t, t, config) for o in raw])} for t in axis
    ]
    report["latencies_ms"] = [round(1000 * o.seconds, 2) for o in final]
    if ablations:
        report["ablations"] = {}
        for name, change in ABLATIONS.items():
            variant = dataclasses.replace(config, **change)
            if variant == config:
                name += " (the config)"
                outcomes = final
            else:
                outcomes = _ask_all(make_qa(variant), questions)
            figures = evaluate.summarize(outcomes)
            report["ablations"][name] = {"all": figures["all"], **figures["by_lang"]}
    return report


def refusal_axis(config: Config) -> tuple[float, float, list[float], str]:
    """The configured thresholds (zh, en) and the axis the trade-off curve sweeps."""
    if config.reader == "model":
        return config.reader_min_margin, config.reader_min_margin_en, MARGINS, "min_margin"
    return config.abstain_min_coverage, config.abstain_min_coverage_en, THRESHOLDS, "min_coverage"


def _ask_all(qa, questions: list[Question]) -> list[Outcome]:
    qa.warm_up()
    return evaluate.run(lambda q: qa.ask(q, top_k=evaluate.MRR_DEPTH), questions)


def _recall(outcomes: list[Outcome], lang: str, k: int) -> float | None:
    rows = [o for o in outcomes if o.question.lang == lang and o.question.item is not None]
    return round(sum(o.rank is not None and o.rank <= k for o in rows) / len(rows), 4) if rows else None


def _abstention(outcomes: list[Outcome]) -> dict:
    f = evaluate.summarize(outcomes)["all"]
    return {k: f[k] for k in ("abstain_precision", "abstain_recall", "wrongly_refused", "f1")}


def write_report(report: dict, out: Path, command: str) -> list[Path]:
    """report.json, summary.md and the plots into `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    plots = _plots(report, out)
    (out / "summary.md").write_text(
        summary_markdown(report, command, [p.name for p in plots]), encoding="utf-8"
    )
    return [out / "report.json", out / "summary.md", *plots]


def headline(report: dict) -> str:
    """zh / en R@1, MRR, EM, F1 and abstention, as a Markdown table."""
    lines = [
        *_HEADER,
    ]
    for name, f in [("all", report["all"]), *report["by_lang"].items()]:
        lines.append(_row(name, f))
    return "\n".join(lines)


# "English shown": of the English questions answered, the share whose reply carries an English
# rendering (dates, amounts) or a labelled word-by-word gloss of the span
_HEADER = (
    "| split | questions | R@1 | R@3 | R@5 | MRR | EM | F1 | abstain P | abstain R | abstain F1 "
    "| answerable refused | English shown | p50 ms | p95 ms |",
    "|---" * 15 + "|",
)


def _row(name: str, f: dict) -> str:
    keys = ["recall@1", "recall@3", "recall@5", "mrr", "exact_match", "f1", "abstain_precision",
            "abstain_recall", "abstain_f1", "wrongly_refused", "english_shown", "latency_p50_ms",
            "latency_p95_ms"]  # fmt: skip
    cells = ["–" if f.get(k) is None else (f"{f[k]:.3f}" if "ms" not in k else f"{f[k]:.1f}") for k in keys]
    return f"| {name} | {f['questions']} | " + " | ".join(cells) + " |"


def summary_markdown(report: dict, command: str, plots: list[str]) -> str:
    parts = [
        "# Eval report",
        "",
        f"`{command}` — {report['eval_set']}, {report['all']['questions']} questions "
        f"({report['all']['answerable']} answerable, {report['all']['unanswerable']} not answered by the roundup).",
        "",
        headline(report),
        "",
        *[f"![{p}]({p})" for p in plots],
        "",
    ]
    for key, title in (("by_difficulty", "By difficulty"), ("by_type", "By answer type")):
        parts += [
            f"## {title}",
            "",
            *_HEADER,
        ]
        parts += [_row(name, f) for name, f in report[key].items()]
        parts.append("")
    if "ablations" in report:
        parts += ["## Ablations", ""]
        parts += [
            "| variant | split | R@1 | MRR | EM | F1 | abstain P | abstain R | answerable refused |",
            "|---" * 9 + "|",
        ]
        for name, figs in report["ablations"].items():
            for split in ("zh", "en"):
                f = figs.get(split)
                if f:
                    vals = [
                        f[k]
                        for k in (
                            "recall@1",
                            "mrr",
                            "exact_match",
                            "f1",
                            "abstain_precision",
                            "abstain_recall",
                            "wrongly_refused",
                        )
                    ]
                    parts.append(
                        f"| {name} | {split} | "
                        + " | ".join("–" if v is None else f"{v:.3f}" for v in vals)
                        + " |"
                    )
        parts.append("")
    parts += [
        "## Failing questions",
        "",
        "| id | question | gold | answer | cited | gold rank |",
        "|---|---|---|---|---|---|",
    ]
    for f in report["failures"]:
        gold = " / ".join(f["gold"]) or "(not in the roundup)"
        parts.append(
            f"| {f['id']} | {_cell(f['question'])} | {_cell(gold)} | {_cell(f['answer'] or '(refused)')} | "
            f"{f['cited_item'] or '–'} | {f['gold_rank'] or '–'} |"
        )
    return "\n".join(parts) + "\n"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")[:90]


def _plots(report: dict, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for lang, values in report["recall_at_k"].items():
        ks = range(1, len(values) + 1)
        ax.plot(ks, [v if v is not None else float("nan") for v in values], marker="o", label=lang)
    ax.set(xlabel="k", ylabel="Recall@k", title="Recall@k by question language", ylim=(0, 1.02))
    ax.legend()
    ax.grid(alpha=0.3)
    files.append(_save(fig, out / "recall_at_k.png"))

    curve = report["abstention_curve"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    axis = report.get("abstention_axis", "min_coverage")
    xs = [c[axis] for c in curve]
    for key, label in (("abstain_precision", "abstention precision"), ("abstain_recall", "abstention recall"),
                       ("wrongly_refused", "answerable refused"), ("f1", "answer F1")):  # fmt: skip
        ax.plot(xs, [c[key] if c[key] is not None else float("nan") for c in curve], label=label)
    label = "minimum reader margin" if axis == "min_margin" else "minimum coverage"
    ax.set(xlabel=f"{label} (both languages)", title="Abstention trade-off", ylim=(0, 1.02))
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    files.append(_save(fig, out / "abstention_tradeoff.png"))

    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.hist(report["latencies_ms"], bins=30)
    ax.set(xlabel="ask() latency, ms", ylabel="questions", title="Latency per question")
    files.append(_save(fig, out / "latency.png"))
    return files


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
