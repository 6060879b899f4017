"""The corpus's English glossary: `glossary.tsv`, English phrase TAB Chinese, one per line.

It gives the English bridge the names the dictionaries miss; it is checked when the
corpus is loaded and hashed into the corpus checksum with the texts.
"""

from __future__ import annotations

from pathlib import Path

from ..chinese import CJK
from .errors import CorpusError

GLOSSARY_FILE = "glossary.tsv"


def read_glossary(corpus_dir: Path) -> list[tuple[str, str]]:
    """(English, Chinese) pairs from glossary.tsv; '#' starts a comment."""
    path = Path(corpus_dir) / GLOSSARY_FILE
    if not path.exists():
        return []
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        english, sep, chinese = line.partition("\t")
        if not sep or not english.strip() or not CJK.search(chinese):
            raise CorpusError(f"{path}:{n}: expected 'English phrase<TAB>中文', got {line!r}")
        pairs.append((english.strip(), chinese.strip()))
    return pairs
