"""The web chat: a thin Gradio shell over `RoundupQA.ask`, and the app that serves it.

    /          the chat (bilingual; welcome; items; evidence; district filter; the `ask` API endpoint)
    /widget/   the same chat, compact, for embedding in any page: frameable by any origin
               unless `frame_ancestors` names the allowed ones (it is read-only, no credentials)

Building the UI starts no server and loads no model; `serve()` / `start()` do both. What a
message shows is made in messages.py (escaped there); feedback clicks go to feedback.py.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .api import Busy, Gate, Metrics
from .api import install as install_api
from .config import Config
from .feedback import FeedbackStore
from .guard import Guard, ServingLimits, arrived, uvicorn_options
from .messages import (  # noqa: F401  (reply_markdown, text: part of this module's interface)
    Display,
    evidence_markdown,
    evidence_title,
    items_html,
    not_asked_markdown,
    reply_markdown,
    text,
    welcome_markdown,
)
from .pipeline import InputError, RoundupQA, detect_language
from .version import __version__

log = logging.getLogger(__name__)

ALL_DISTRICTS = "全部 · All"
# the answer span in the evidence: dark text on amber in both themes (the theme's own text
# colour on the browser's yellow mark was near-white on yellow in the dark theme, 1.02:1);
# contrast 11.8:1 light, 12.3:1 dark (tests/test_web.py measures it from the rendered styles)
# citation chips: dark blue on pale blue, light blue on dark blue in the dark theme: 8.4:1 (WCAG formula)
CSS = """
#evidence mark, #chat mark { background: #fde68a !important; color: #1f2937 !important; padding: 0 2px; border-radius: 2px; }
.dark #evidence mark, .dark #chat mark { background: #fcd34d !important; color: #111827 !important; }
#chat .chip, #items .chip { display: inline-block; background: #e0e7ff; color: #1e3a8a; border-radius: 8px; padding: 1px 8px; margin: 2px 0; font-size: 0.9em; }
.dark #chat .chip, .dark #items .chip { background: #1e3a8a; color: #e0e7ff; }
#items details { margin: 2px 0 2px 8px; } #items summary { cursor: pointer; } #items .gloss { opacity: 0.8; font-style: italic; }
"""
HINT = "请输入问题 · Type a question first"


def build_demo(
    qa: RoundupQA,
    compact: bool = False,
    concurrency: int | None = None,
    feedback: FeedbackStore | None = None,
    gate: Gate | None = None,
):
    """The Gradio Blocks app (not launched). `compact` is the sidebar widget. With `feedback`,
    a thumbs up / down on an answer is stored there (nothing is stored without a click).
    Questions are answered through `gate` (shared with the JSON API when served): the same
    threads, queue bound and deadline as the API, and the same "busy, try again"."""
    import gradio as gr

    gate = gate or Gate(ServingLimits(), Metrics())
    # Gradio hands every event to the gate at once (the gate bounds and times the wait);
    # Gradio's own queue holds at most as many more before it answers 503
    concurrency = concurrency or gate.limits.queue

    districts = qa.districts
    display = Display.of(qa)
    english = display.districts_en
    m = qa.index.manifest
    chat = m.chat
    choices = [ALL_DISTRICTS] + [f"{english[d]} · {d}" if d in english else d for d in districts]
    by_choice = {c: c.split(" · ")[-1] for c in choices[1:]}  # "Hekou District · 河口区" -> 河口区

    async def respond(
        message: str, history: list, records: dict, district: str = ALL_DISTRICTS, request: gr.Request = None
    ):
        if not (message or "").strip():  # nothing asked: a hint, no bubble, no reply
            gr.Info(HINT)
            return list(history or []), "", gr.skip(), records
        chosen = by_choice.get(district) if district and district != ALL_DISTRICTS else None
        lang = detect_language(message)
        try:
            turns = _turns(records)  # the conversation so far: a follow-up is read against it
            answer = await gate.run(qa.ask, message, 5, chosen, None, turns, since=_arrived(request))
        except (InputError, Busy) as err:  # the same limits as every door: say so, keep the question
            shown = message[: qa.config.max_question_chars] + (
                "…" if len(message) > qa.config.max_question_chars else ""
            )
            history = list(history or []) + [
                {"role": "user", "content": text(shown)},
                {"role": "assistant", "content": not_asked_markdown(str(err), lang)},
            ]
            return history, message, gr.skip(), records
        evidence = evidence_markdown(answer, display)
        history = list(history or []) + [{"role": "user", "content": text(message or "")}]
        records, record = dict(records or {}), answer.to_dict()
        records[str(len(history))] = record  # the reply's index: what a click on it rates
        history.append({"role": "assistant", "content": reply_markdown(answer, display)})
        if evidence:  # each answer keeps its own evidence, folded under it
            records[str(len(history))] = record
            history.append({"role": "assistant", "content": evidence, "metadata": evidence_title(answer)})
        return history, "", evidence, records

    def rate(records: dict, like: gr.LikeData):
        record = (records or {}).get(str(like.index))
        if feedback is None or record is None or not isinstance(like.liked, bool):
            return  # a message that is no answer (a limit's reply), or a click taken back
        feedback.add(record, "up" if like.liked else "down", qa.backend.version)

    rate.__annotations__["like"] = gr.LikeData  # Gradio finds the event data by this annotation

    async def _answer(question, top_k, district, history, request) -> dict:
        try:
            # the inputs as sent, checked like every door's (RoundupQA.check): "abc" or 2.7 for
            # top_k, or a number for the question, is refused by name, never coerced
            qa.check(question, top_k, district or None)
            turns = qa.check_history(history)
            answer = await gate.run(
                qa.ask, question, top_k, district or None, None, turns, since=_arrived(request)
            )
            return answer.to_dict()
        except (InputError, Busy) as err:
            raise gr.Error(str(err), print_exception=False) from None  # a refusal, not a server fault

    async def ask(question: str, top_k: int = 5, district: str = "", request: gr.Request = None) -> dict:
        """Answer a question about the roundup; returns the answer record (RoundupQA.ask().to_dict())."""
        return await _answer(question, top_k, district, None, request)

    async def converse(
        question: str,
        top_k: int = 5,
        district: str = "",
        history: list | None = None,
        request: gr.Request = None,
    ) -> dict:
        """`ask` within a conversation: `history` holds the earlier turns, oldest first, each
        {"question": ..., "item": n or null}; a follow-up is read against the last one (`read_as`)."""
        return await _answer(question, top_k, district, history, request)

    for fn in (respond, ask, converse):  # Gradio passes the request by this annotation (not an API input)
        fn.__annotations__["request"] = gr.Request

    with gr.Blocks(title="roundup-qa", analytics_enabled=False, fill_height=compact) as demo:
        if not compact:
            gr.Markdown(f"## {text(chat.title)}")
            intro = " ".join(v for v in m.corpus.intro.values() if v)
            with gr.Accordion("About · 关于", open=True, elem_id="welcome"):
                gr.Markdown(welcome_markdown(chat.title, intro, districts, display, len(qa.index.items)))
        records = gr.State({})
        chatbot = gr.Chatbot(
            label="Chat · 对话", height=360 if compact else 460, elem_id="chat",
            feedback_options=("Like", "Dislike") if feedback is not None else (),
        )  # fmt: skip
        box = gr.Textbox(
            placeholder="用中文或英文提问 · Ask in Chinese or English",
            show_label=False,
            elem_id="question",
            submit_btn=True,
        )
        with gr.Row():
            district = gr.Dropdown(
                choices, value=ALL_DISTRICTS, label="District · 县区", elem_id="district", visible=not compact,
                scale=3,
            )  # fmt: skip
            new_chat = gr.Button("New chat · 新对话", elem_id="new-chat", variant="secondary", scale=1)
        if chat.examples:  # the corpus's domain.json
            examples = gr.Examples(chat.examples if not compact else chat.examples[::2], inputs=box)
        with gr.Accordion("Evidence · 证据", open=False, elem_id="evidence-panel"):
            evidence = gr.Markdown(elem_id="evidence")
        if not compact:
            with gr.Accordion(f"Items · 条目 ({len(qa.index.items)})", open=False, elem_id="items-panel"):
                gr.HTML(items_html(qa.index.items, display), elem_id="items")
        asked = [box, chatbot, records, district]
        answered = [chatbot, box, evidence, records]
        box.submit(respond, asked, answered, api_visibility="private")
        if chat.examples:  # a click on an example asks it, not only fills the box
            examples.load_input_event.then(respond, asked, answered, api_visibility="private")
        new_chat.click(lambda: ([], "", "", {}), None, answered, api_visibility="private")
        if feedback is not None:
            chatbot.like(rate, [records], None, api_visibility="private")
        if not compact:
            gr.api(ask, api_name="ask")
            gr.api(converse, api_name="converse")
    demo.queue(default_concurrency_limit=concurrency, max_size=gate.limits.queue)
    return demo


def _turns(records: dict | None) -> list[dict]:
    """The chat's earlier turns, oldest first, from the records it keeps per reply (a reply
    and its evidence share one); a follow-up's turn is the question as it was read, its item
    the one cited, or the one item a browsing reply listed ("Tell me about the dragon boat race"
    lists #8: "When did it open?" is asked of #8)."""
    turns, last = [], None
    for key in sorted((records or {}), key=int):
        record = records[key]
        if record == last or not isinstance(record, dict) or not isinstance(record.get("question"), str):
            continue
        last = record
        citation = record.get("citation") or {}
        parts = record.get("parts") or []
        if not citation and len(parts) == 1 and isinstance(parts[0], dict):
            citation = parts[0].get("citation") or {}
        turns.append({"question": record.get("read_as") or record["question"], "item": citation.get("item")})
    return turns


def _arrived(request) -> float | None:
    """When the chat's request reached the server: the gate's deadline counts from there,
    time in Gradio's own queue included."""
    scope = getattr(getattr(request, "request", None), "scope", None)
    return arrived(scope) if isinstance(scope, dict) else None


def frame_policy(origins: Sequence[str], anyone: bool = False) -> str:
    """The CSP header value: the app's own origin plus `origins` may frame it; with `anyone`
    and no `origins`, any page may."""
    for o in origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", o):
            raise ValueError(f"frame ancestor {o!r} must be an origin like https://example.org")
    if anyone and not origins:
        return "frame-ancestors *"
    return "frame-ancestors " + " ".join(["'self'", *origins])


def create_app(
    qa: RoundupQA,
    frame_ancestors: Sequence[str] = (),
    concurrency: int | None = None,
    limits: ServingLimits | None = None,
    feedback: FeedbackStore | None = None,
):
    """FastAPI app serving the chat at / and the widget at /widget/.

    Framing (CSP frame-ancestors): the chat only by its own origin; the widget by any page,
    so the README's snippet works when pasted, unless `frame_ancestors` names the origins
    allowed (then only those and the app's own). The widget is read-only and carries no
    credentials: framing it gives a host page nothing it could not get by asking.
    Browser calls from another origin (CORS) are refused unless named in `frame_ancestors`:
    Gradio's default CORS would allow any origin. The framed widget calls its own origin.
    """
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    page_policy, widget_policy = frame_policy(()), frame_policy(frame_ancestors, anyone=True)
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
        widget = request.url.path == "/widget" or request.url.path.startswith("/widget/")
        response.headers["Content-Security-Policy"] = widget_policy if widget else page_policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    limits = limits or ServingLimits()
    gate = install_api(app, qa, limits)  # /api/..., /metrics: before the chat, which is mounted at the root
    api_routes = list(app.routes)  # the API's own, before the chat is mounted at the root
    theme = gr.themes.Default()  # local fonts only: nothing is fetched from a CDN
    widget = build_demo(qa, True, concurrency, feedback, gate)
    chat = build_demo(qa, False, concurrency, feedback, gate)
    app = gr.mount_gradio_app(app, widget, path="/widget", theme=theme, footer_links=[], css=CSS)
    app = gr.mount_gradio_app(app, chat, path="", theme=theme, css=CSS)
    return Guard(app, limits, api_routes)  # the one policy of every route (guard.py)


def serve(
    qa: RoundupQA,
    host: str = "127.0.0.1",
    port: int = 7860,
    frame_ancestors: Sequence[str] = (),
    limits: ServingLimits | None = None,
    feedback: str | os.PathLike | None = None,
) -> None:
    """Warm the model up, then serve until interrupted (feedback clicks stored at `feedback`)."""
    import uvicorn

    qa.warm_up()
    _json_access_log()
    limits = limits or ServingLimits()
    app = create_app(qa, frame_ancestors, limits=limits, feedback=_store(feedback))
    log.info("chat on http://%s:%d/ (widget: /widget/)", host, port)
    uvicorn.run(app, host=host, port=port, log_level="warning", **uvicorn_options(limits))


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
    feedback: str | os.PathLike | None = None,
) -> None:
    """Serve from `workers` processes on one port (uvicorn's workers). Each loads the index
    itself, built beforehand: its arrays are memory-mapped, so the page cache holds one copy;
    what each worker adds is its own models and answering threads."""
    import uvicorn

    limits = limits or ServingLimits()
    os.environ[WORKER_ENV] = json.dumps({
        "index": index, "corpus": corpus, "config": config.to_dict(), "frame_ancestors": list(frame_ancestors),
        "limits": dataclasses.asdict(limits), "feedback": None if feedback is None else str(feedback),
    })  # fmt: skip
    log.info("chat on http://%s:%d/ from %d worker processes", host, port, workers)
    uvicorn.run(
        "roundup_qa.web:worker_app", factory=True, host=host, port=port, workers=workers, log_level="warning",
        **uvicorn_options(limits),
    )  # fmt: skip


def worker_app():
    """One worker's app (uvicorn calls this in each process `serve_workers` starts)."""
    spec = json.loads(os.environ[WORKER_ENV])
    _json_access_log()
    qa = RoundupQA.load(spec["index"], corpus=spec["corpus"], config=Config(**spec["config"]), rebuild=False)
    qa.warm_up()
    limits = ServingLimits(**spec["limits"])
    uvicorn_options(limits)  # this process's copy of the policy's connection timeouts
    return create_app(qa, spec["frame_ancestors"], limits=limits, feedback=_store(spec["feedback"]))


def _store(path: str | os.PathLike | None) -> FeedbackStore | None:
    return FeedbackStore(path) if path else None


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
    concurrency: int | None = None,
    limits: ServingLimits | None = None,
    feedback: str | os.PathLike | None = None,
) -> Running:
    """Serve in a background thread; returns once it accepts connections."""
    import socket

    import uvicorn

    if port == 0:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    qa.warm_up()
    limits = limits or ServingLimits()
    config = uvicorn.Config(
        create_app(qa, frame_ancestors, concurrency, limits, _store(feedback)),
        host=host,
        port=port,
        log_level="warning",
        **uvicorn_options(limits),
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
