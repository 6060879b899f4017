"""Stage 1, the corpus: roundup files -> typed items (parse), the district gazetteer
(districts), the English glossary file, and the clauses an answer span is cut from."""

from .clauses import Clause, ClauseTable, split_clauses
from .districts import GAZETTEER_FILE, Gazetteer
from .errors import CorpusError
from .glossary import GLOSSARY_FILE, read_glossary
from .parse import Corpus, load_corpus, parse_roundup

__all__ = [
    "GAZETTEER_FILE", "GLOSSARY_FILE", "Clause", "ClauseTable", "Corpus", "CorpusError",
    "Gazetteer", "load_corpus", "parse_roundup", "read_glossary", "split_clauses",
]  # fmt: skip
