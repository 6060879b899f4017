"""The corpus stage's one error, and reading its JSON data files with it."""

from __future__ import annotations

import json
from pathlib import Path


class CorpusError(ValueError):
    """A corpus file or directory cannot be used; the message says which and what to do."""


def read_json(path: Path, hint: str = "") -> object:
    """A corpus data file's JSON; CorpusError names the file and line (and `hint`, what it
    should look like) when it is not UTF-8 or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise CorpusError(f"{path}:{err.lineno}: not valid JSON ({err.msg}){hint}") from None
    except UnicodeDecodeError as err:
        raise CorpusError(f"{path} is not UTF-8 (byte {err.start})") from None
