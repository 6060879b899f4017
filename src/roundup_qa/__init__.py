"""roundup-qa: extractive, cited answers about a Chinese news roundup (Chinese or English questions)."""

from .config import Config
from .corpus.parse import CorpusError, load_corpus, parse_roundup
from .pipeline import InputError, RoundupQA
from .records import Answer, Citation, Item, Passage
from .store import IndexNotReady
from .version import __version__

__all__ = [
    "Answer", "Citation", "Config", "CorpusError", "IndexNotReady", "InputError", "Item", "Passage",
    "RoundupQA", "load_corpus", "parse_roundup", "__version__",
]  # fmt: skip
