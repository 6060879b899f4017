"""Start the web chat: `python app.py` (same as `roundup-qa serve`).

Environment: ROUNDUP_QA_HOST (default 127.0.0.1), ROUNDUP_QA_PORT (default 7860),
ROUNDUP_QA_INDEX (default index/), ROUNDUP_QA_CORPUS (default corpus/),
ROUNDUP_QA_FRAME_ANCESTORS (space-separated origins: only they may frame the widget; default any),
ROUNDUP_QA_FEEDBACK (SQLite file for thumbs up/down; default ~/.cache/roundup-qa/feedback.sqlite,
"none" for no feedback buttons).
A missing or stale index is built first, with a progress bar.
"""

import logging
import os

from roundup_qa import Config, RoundupQA
from roundup_qa.retrieval.packaged import cache_dir
from roundup_qa.web import serve

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    qa = RoundupQA.load(
        os.environ.get("ROUNDUP_QA_INDEX", "index"),
        corpus=os.environ.get("ROUNDUP_QA_CORPUS", "corpus"),
        config=Config().with_overrides(engine_threads=1),  # questions answered side by side
    )
    feedback = os.environ.get("ROUNDUP_QA_FEEDBACK", str(cache_dir() / "feedback.sqlite"))
    serve(
        qa,
        host=os.environ.get("ROUNDUP_QA_HOST", "127.0.0.1"),
        port=int(os.environ.get("ROUNDUP_QA_PORT", "7860")),
        frame_ancestors=os.environ.get("ROUNDUP_QA_FRAME_ANCESTORS", "").split(),
        feedback=None if feedback.lower() == "none" else feedback,
    )
