"""Which district each item belongs to.

The roundup's section headers were lost, but its sections come in a known order
(`corpus/districts.json`). An item's district is inferred from the district names it
mentions and from its position: sections are contiguous and in order, so a monotone
assignment is chosen by dynamic programming. An item that names no district takes the
section of the items it shares rare phrases with (an organisation named again later), or,
failing that, stays in the section that is running.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..chinese import CJK_RUN
from ..records import Item
from .errors import CorpusError, read_json

GAZETTEER_FILE = "districts.json"
# A shared rare phrase counts far less than naming a district outright.
_AFFINITY_WEIGHT = 0.05
_TITLE_WEIGHT = 2.0
# Towns and subdistricts, the one matcher for them (tokenizer words, answer candidates, the
# index's place names): two characters, not an administrative word, then 镇 or 街道 (石桥镇, 南关街道).
TOWN_SUFFIXES = ("镇", "街道")
TOWN = re.compile(rf"[^\W\d_区县市省乡镇村建在对出动]{{2}}(?:{'|'.join(TOWN_SUFFIXES)})")


@dataclass(frozen=True)
class District:
    name: str
    en: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Gazetteer:
    """Districts in section order, with the aliases that name them."""

    districts: tuple[District, ...]
    blocked: tuple[str, ...]  # names that contain an alias but are not the district
    path: Path

    @classmethod
    def from_dir(cls, corpus_dir: str | Path) -> Gazetteer | None:
        path = Path(corpus_dir) / GAZETTEER_FILE
        if not path.exists():
            return None
        shape = '{"districts": [{"name": ..., "en": ..., "aliases": [...]}]}'
        data = read_json(path, f"; it needs {shape}")
        entries = data.get("districts") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise CorpusError(f'{path}: no "districts" list; it needs {shape}')
        districts = []
        for n, d in enumerate(entries, 1):
            if not (isinstance(d, dict) and isinstance(d.get("name"), str) and d["name"]):
                raise CorpusError(f"{path}: district {n} ({d!r}) has no name; it needs {shape}")
            aliases = d.get("aliases") or [d["name"]]
            if not (isinstance(aliases, list) and all(isinstance(a, str) and a for a in aliases)):
                raise CorpusError(f"{path}: district {n} ({d['name']}): aliases must be a list of names")
            districts.append(District(d["name"], str(d.get("en", d["name"])), tuple(aliases)))
        districts = tuple(districts)
        return cls(districts=districts, blocked=tuple(data.get("not", [])), path=path)

    def names(self) -> list[str]:
        """Every district name and alias."""
        return list(dict.fromkeys(a for d in self.districts for a in (d.name, *d.aliases)))

    def english(self) -> dict[str, str]:
        """District name -> English name."""
        return {d.name: d.en for d in self.districts}

    def mentions(self, text: str) -> Counter[str]:
        """District names mentioned in `text` (longest alias wins; blocked names ignored)."""
        names, pattern = self._matcher()
        return Counter(names[m.group()] for m in pattern.finditer(text) if names[m.group()])

    def _matcher(self) -> tuple[dict[str, str], re.Pattern[str]]:
        if "_m" not in self.__dict__:
            names = {a: d.name for d in self.districts for a in d.aliases}
            names.update({b: "" for b in self.blocked})
            pattern = re.compile("|".join(re.escape(a) for a in sorted(names, key=len, reverse=True)))
            object.__setattr__(self, "_m", (names, pattern))
        return self.__dict__["_m"]

    def infer(self, items: list[Item]) -> list[str]:
        """One district name per item, in section order."""
        if not items:
            return []
        names = [d.name for d in self.districts]
        direct = []
        for it in items:
            score = Counter({k: _TITLE_WEIGHT * v for k, v in self.mentions(it.title).items()})
            score.update(self.mentions(it.body))
            direct.append(score)
        affinity = self._affinity(items, direct)
        scores = [
            [direct[i][n] + _AFFINITY_WEIGHT * affinity[i][n] for n in names] for i in range(len(items))
        ]
        return [names[k] for k in _monotone_best(scores)]

    def _affinity(self, items: list[Item], direct: list[Counter[str]]) -> list[Counter[str]]:
        """For items naming no district: rare 4-character phrases shared with named items."""
        grams = [_grams(it.text) for it in items]
        where: dict[str, list[int]] = {}
        for i, gs in enumerate(grams):
            for g in gs:
                where.setdefault(g, []).append(i)
        label = [d.most_common(1)[0][0] if d else None for d in direct]
        out: list[Counter[str]] = []
        for i, gs in enumerate(grams):
            c: Counter[str] = Counter()
            if not direct[i]:
                for g in gs:
                    holders = where[g]
                    if 2 <= len(holders) <= 3:  # rare: a name, not a phrase of the genre
                        c.update(label[j] for j in holders if j != i and label[j] is not None)
            out.append(c)
        return out


def _grams(text: str, n: int = 4) -> set[str]:
    return {run[k : k + n] for run in CJK_RUN.findall(text) for k in range(len(run) - n + 1)}


def _monotone_best(scores: list[list[float]]) -> list[int]:
    """Non-decreasing section indices maximising the summed scores.

    Ties keep the earlier section: a section runs until items start naming the next one.
    """
    n, k = len(scores), len(scores[0])
    best = [[0.0] * k for _ in range(n)]
    for i in range(n):
        for d in range(k):
            prev = 0.0 if i == 0 else max(best[i - 1][: d + 1])
            best[i][d] = scores[i][d] + prev
    path = [0] * n
    limit = k - 1
    for i in range(n - 1, -1, -1):
        row = best[i][: limit + 1]
        top = max(row)
        path[i] = row.index(top)  # the earliest section among ties
        limit = path[i]
    return path
