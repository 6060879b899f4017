"""The web chat: a thin Gradio shell over `RoundupQA.ask`, and the app that serves it.

    /          the chat (bilingual; evidence panel; district filter; the `ask` API endpoint)
    /widget/   the same chat, compact, for embedding in a sidebar

Building the UI starts no server and loads no model; `serve()` / `start()` do both.
Everything a page shows from the user or the corpus goes through `text()`: HTML escaped and
Markdown marks escaped, so a question or a corpus line cannot inject markup or script.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .api import ServingLimits
from .api import install as install_api
from .config import Config
from .pipeline import InputError, RoundupQA
from .records import Answer
from .version import __version__

log = logging.getLogger(__name__)

ALL_DISTRICTS = "全部 · All"
# ask() is CPU-bound (~20 ms); one per core on these 2-core machines. Queue concurrency
# 1, 2 and 4 gave the same throughput under 50 clients (README, Robustness), the Gradio
# round trip dominating
CONCURRENCY = 2
# the answer span in the evidence: dark text on amber in both themes (the theme's own text
# colour on the browser's yellow mark was near-white on yellow in the dark theme, 1.02:1);
# contrast 11.8:1 light, 12.3:1 dark (tests/test_web.py measures it from the rendered styles)
CSS = """
#evidence mark, #chat mark { background: #fde68a !important; color: #1f2937 !important; padding: 0 2px; border-radius: 2px; }
.dark #evidence mark, .dark #chat mark { background: #fcd34d !important; color: #111827 !important; }
"""
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")
_LABELS = {
    "zh": {"none": "综述中没有找到答案。", "closest": "最接近的条目:", "searched": "检索词", "why": "依据"},
    "en": {
        "none": "The roundup does not say.",
        "closest": "Closest items:",
        "searched": "searched for",
        "why": "why",
    },
}


def text(s: str) -> str:
    """User or corpus text made inert: HTML escaped, then Markdown marks escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(s, quote=False))


def reply_markdown(answer: Answer) -> str:
    """The chat reply: the answer in bold (with its English rendering for English
    questions), then the citation as [#12 · 西山区] title."""
    lang = "en" if answer.lang == "en" else "zh"
    labels = _LABELS[lang]
    if answer.answer is None:
        msg = labels["none"]
        if answer.reason and answer.reason != "empty question":
            msg += f" ({text(answer.reason)})"
        closest = ", ".join(f"#{p.item} {text(p.title)}" for p in answer.passages[:3])
        if closest:
            msg += f" {labels['closest']} {closest}"
        for note in answer.notes:  # e.g. only one district was searched, and what the rest says
            msg += f"\n\n*{text(note)}*"
        return msg
    c = answer.citation
    district = text((answer.district_en if lang == "en" else None) or c.district or "–")
    shown = f"**{text(answer.answer)}**"
    if lang == "en" and answer.answer_en:
        shown += f" ({text(answer.answer_en)})"
    return f"{shown}\n\n\\[#{c.item} · {district}\\] {text(c.title)}"


def evidence_title(answer: Answer) -> dict:
    """The folded evidence block under an answer (a Gradio chat message's metadata)."""
    c = answer.citation
    cited = f" · #{c.item}" if c is not None and answer.answer is not None else ""
    return {"title": f"Evidence · 证据{cited}", "status": "done"}


def evidence_markdown(answer: Answer) -> str:
    """The passages, whole, with the answer span marked in the cited one, and each
    passage's BM25 rank, dense rank and fused score."""
    if not answer.passages:
        return ""
    labels = _LABELS["en" if answer.lang == "en" else "zh"]
    out = []
    if answer.answer is not None:
        out.append(f"*{labels['why']}: {text(answer.explanation)}*")
    if answer.searched_for:
        out.append(f"*{labels['searched']}: {text(' '.join(answer.searched_for))}*")
    c = answer.citation
    for p in answer.passages:
        body = p.text
        if c is not None and answer.answer is not None and c.item == p.item and c.source == p.source:
            shown = f"{text(body[: c.start])}<mark>{text(body[c.start : c.end])}</mark>{text(body[c.end :])}"
        else:
            shown = text(body)
        ranks = ", ".join(f"{k} {v if v is not None else '–'}" for k, v in p.ranks.items())
        out.append(f"**#{p.item} · {text(p.district or '–')}** · fused {p.score:.4f} ({ranks})\n\n{shown}")
    return "\n\n---\n\n".join(out)


def build_demo(qa: RoundupQA, compact: bool = False, concurrency: int = CONCURRENCY):
    """The Gradio Blocks app (not launched). `compact` is the sidebar widget."""
    import gradio as gr

    districts = qa.districts
    english = qa.index.manifest.places.districts_en
    chat = qa.index.manifest.chat
    choices = [ALL_DISTRICTS] + [f"{d} · {english[d]}" if d in english else d for d in districts]

    def respond(message: str, history: list, district: str = ALL_DISTRICTS):
        if not (message or "").strip():  # nothing asked: no empty bubble, no reply
            return list(history or []), "", gr.skip()
        chosen = None if not district or district == ALL_DISTRICTS else district.split(" · ")[0]
        try:
            answer = qa.ask(message, district=chosen)
        except InputError as err:  # the same limits as every door: say so, keep the question
            shown = message[: qa.config.max_question_chars] + (
                "…" if len(message) > qa.config.max_question_chars else ""
            )
            history = list(history or []) + [
                {"role": "user", "content": text(shown)},
                {"role": "assistant", "content": f"**无法提问 · Not asked:** {text(str(err))}"},
            ]
            return history, message, gr.skip()
        evidence = evidence_markdown(answer)
        history = list(history or []) + [
            {"role": "user", "content": text(message or "")},
            {"role": "assistant", "content": reply_markdown(answer)},
        ]
        if evidence:  # each answer keeps its own evidence, folded under it
            history.append({"role": "assistant", "content": evidence, "metadata": evidence_title(answer)})
        return history, "", evidence

    def ask(question: str, top_k: int = 5, district: str = "") -> dict:
        """Answer a question about the roundup; returns the answer record (RoundupQA.ask().to_dict())."""
        try:
            return qa.ask(question, top_k=int(top_k), district=district or None).to_dict()
        except InputError as err:
            raise gr.Error(str(err)) from None

    with gr.Blocks(title="roundup-qa", analytics_enabled=False, fill_height=compact) as demo:
        if not compact:
            gr.Markdown(f"## {text(chat.title)}")
        chatbot = gr.Chatbot(label="Chat · 对话", height=360 if compact else 460, elem_id="chat")
        box = gr.Textbox(
            placeholder="用中文或英文提问 · Ask in Chinese or English",
            show_label=False,
            elem_id="question",
            submit_btn=True,
        )
        district = gr.Dropdown(
            choices, value=ALL_DISTRICTS, label="District · 县区", elem_id="district", visible=not compact
        )
        if chat.examples:  # the corpus's domain.json
            examples = gr.Examples(chat.examples if not compact else chat.examples[::2], inputs=box)
        with gr.Accordion("Evidence · 证据", open=False, elem_id="evidence-panel"):
            evidence = gr.Markdown(elem_id="evidence")
        box.submit(respond, [box, chatbot, district], [chatbot, box, evidence], api_visibility="private")
        if chat.examples:  # a click on an example asks it, not only fills the box
            examples.load_input_event.then(
                respond, [box, chatbot, district], [chatbot, box, evidence], api_visibility="private"
            )
        if not compact:
            gr.api(ask, api_name="ask")
    demo.queue(default_concurrency_limit=concurrency)
    return demo


def frame_policy(origins: Sequence[str]) -> str:
    """The CSP header value: the app's own origin plus `origins` may frame it."""
    for o in origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", o):
            raise ValueError(f"frame ancestor {o!r} must be an origin like https://example.org")
    return "frame-ancestors " + " ".join(["'self'", *origins])


def create_app(
    qa: RoundupQA,
    frame_ancestors: Sequence[str] = (),
    concurrency: int = CONCURRENCY,
    limits: ServingLimits | None = None,
):
    """FastAPI app serving the chat at / and the widget at /widget/.

    Only the app's own origin and `frame_ancestors` may frame it (CSP frame-ancestors) or
    call it from a browser (CORS): Gradio's default CORS would allow any origin.
    """
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    policy = frame_policy(frame_ancestors)
    app = FastAPI(
        title="roundup-qa",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(CORSMiddleware, allow_origins=list(frame_ancestors), allow_methods=["GET", "POST"])

    @app.middleware("http")
    async def security_headers(request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    install_api(app, qa, limits)  # /api/..., /metrics: before the chat, which is mounted at the root
    theme = gr.themes.Default()  # local fonts only: nothing is fetched from a CDN
    widget, chat = build_demo(qa, True, concurrency), build_demo(qa, False, concurrency)
    app = gr.mount_gradio_app(app, widget, path="/widget", theme=theme, footer_links=[], css=CSS)
    app = gr.mount_gradio_app(app, chat, path="", theme=theme, css=CSS)
    return app


def serve(
    qa: RoundupQA,
    host: str = "127.0.0.1",
    port: int = 7860,
    frame_ancestors: Sequence[str] = (),
    limits: ServingLimits | None = None,
) -> None:
    """Warm the model up, then serve until interrupted."""
    import uvicorn

    qa.warm_up()
    _json_access_log()
    app = create_app(qa, frame_ancestors, limits=limits)
    log.info("chat on http://%s:%d/ (widget: /widget/)", host, port)
    uvicorn.run(app, host=host, port=port, log_level="warning")


WORKER_ENV = "ROUNDUP_QA_WORKER"  # how `serve_workers` tells each worker what to load


def serve_workers(
    workers: int,
    index: str,
    corpus: str | None,
    config: Config,
    host: str = "127.0.0.1",
    port: int = 7860,
    frame_ancestors: Sequence[str] = (),
    limits: ServingLimits | None = None,
) -> None:
    """Serve from `workers` processes on one port (uvicorn's workers). Each loads the index
    itself, built beforehand: its arrays are memory-mapped, so the page cache holds one copy;
    what each worker adds is its own models and answering threads."""
    import uvicorn

    limits = limits or ServingLimits()
    os.environ[WORKER_ENV] = json.dumps({
        "index": index, "corpus": corpus, "config": config.to_dict(), "frame_ancestors": list(frame_ancestors),
        "limits": dataclasses.asdict(limits),
    })  # fmt: skip
    log.info("chat on http://%s:%d/ from %d worker processes", host, port, workers)
    uvicorn.run(
        "roundup_qa.web:worker_app", factory=True, host=host, port=port, workers=workers, log_level="warning"
    )


def worker_app():
    """One worker's app (uvicorn calls this in each process `serve_workers` starts)."""
    spec = json.loads(os.environ[WORKER_ENV])
    _json_access_log()
    qa = RoundupQA.load(spec["index"], corpus=spec["corpus"], config=Config(**spec["config"]), rebuild=False)
    qa.warm_up()
    return create_app(qa, spec["frame_ancestors"], limits=ServingLimits(**spec["limits"]))


def _json_access_log() -> None:
    access = logging.getLogger("roundup_qa.access")  # JSON lines on stderr, one per API request
    if not access.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False


@dataclass
class Running:
    """A server started in a background thread (tests, notebooks)."""

    url: str
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start(
    qa: RoundupQA,
    host: str = "127.0.0.1",
    port: int = 0,
    frame_ancestors: Sequence[str] = (),
    concurrency: int = CONCURRENCY,
    limits: ServingLimits | None = None,
) -> Running:
    """Serve in a background thread; returns once it accepts connections."""
    import socket

    import uvicorn

    if port == 0:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    qa.warm_up()
    config = uvicorn.Config(
        create_app(qa, frame_ancestors, concurrency, limits), host=host, port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the chat server did not start on {host}:{port}")
        time.sleep(0.05)
    return Running(f"http://{host}:{port}", server, thread)
