"""No-answer questions made from answerable ones: what teaches the reader "not in this text".

The MRC data has no unanswerable question. Three kinds are made from every answerable one,
automatically (issue 25), each a question paired with a text that does not answer it:

- `neighbour`: the question against a *similar* paragraph (its best BM25 neighbours among
  the other paragraphs) that holds none of its answers: same topic, same words, no fact;
- `deleted`: its own paragraph with the sentence holding the answer removed;
- `altered`: its own paragraph, the question's year, number, ordinal or name changed to one
  the paragraph does not contain (2021年 -> 2020年, 第二届 -> 第三届, 一期 -> 二期): every
  other word still matches, only the fact asked for is not there.

The same functions make the held-out negatives the reader's refusal is measured on
(`made_negatives`), from the held-out slice that training never sees.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .mrc import MRCExample

KINDS = ("neighbour", "deleted", "altered")

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?=年)")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
_CN_DIGITS = "一二三四五六七八九十"
_ORDINAL = re.compile(rf"第([{_CN_DIGITS}])(?=[届次期号代任个名批座条章部])|([{_CN_DIGITS}])(?=期)")


@dataclass(frozen=True)
class Negative:
    kind: str  # one of KINDS
    question: str
    context: str
    source_id: str  # the answerable question it was made from


def without_answer_sentence(context: str, start: int, end: int) -> str | None:
    """`context` without the sentences overlapping [start, end); None when nothing would be left."""
    kept, pos = [], 0
    for sentence in _SENTENCE_END.split(context):
        a, b = pos, pos + len(sentence)
        pos = b
        if not (a < end and b > start):
            kept.append(sentence)
    rest = "".join(kept).strip()
    return rest if len(rest) >= 20 else None


def altered_question(question: str, context: str, rng: random.Random) -> str | None:
    """`question` with one year, number or ordinal that `context` holds changed to one it does
    not; None when the question has nothing of the kind anchored in the text."""
    choices: list[tuple[int, int, str]] = []  # (start, end, replacement)
    for m in _YEAR.finditer(question):
        if m.group(1) in context:
            for delta in rng.sample([-3, -2, -1, 1, 2, 3], 6):
                new = str(int(m.group(1)) + delta)
                if new not in context:
                    choices.append((m.start(1), m.end(1), new))
                    break
    for m in _NUMBER.finditer(question):
        if question.startswith("年", m.end()) or m.group() not in context:  # years: above
            continue
        value = float(m.group())
        for new_value in (value + 1, value * 2, value + 10, value * 3):
            new = f"{new_value:g}" if "." in m.group() else str(int(new_value))
            if new not in context:
                choices.append((m.start(), m.end(), new))
                break
    for m in _ORDINAL.finditer(question):
        group = 1 if m.group(1) else 2
        digit = m.group(group)
        if m.group() not in context:
            continue
        others = [d for d in _CN_DIGITS if d != digit]
        rng.shuffle(others)
        for d in others:
            new = m.group().replace(digit, d)
            if new not in context:
                choices.append((m.start(group), m.end(group), d))
                break
    if not choices:
        return None
    start, end, new = rng.choice(choices)
    return question[:start] + new + question[end:]


class Alterer:
    """Alters questions, swapping a place or person for one of another paragraph when the
    question has no year, number or ordinal to change."""

    def __init__(self, tokenizer, seed: int = 0) -> None:
        self._tok = tokenizer
        self._rng = random.Random(seed)
        self._pool: dict[str, list[str]] = {}

    def learn(self, questions: Sequence[str]) -> None:
        """Names (places `ns`, people `nr`) seen in these questions: the pool swapped names come from."""
        for q in questions:
            for word, flag in self._tok.tagged(q):
                if flag in ("ns", "nr") and len(word) >= 2:
                    self._pool.setdefault(flag, []).append(word)

    def __call__(self, question: str, context: str) -> str | None:
        changed = altered_question(question, context, self._rng)
        if changed is not None:
            return changed
        tagged = [(w, f) for w, f in self._tok.tagged(question) if f in ("ns", "nr") and len(w) >= 2]
        tagged = [(w, f) for w, f in tagged if w in context and self._pool.get(f)]
        if not tagged:
            return None
        word, flag = self._rng.choice(tagged)
        for _ in range(8):
            new = self._rng.choice(self._pool[flag])
            if new not in context and word not in new and new not in word:
                return question.replace(word, new, 1)
        return None


class Neighbours:
    """The paragraphs most like a question (BM25 over the project's jieba tokenizer), so a
    no-answer window shares its topic and words instead of being any random text."""

    def __init__(self, contexts: Sequence[str], tokenizer, progress: bool = False) -> None:
        from ..retrieval.lexical import SparseLexicalIndex
        from ..retrieval.tokenizer import tokenize_many

        self.contexts = list(contexts)
        self._tok = tokenizer
        self._index = SparseLexicalIndex(
            tokenize_many(tokenizer, self.contexts, progress=progress, desc="neighbours")
        )

    def of(self, question: str, answers: Sequence[str], own: str, k: int = 5) -> list[str]:
        """Up to `k` paragraphs most like `question`, other than `own`, holding none of `answers`."""
        hits = self._index.search(self._tok.tokenize(question), k + 4)
        out = []
        for h in hits:
            c = self.contexts[h.doc]
            if c != own and not any(a in c for a in answers):
                out.append(c)
        return out[:k]


def made_negatives(
    examples: Sequence[MRCExample], tokenizer, seed: int = 0, per_kind: int | None = None
) -> list[Negative]:
    """One negative of each kind (where one can be made) for each example; `per_kind` caps each kind."""
    rng = random.Random(seed)
    contexts = list(dict.fromkeys(e.context for e in examples))
    near = Neighbours(contexts, tokenizer)
    alter = Alterer(tokenizer, seed)
    alter.learn([e.question for e in examples])
    out: dict[str, list[Negative]] = {k: [] for k in KINDS}
    for ex in examples:
        others = near.of(ex.question, ex.answers, ex.context, k=3)
        if others:
            out["neighbour"].append(Negative("neighbour", ex.question, rng.choice(others), ex.id))
        s = ex.starts[0]
        rest = without_answer_sentence(ex.context, s, s + len(ex.answers[0]))
        if rest and not any(a in rest for a in ex.answers):
            out["deleted"].append(Negative("deleted", ex.question, rest, ex.id))
        changed = alter(ex.question, ex.context)
        if changed:
            out["altered"].append(Negative("altered", changed, ex.context, ex.id))
    if per_kind is not None:
        for k in KINDS:
            out[k] = rng.sample(out[k], min(per_kind, len(out[k])))
    return [n for k in KINDS for n in out[k]]
