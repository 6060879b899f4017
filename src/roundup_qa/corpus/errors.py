"""The corpus stage's one error: a file or directory that cannot be used."""


class CorpusError(ValueError):
    """A corpus file or directory cannot be used; the message says which and what to do."""
