"""The one jieba tokenizer used for documents and questions alike.

Own `jieba.Tokenizer` instance (never the global one), the corpus's domain words added so
names stay whole, NFKC so full-width letters and digits match half-width ones, and
stopwords and question words dropped so BM25 weighs content. Its settings (domain words
included) are saved in the index manifest and restored at query time.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..chinese import CJK_CHARS, CJK_RUN, digit_months
from ..corpus.districts import TOWN
from ..records import Item

# Function words of news prose and of questions; they carry no content for BM25.
STOPWORDS_ZH = frozenset(
    "的 了 和 与 及 或 在 是 有 等 为 对 将 把 被 从 也 都 而 并 由 于 以 之 其 该 此 这 那 上 下 中 "
    "个 年 月 日 又 就 还 但 至 到 向 着 过 给 让 其中 以及 进行 开展 已经 通过 一个 一 "
    "什么 哪 哪些 哪个 哪家 哪里 哪儿 哪位 哪天 哪年 多少 几 几个 谁 何 何时 何地 什么时候 "
    "如何 怎么 怎样 怎么样 为什么 为何 是否 吗 呢 吧 啊 请问 请 告诉 我 我们 你 您 它 他们 "
    "多 多大 多久 多长 多高 哪一 共 共有 一共 总共 这次 此次 这个 那个".split()
)
STOPWORDS_EN = frozenset(
    "a an the of in on at to for from by with and or is are was were be been being do does "
    "did what which who whom whose when where why how many much that this these those it its "
    "there their they he she his her as about into than then so can could would should will "
    "has have had not no yes any some all i you we me my our your please tell".split()
)
# Bump when the filtering rules below change: indexes built with other rules are stale.
# 2: months in Chinese numerals read as digits (五月 -> 5月, chinese.digit_months)
RULES_VERSION = 2
# Domain words whose pieces jieba gets wrong on this kind of text (FIELD-NOTES).
_PUNCT = re.compile(r"[\s\W_]+")
_KEEP = re.compile(rf"[\w{CJK_CHARS}]")
# Short quoted names (brands, slogans) stay whole; long ones are left to jieba so that a
# question naming part of them still matches.
_QUOTED = re.compile(r"[“\"《]([^”\"》]{2,5})[”\"》]")


def _silence_jieba() -> None:
    logging.getLogger("jieba").setLevel(logging.WARNING)
    import jieba

    jieba.setLogLevel(logging.WARNING)


@dataclass
class Tokenizer:
    """Normalise, segment and filter text into BM25 terms.

    Cheap to construct; jieba's dictionary loads on the first `tokenize` call.
    """

    domain_words: list[str] = field(default_factory=list)  # kept whole (the corpus's domain.json words)
    hmm: bool = True  # jieba's HMM finds names not in its dictionary
    rules: int = 0  # RULES_VERSION the index was built with (checked, not used)

    def __post_init__(self) -> None:
        self._jieba = None
        self._pos = None
        self._general: dict[str, float] | None = None

    @classmethod
    def for_items(cls, items: Iterable[Item], extra: Iterable[str] = ()) -> Tokenizer:
        """A tokenizer knowing the corpus's towns and short quoted names, plus `extra`."""
        return cls(domain_words=sorted(set(extra) | find_domain_words(items)))

    def settings(self) -> dict:
        """What the manifest records; `Tokenizer(**settings)` rebuilds this tokenizer."""
        return {"domain_words": list(self.domain_words), "hmm": self.hmm, "rules": RULES_VERSION}

    def _segmenter(self):
        if self._jieba is None:
            _silence_jieba()
            import jieba

            seg = jieba.Tokenizer()
            seg.initialize()
            for word in self.domain_words:
                seg.add_word(word, freq=None)
            self._jieba = seg
        return self._jieba

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) pairs of `text`, normalised, as jieba tags them (white space dropped)."""
        import jieba.posseg

        if self._pos is None:
            self._pos = jieba.posseg.POSTokenizer(self._segmenter())
        return [(w.word, w.flag) for w in self._pos.lcut(normalize(text), HMM=self.hmm) if w.word.strip()]

    def names(self, text: str, flags: tuple[str, ...] = ("ns", "nt")) -> list[str]:
        """Names jieba tags in `text`: places and organisations by default (`nr` is mostly noise here)."""
        return list(dict.fromkeys(w for w, flag in self.tagged(text) if flag in flags and len(w) >= 2))

    def general_idf(self, word: str) -> float | None:
        """The word's idf in general Chinese (the table jieba ships for keyword extraction,
        jieba/analyse/idf.txt: 270k words), None for a word it does not list. It tells a
        word of everyday speech (说 2.6, 自己 3.5, 主要 3.5) from a rare one (俄罗斯 6.2,
        清华大学 8.1); loaded on first use (0.25 s)."""
        if self._general is None:
            import jieba.analyse

            table: dict[str, float] = {}
            path = os.path.join(os.path.dirname(jieba.analyse.__file__), "idf.txt")
            with open(path, encoding="utf-8") as f:
                for line in f:
                    w, _, v = line.rstrip().partition(" ")
                    table[w] = float(v)
            self._general = table
        return self._general.get(word)

    def words(self, text: str) -> list[str]:
        """`text` cut into words, every one kept (normalised; white space dropped)."""
        return [w for w in (w.strip() for w in self._segmenter().lcut(normalize(text), HMM=self.hmm)) if w]

    def tokenize(self, text: str) -> list[str]:
        """Content terms of `text`, lower-cased, in order; a month in Chinese numerals as the
        news writes it (五月 -> 5月: a question saying 五月 asks about the roundup's 5月)."""
        # interned: a large index holds each distinct term once, not once per occurrence
        return [sys.intern(w) for w in self.words(digit_months(text)) if _is_term(w)]


# Below this many texts one process is quicker than starting workers: a worker loads jieba's
# dictionary (~1 s), and one core tokenises ~2,300 texts/s (eval/results/bench-scale).
PARALLEL_FROM = 20_000
_CHUNK = 2_000
_worker: Tokenizer | None = None


def tokenize_many(
    tokenizer: Tokenizer,
    texts: Sequence[str],
    names: tuple[str, ...] | None = None,
    workers: int | None = None,
    progress: bool = False,
    desc: str = "tokenising",
) -> list[list[str]]:
    """`tokenizer.tokenize` of each text (or `tokenizer.names(text, names)` when `names` is
    given), in order. Large inputs are split over `workers` processes (default: every core)."""
    workers = workers or os.cpu_count() or 1
    chunks = [texts[i : i + _CHUNK] for i in range(0, len(texts), _CHUNK)]
    bar = _bar(len(texts), desc, progress)
    out: list[list[str]] = []
    if len(texts) < PARALLEL_FROM or workers < 2:
        for chunk in chunks:
            out += _run(tokenizer, names, chunk)
            bar.update(len(chunk))
    else:
        import multiprocessing

        # spawn, not fork: the parent may hold OpenMP threads (FAISS, the model)
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(tokenizer.settings(),)) as pool:
            for done in pool.imap(_work, [(names, chunk) for chunk in chunks]):
                out += [[sys.intern(t) for t in doc] for doc in done]  # pickling un-interned them
                bar.update(len(done))
    bar.close()
    return out


def _run(tokenizer: Tokenizer, names: tuple[str, ...] | None, chunk: Sequence[str]) -> list[list[str]]:
    if names is None:
        return [tokenizer.tokenize(t) for t in chunk]
    return [tokenizer.names(t, flags=names) for t in chunk]


def _init_worker(settings: dict) -> None:
    global _worker
    _worker = Tokenizer(**settings)


def _work(task: tuple[tuple[str, ...] | None, Sequence[str]]) -> list[list[str]]:
    assert _worker is not None
    return _run(_worker, *task)


def _bar(total: int, desc: str, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="text", disable=not progress or total < _CHUNK)


def normalize(text: str) -> str:
    """NFKC (full-width -> half-width) and lower case: how every stage compares text."""
    return unicodedata.normalize("NFKC", text).lower()


def compact(text: str) -> str:
    """`normalize`, then without white space and punctuation (for comparing spans)."""
    return _PUNCT.sub("", normalize(text))


# "几条", "多少家": a question word with its classifier asks, it does not describe
_ASKING = re.compile(r"^(?:几|多少|哪)[个家项条名位天次场所批人种类年支]?$")


def _is_term(word: str) -> bool:
    return (
        bool(word)
        and bool(_KEEP.search(word))
        and word not in STOPWORDS_ZH
        and word not in STOPWORDS_EN
        and not _ASKING.match(word)
    )


def find_domain_words(items: Iterable[Item]) -> set[str]:
    """Names in the corpus that should stay whole: towns and short quoted terms."""
    words: set[str] = set()
    for item in items:
        text = item.text
        words.update(TOWN.findall(text))
        words.update(q for q in _QUOTED.findall(text) if CJK_RUN.fullmatch(q))
    return {w for w in words if len(w) >= 2}
