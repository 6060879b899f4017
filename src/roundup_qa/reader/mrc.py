"""Public Chinese reading-comprehension data (SQuAD-style JSON) for training and checking the reader.

CMRC 2018 (trial + dev, Simplified) and DRCD (dev + test, Traditional, converted to
Simplified with OpenCC). The split is by article, by a stable hash of the article id, so a
held-out article's paragraphs are never seen in training, under any seed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

MRC_FILES = ("cmrc2018_trial.json", "cmrc2018_dev.json", "DRCD_dev.json", "DRCD_test.json")
# training also reads CMRC 2018's training set; its held-out articles are never trained on
# either, but the reported held-out slice stays that of MRC_FILES (comparable across runs)
TRAIN_FILES = (*MRC_FILES, "cmrc2018_train.json.gz")
HELDOUT_SHARE = 10  # percent of articles kept out of training (reported separately)


@dataclass(frozen=True)
class MRCExample:
    id: str
    question: str
    context: str
    answers: tuple[str, ...]
    starts: tuple[int, ...]  # character offsets of `answers` in `context`
    source: str  # file name
    article: str  # article id: the unit of the split

    @property
    def paragraph_key(self) -> str:
        return f"{self.source}:{self.article}:{hashlib.sha1(self.context.encode()).hexdigest()[:10]}"


def is_heldout(article_key: str, share: int = HELDOUT_SHARE) -> bool:
    """The held-out slice: `share` percent of articles, by a hash independent of any seed."""
    return int(hashlib.sha256(article_key.encode()).hexdigest(), 16) % 100 < share


def _to_simplified():
    try:
        import opencc
    except ImportError:
        raise RuntimeError("DRCD is Traditional Chinese: pip install opencc (or roundup-qa[train])") from None
    conv = opencc.OpenCC("t2s")
    return conv.convert


def load_mrc(folder: str | Path, files: tuple[str, ...] = MRC_FILES) -> list[MRCExample]:
    """Every question of `files` in `folder`, Simplified Chinese, answers checked against offsets.

    An answer whose offset no longer points at it after conversion is located again near
    its old offset; a question none of whose answers can be located is dropped.
    """
    folder = Path(folder)
    out: list[MRCExample] = []
    convert = None
    for name in files:
        path = folder / name
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing (expected the files {', '.join(files)})")
        if name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                data = json.load(f)["data"]
        else:
            data = json.loads(path.read_text(encoding="utf-8"))["data"]
        traditional = name.startswith("DRCD")
        if traditional and convert is None:
            convert = _to_simplified()
        for article in data:
            art = f"{name}:{article.get('id') or article.get('title')}"
            for para in article["paragraphs"]:
                context = para["context"]
                if traditional:
                    context = convert(context)
                for qa in para["qas"]:
                    question = convert(qa["question"]) if traditional else qa["question"]
                    answers, starts = [], []
                    for a in qa.get("answers", []):
                        text = convert(a["text"]) if traditional else a["text"]
                        start = _locate(context, text.strip(), int(a["answer_start"]))
                        if start is not None and text.strip() and text.strip() not in answers:
                            answers.append(text.strip())
                            starts.append(start)
                    if answers:
                        out.append(
                            MRCExample(
                                str(qa["id"]),
                                question.strip(),
                                context,
                                tuple(answers),
                                tuple(starts),
                                name,
                                art,
                            )
                        )
    return out


def _locate(context: str, text: str, start: int) -> int | None:
    if not text:
        return None
    if context[start : start + len(text)] == text:
        return start
    best = None
    pos = context.find(text)
    while pos != -1:
        if best is None or abs(pos - start) < abs(best - start):
            best = pos
        pos = context.find(text, pos + 1)
    return best


def split(examples: list[MRCExample]) -> tuple[list[MRCExample], list[MRCExample]]:
    """(train, held-out) by article."""
    train = [e for e in examples if not is_heldout(e.article)]
    held = [e for e in examples if is_heldout(e.article)]
    return train, held


QUESTION_WORDS = (
    ("为什么", ("为什么", "为何", "原因")),
    (
        "何时",
        (
            "什么时候",
            "何时",
            "哪一年",
            "哪年",
            "哪天",
            "几月",
            "几年",
            "何年",
            "哪个时期",
            "什么时间",
            "多久",
        ),
    ),
    ("多少", ("多少", "几", "多大", "多长", "多高", "多重", "多远")),
    ("谁", ("谁", "哪位", "哪一位", "何人")),
    ("哪", ("哪",)),
    ("什么", ("什么", "啥", "何")),
    ("如何", ("如何", "怎么", "怎样")),
)


def question_word(question: str) -> str:
    """The interrogative a question is built on, for F1 by question word (其他: none found)."""
    for name, words in QUESTION_WORDS:
        if any(w in question for w in words):
            return name
    return "其他"


def write_heldout_corpus(mrc_dir: str | Path, out: Path) -> tuple[Path, Path]:
    """The held-out slice as a roundup-format corpus (one paragraph = one item) and an eval set.

    Written under `out` (a cache directory: the text is CC BY-SA and stays out of the
    project). Returns (corpus directory, eval set path); reused when already written.
    """
    corpus_dir, eval_path = out / "corpus", out / "questions.jsonl"
    if eval_path.exists() and (corpus_dir / "mrc-heldout.txt").exists():
        return corpus_dir, eval_path
    _, held = split(load_mrc(mrc_dir))
    paragraphs: dict[str, int] = {}
    lines, rows = ["MRC held-out slice (CMRC 2018, DRCD; CC BY-SA), one paragraph per item."], []
    titles: dict[str, int] = {}
    for ex in held:
        body = " ".join(ex.context.replace("●", "·").split())
        if ex.paragraph_key not in paragraphs:
            paragraphs[ex.paragraph_key] = len(paragraphs) + 1
            title = ex.article.split(":", 1)[1]
            titles[title] = titles.get(title, 0) + 1
            lines += [f"●{title} {titles[title]}", body]
        number = paragraphs[ex.paragraph_key]
        answers = [a for a in ex.answers if " ".join(a.split()) in body]
        if not answers:
            continue
        rows.append({
            "id": f"mrc-{ex.source.split('.')[0]}-{ex.id}", "lang": "zh", "question": ex.question,
            "item": number, "answers": [" ".join(a.split()) for a in answers],
            "type": question_word(ex.question), "difficulty": "mrc",
        })  # fmt: skip
    corpus_dir.mkdir(parents=True, exist_ok=True)
    (corpus_dir / "mrc-heldout.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    eval_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return corpus_dir, eval_path
