"""Roundup files -> items.

A roundup is an intro paragraph, then items (a line starting with "●" is an item's title;
the item runs to the next "●"), then an optional credit line such as "(记者 …)". Intro and
credit are kept as metadata, not items.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..records import Item
from .districts import GAZETTEER_FILE, Gazetteer
from .domain import DOMAIN_FILE, Domain
from .errors import CorpusError
from .glossary import GLOSSARY_FILE, read_glossary

log = logging.getLogger(__name__)

BULLET = "●"
# A trailing "(记者 … 通讯员 …)" or "来源:" line credits the reporters; it is not news.
_CREDIT = re.compile(r"^\s*[((\[【]?\s*(记者|通讯员|来源|编辑|作者|责编|供稿)")


@dataclass(frozen=True)
class Roundup:
    """One parsed roundup file."""

    source: str
    intro: str
    credit: str
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Corpus:
    """All roundups of a corpus directory, items in file-name order."""

    roundups: list[Roundup]
    sha256: str  # over every file that shapes the index (texts, gazetteer, glossary, domain)
    gazetteer: Gazetteer | None = None  # districts.json, when the corpus has one
    domain: Domain = field(default_factory=Domain)  # domain.json: title, examples, words, venues

    @property
    def items(self) -> list[Item]:
        return [item for r in self.roundups for item in r.items]


def parse_roundup(text: str, source: str) -> Roundup:
    """Split one roundup text into items, with offsets into `text`."""
    if not text.strip():
        raise CorpusError(f"{source} is empty: a roundup needs items starting with {BULLET}")
    lines = _lines_with_offsets(text)
    starts = [i for i, (_, line) in enumerate(lines) if line.lstrip().startswith(BULLET)]
    if not starts:
        raise CorpusError(f"no items found in {source}: items must start with a line beginning with {BULLET}")
    intro = "\n".join(line.strip() for _, line in lines[: starts[0]] if line.strip())
    credit = ""
    # Credit lines trail the last item; peel them off before cutting items.
    last = len(lines)
    while last > starts[-1] + 1 and (not lines[last - 1][1].strip() or _CREDIT.match(lines[last - 1][1])):
        if lines[last - 1][1].strip():
            credit = lines[last - 1][1].strip() + ("\n" + credit if credit else "")
        last -= 1

    items = []
    bounds = starts[1:] + [last]
    for number, (first, stop) in enumerate(zip(starts, bounds, strict=True), start=1):
        offset, title_line = lines[first]
        lead = len(title_line) - len(title_line.lstrip()) + len(BULLET)
        title_raw = title_line[lead:]
        title = title_raw.strip()
        title_start = offset + lead + (len(title_raw) - len(title_raw.lstrip()))
        body_lines = [(o, line) for o, line in lines[first + 1 : stop] if line.strip()]
        if body_lines:
            b_off, b_first = body_lines[0]
            body_start = b_off + len(b_first) - len(b_first.lstrip())
            l_off, l_last = body_lines[-1]
            end = l_off + len(l_last.rstrip())
            body = text[body_start:end]
        else:
            body_start = end = title_start + len(title)
            body = ""
        if not title:
            raise CorpusError(f"{source}: item {number} has an empty title line after {BULLET}")
        items.append(
            Item(
                source=source,
                number=number,
                title=title,
                body=body,
                district="",
                start=offset,
                end=end,
                title_start=title_start,
                body_start=body_start,
            )
        )
    return Roundup(source=source, intro=intro, credit=credit, items=items)


def load_corpus(directory: str | Path) -> Corpus:
    """Parse every `.txt` in `directory` and infer districts from its gazetteer, if any."""
    root = Path(directory)
    if not root.is_dir():
        raise CorpusError(f"corpus directory {root} does not exist: pass --corpus DIR")
    files = sorted(root.glob("*.txt"))
    if not files:
        raise CorpusError(f"no .txt roundup files in {root}: put roundup texts there")
    digest = hashlib.sha256()
    gazetteer = Gazetteer.from_dir(root)
    read_glossary(root)  # a bad line is reported now, not halfway through a build
    domain = Domain.from_dir(root)
    for extra in (GAZETTEER_FILE, GLOSSARY_FILE, DOMAIN_FILE):  # data files that shape the index too
        if (root / extra).exists():
            digest.update(extra.encode() + b"\0" + (root / extra).read_bytes())
    roundups = []
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(raw).digest())
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise CorpusError(
                f"{path} is not UTF-8 (byte {err.start}): convert it, "
                f"e.g. iconv -f GBK -t UTF-8 {path.name} > fixed.txt"
            ) from None
        roundup = parse_roundup(text, path.name)
        if gazetteer is not None:
            districts = gazetteer.infer(roundup.items)
            items = [replace(it, district=d) for it, d in zip(roundup.items, districts, strict=True)]
            roundup = replace(roundup, items=items)
        roundups.append(roundup)
    roundups = _without_repeats(roundups)
    return Corpus(roundups=roundups, sha256=digest.hexdigest(), gazetteer=gazetteer, domain=domain)


def _without_repeats(roundups: list[Roundup]) -> list[Roundup]:
    """Drop items that repeat an earlier item word for word (same title and body), with a
    warning; numbers stay as in the file, so citations still point at the right place."""
    seen: dict[tuple[str, str], Item] = {}
    out = []
    for r in roundups:
        kept = []
        for it in r.items:
            first = seen.setdefault((it.title, it.body), it)
            if first is it:
                kept.append(it)
            else:
                log.warning(
                    "%s item %d repeats %s item %d: indexed once",
                    it.source,
                    it.number,
                    first.source,
                    first.number,
                )
        out.append(replace(r, items=kept))
    return out


def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        out.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    return out
