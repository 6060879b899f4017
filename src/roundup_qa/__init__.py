"""roundup-qa: extractive, cited answers about a Chinese news roundup (Chinese or English questions)."""

__version__ = "0.1.0"

from .config import Config  # noqa: E402
from .corpus import CorpusError, load_corpus, parse_roundup  # noqa: E402
from .pipeline import RoundupQA  # noqa: E402
from .records import Answer, Citation, Item, Passage  # noqa: E402
from .store import IndexNotReady  # noqa: E402

__all__ = [
    "Answer", "Citation", "Config", "CorpusError", "IndexNotReady", "Item", "Passage",
    "RoundupQA", "load_corpus", "parse_roundup", "__version__",
]  # fmt: skip
