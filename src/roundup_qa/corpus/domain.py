"""What a corpus says about itself beyond its texts: `domain.json` beside the roundups.

    {"title": "...",             the chat's heading
     "examples": ["...", ...],   example questions the chat offers
     "words": ["...", ...],      phrases the tokenizer keeps whole (slogans jieba splits)
     "venues": ["...", ...]}     names that end a place answer (a hall, a park, a campus)

Every field is optional and a corpus without the file works: a plain title, no examples,
no extra words or venues. The file is hashed into the corpus checksum, so changing it
rebuilds the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError, read_json

DOMAIN_FILE = "domain.json"
DEFAULT_TITLE = "Roundup Q&A"


@dataclass(frozen=True)
class Domain:
    title: str = DEFAULT_TITLE
    examples: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()

    @classmethod
    def from_dir(cls, corpus_dir: str | Path) -> Domain:
        path = Path(corpus_dir) / DOMAIN_FILE
        if not path.exists():
            return cls()
        data = read_json(path)
        if not isinstance(data, dict):
            raise CorpusError(f'{path}: expected an object like {{"title": ..., "examples": [...]}}')
        unknown = set(data) - {"title", "examples", "words", "venues"}
        if unknown:
            raise CorpusError(
                f"{path}: unknown field(s) {sorted(unknown)}; known: title, examples, words, venues"
            )
        title = data.get("title", DEFAULT_TITLE)
        if not isinstance(title, str) or not title.strip():
            raise CorpusError(f'{path}: "title" must be a non-empty string')
        lists = {}
        for key in ("examples", "words", "venues"):
            value = data.get(key, [])
            if not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
                raise CorpusError(f'{path}: "{key}" must be a list of non-empty strings')
            lists[key] = tuple(v.strip() for v in value)
        return cls(title=title.strip(), **lists)
