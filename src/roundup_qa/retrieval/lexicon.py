"""Chinese word -> English sense, for glosses: the lexicon built with the index (lexicon.json).

The other direction of the bridge (bridge.py), from the same sources:
- names glossed whole: the corpus glossary read backwards (东营港 -> Dongying Port) and the
  districts' English names;
- words: CC-CEDICT's first plain sense of every dictionary word occurring in the corpus
  (签约 -> sign a contract) and of every character, looked up once at build time;
- names CC-CEDICT lacks or only describes: pinyin (渤中 -> Bozhong; 东营 -> Dongying).
The reader assembles glosses from it (reader/gloss.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ..chinese import CJK, CJK_RUN
from .bridge import Dictionary

# function words: what they add to a word-by-word gloss ("" drops the word)
FUNCTION = {
    "的": "", "了": "", "着": "", "之": "of", "和": "and", "与": "and", "及": "and", "以及": "and",
    "并": "and", "或": "or", "在": "in", "于": "at", "等": "etc.", "为": "as", "对": "to", "将": "will",
    "把": "", "被": "by", "从": "from", "也": "also", "都": "all", "是": "is", "有": "have", "共": "in all",
    "其中": "among them", "个": "", "该": "the", "此": "this", "这": "this", "其": "its", "由": "by",
}  # fmt: skip
# news words whose first CC-CEDICT sense is not the one news prose means (项目: item, project)
NEWS_SENSE = {
    "项目": "project",
    "年": "year",
    "节": "festival",
    "实": "solid",
    "首": "first",
    "届": "edition",
}
_DESCRIBES = re.compile(r"\b(?:city|county|district|province|prefecture|town|village|in \w+|surname)\b")
MAX_WORDS = 4  # senses longer than this describe more than they gloss
_ADMIN_EN = {"省": " Province", "市": " City", "县": " County", "区": " District", "镇": " Town"}
_CEDICT_SKIP = ("CL:", "variant of", "old variant", "see ", "surname", "lit.", "fig.", "used in")


@dataclass
class Lexicon:
    """Chinese word -> English sense (`words`), and names glossed whole (`names`)."""

    words: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"words": dict(sorted(self.words.items())), "names": dict(sorted(self.names.items()))}

    @classmethod
    def from_json(cls, data: dict) -> Lexicon:
        return cls(dict(data["words"]), dict(data["names"]))

    @cached_property
    def names_pattern(self) -> re.Pattern[str]:
        """The names, longest first (they are glossed whole)."""
        names = sorted(self.names, key=len, reverse=True)
        return re.compile("|".join(map(re.escape, names)) or r"(?!)")

    @cached_property
    def _longest(self) -> int:
        return max((len(w) for w in self.words), default=1)

    @cached_property
    def _known(self) -> set[str]:
        return self.words.keys() | FUNCTION.keys()

    def add(self, word: str, english: str) -> None:
        """One more word (the cuts' caches follow)."""
        self.words[word] = english
        for cached in ("_longest", "_known"):
            self.__dict__.pop(cached, None)

    def sense(self, word: str) -> str | None:
        """The English of one word of `cut` ("" for a function word that adds nothing), or None."""
        if word in FUNCTION:
            return FUNCTION[word]
        return self.words.get(word)

    def cut(self, piece: str) -> list[str]:
        """`piece` cut into dictionary words (CC-CEDICT's that occur in the corpus): longest
        match from the left and from the right, keeping the cut with fewer single characters,
        then fewer words (培养基|地 loses to 培养|基地)."""
        known, longest = self._known, min(self._longest, len(piece))

        def cut(text: str, reverse: bool) -> list[str]:
            out: list[str] = []
            while text:
                for n in range(min(longest, len(text)), 0, -1):
                    w = text[-n:] if reverse else text[:n]
                    if n == 1 or w in known:
                        out.append(w)
                        text = text[:-n] if reverse else text[n:]
                        break
            return out[::-1] if reverse else out

        cuts = [cut(piece, False), cut(piece, True)]
        return min(cuts, key=lambda ws: (sum(len(w) == 1 for w in ws), len(ws)))


def build_lexicon(
    corpus_text: str,
    glossary: Iterable[tuple[str, str]],
    districts_en: Mapping[str, str],
    extra_names: Iterable[str] = (),
    dictionary: Dictionary | None = None,
) -> Lexicon:
    """The glosser for a corpus: CC-CEDICT senses for its words (those of two or more
    characters that occur in `corpus_text`, and every character), the glossary backwards
    and the district names as whole names."""
    dictionary = dictionary or Dictionary.for_text(corpus_text)
    names: dict[str, str] = {}
    for english, chinese in glossary:
        names.setdefault(chinese, english)  # the glossary's first English for a name is its own
    names.update(districts_en)
    wanted = dictionary.in_corpus | set(CJK.findall(corpus_text))
    senses: dict[str, list[tuple[bool, list[str]]]] = {}
    for entry in dictionary.entries:
        word = entry["simplified"]
        if word in wanted:
            senses.setdefault(word, []).append((entry["pinyin"][:1].isupper(), entry["definitions"]))
    glossed = {word: _sense(word, found) for word, found in senses.items()} | NEWS_SENSE
    lexicon = Lexicon({w: e for w, e in glossed.items() if e}, names)
    for name in extra_names:  # names jieba found that CC-CEDICT lacks (中朗): their pinyin,
        if len(name) >= 2 and CJK_RUN.fullmatch(name) and name not in lexicon.words:
            if any(len(w) == 1 for w in lexicon.cut(name)):  # unless its words gloss it
                lexicon.add(name, name_in_pinyin(name))
    return lexicon


def _sense(word: str, entries: list[tuple[bool, list[str]]]) -> str | None:
    """The first plain sense of the reading with most senses, common readings before proper
    names; a proper name that CC-CEDICT only describes ("Shandong province") keeps its name."""
    for proper, definitions in sorted(entries, key=lambda e: (e[0], -len(e[1]))):
        for definition in definitions:
            d = definition.strip()
            if not d or d.startswith(_CEDICT_SKIP) or CJK.search(d) or "variant" in d:
                continue
            d = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", d)
            d = re.split(r"[;,/]| or ", d)[0]
            d = re.sub(r"^(?:to|abbr\. for|short name for)\s+", "", d.strip())
            d = re.sub(r"\bsth\b|\bsb\b|\bone's\b", "", d)
            d = re.sub(r"\s+", " ", d).strip()
            if proper and _DESCRIBES.search(d):
                lead = re.match(r"(?:[A-Z][\w'-]*\s?)+", d)
                if not lead:
                    continue
                d = (
                    lead.group().strip() + _ADMIN_EN.get(word[-1], "")
                    if len(word) > 2
                    else lead.group().strip()
                )
            if d and len(d.split()) <= MAX_WORDS:
                return d
    return name_in_pinyin(word) if len(word) >= 2 and any(p for p, _ in entries) else None


def name_in_pinyin(word: str) -> str:
    """A name in pinyin, its administrative suffix in English: 山东省 -> Shandong Province."""
    if len(word) > 2 and word[-1] in _ADMIN_EN:
        return _pinyin(word[:-1]) + _ADMIN_EN[word[-1]]
    return _pinyin(word)


def _pinyin(word: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word)).capitalize()
