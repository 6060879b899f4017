"""Readers' thumbs up / down on answers, kept in SQLite for a maintainer to review.

One row per click: the question, the whole answer record (JSON, as every door returns it),
the verdict, the time and the index version it came from. Nothing is stored unless a reader
clicks. WAL journal and one short transaction per click, with a busy timeout: many chat
workers and threads may write at once and none loses a click.

`export` writes the rows in the eval-set format (eval/questions.jsonl): a thumbs-up keeps
the answer as gold; a thumbs-down is marked `"difficulty": "disputed"`: the answer shown was
judged wrong, and a maintainer corrects the line before it joins an eval set.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VERDICTS = ("up", "down")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('up', 'down')),
    question TEXT NOT NULL,
    lang TEXT NOT NULL,
    answer TEXT,
    record TEXT NOT NULL,
    index_version TEXT NOT NULL
)
"""


class FeedbackStore:
    """The feedback database at `path` (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as err:
            raise RuntimeError(f"cannot open the feedback database {self.path}: {err}") from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)  # a click waits for another writer, never fails
        try:
            with db:  # one transaction: committed on success, rolled back on error
                yield db
        finally:
            db.close()

    def add(self, record: dict, verdict: str, index_version: str) -> int:
        """Store one click on an answer record (`Answer.to_dict()`); returns its row id."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO feedback (at, verdict, question, lang, answer, record, index_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (time.time(), verdict, record.get("question", ""), record.get("lang", "zh"), record.get("answer"),
                 json.dumps(record, ensure_ascii=False), index_version),
            )  # fmt: skip
            return int(cur.lastrowid)

    def stats(self) -> dict:
        """Counts: all, by verdict, by language, and answered vs refused."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT verdict, lang, answer IS NULL, COUNT(*) FROM feedback GROUP BY 1, 2, 3"
            ).fetchall()
        out: dict = {"total": 0, "up": 0, "down": 0, "by_lang": {}, "on_refusals": 0}
        for verdict, lang, refused, n in rows:
            out["total"] += n
            out[verdict] += n
            out["by_lang"].setdefault(lang, {"up": 0, "down": 0})[verdict] += n
            out["on_refusals"] += n if refused else 0
        return out

    def rows(self) -> list[dict]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]

    def export(self, target: str | Path) -> int:
        """Write every row as an eval-set line to `target`; returns how many."""
        lines = []
        for row in self.rows():
            record = json.loads(row["record"])
            citation = record.get("citation") or {}
            answered = row["answer"] is not None
            line = {
                "id": f"feedback-{row['id']}",
                "lang": row["lang"],
                "question": row["question"],
                "item": citation.get("item") if answered else None,
                "answers": [row["answer"]] if answered else [],
                "source": citation.get("source") if answered else None,
                "type": record.get("expected_type") or "other",
                "difficulty": "feedback" if row["verdict"] == "up" else "disputed",
            }
            lines.append(json.dumps(line, ensure_ascii=False))
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        return len(lines)
