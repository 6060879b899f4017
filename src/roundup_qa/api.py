"""The HTTP JSON API beside the chat: `POST /api/ask` returns exactly the record of
`roundup-qa ask --json` (`Answer.to_dict()`); `GET /api/items`, `/api/items/{n}`,
`/api/health`; OpenAPI at `/api/docs`; Prometheus metrics at `/metrics`.

Input is checked before it reaches `RoundupQA.ask`: the body is capped before it is
parsed, fields are typed (pydantic, strict), and every refusal is JSON naming the field
and saying what to send, never a traceback.

Load is bounded (`Gate`): questions are answered on a fixed number of threads (one per core:
each answer uses one), at most `queue` requests are in the server at once, and past that the
API answers 503 with Retry-After at once instead of letting latency grow; a request that
waits longer than its deadline gets 503 too. One JSON line per request goes to the
`roundup_qa.access` log (the question only with `log_questions`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .guard import ServingLimits, arrived, error_body
from .pipeline import TOP_K_MAX, InputError, RoundupQA
from .store import FORMAT_VERSION
from .version import __version__

MAX_BODY_BYTES = 64 * 1024  # a question is at most a few KB; anything bigger is refused unread
access_log = logging.getLogger("roundup_qa.access")


class Turn(BaseModel):
    """An earlier turn of the conversation."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(description="what was asked")
    item: int | None = Field(None, description="the item number that turn's answer cited (null: none)")


class AskRequest(BaseModel):
    """What `POST /api/ask` accepts."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(description="the question, in Chinese or English")
    top_k: int = Field(5, ge=1, le=TOP_K_MAX, description="passages to return")
    district: str | None = Field(
        None, description="only search this district's items (Chinese or English name, see /api/items)"
    )
    history: list[Turn] | None = Field(
        None,
        description="the conversation so far, oldest first: a follow-up (它/该…, it/its, 那X呢?, what about X?) "
        "is read against the last turn, and the record's read_as says how; the server keeps nothing",
    )  # fmt: skip


class ItemSummary(BaseModel):
    number: int
    source: str
    title: str
    district: str | None
    district_en: str | None


class Item(ItemSummary):
    text: str


class Health(BaseModel):
    ready: bool
    version: str
    index_format: int
    corpus_sha256: str
    items: int
    model: str
    index_version: str = Field(
        description="the index build answering: corpus hash@build time (/vN in Milvus)"
    )
    backend: str = Field(description="where the index lives: files or milvus")


class ApiError(Exception):
    """A request the API refuses: HTTP status, the field at fault, and a sentence."""

    def __init__(self, status: int, field: str | None, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.field, self.message, self.retry_after = status, field, message, retry_after


def error_response(status: int, field: str | None, message: str, retry_after: int | None = None) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return Response(
        error_body(message, field), status_code=status, headers=headers, media_type="application/json"
    )


class Metrics:
    """The server's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.questions = Counter(
            "roundup_qa_questions", "Questions answered, by language and outcome (answered, refused)",
            ["lang", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.errors = Counter(
            "roundup_qa_api_errors",
            "API requests refused, by HTTP status",
            ["status"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "roundup_qa_ask_seconds", "Time of each stage of answering (total: the whole ask)", ["stage"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=self.registry,
        )  # fmt: skip
        self.queue = Gauge("roundup_qa_queue_depth", "Questions answering or waiting", registry=self.registry)

    def answered(self, record: dict, profile: dict[str, float], seconds: float) -> None:
        self.questions.labels(record["lang"], "answered" if record["answer"] is not None else "refused").inc()
        for stage, value in profile.items():
            self.seconds.labels(stage).observe(value)
        self.seconds.labels("total").observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class Busy(Exception):
    """No answering thread took the question in time, or too many are inside already."""


class Gate:
    """Bounded admission to answering, one for the API and the chat together: a fixed pool
    of threads, at most `queue` questions inside at once (refused past it at once), and a
    deadline for starting that holds while a question waits (it is taken out of the queue
    then, not answered late)."""

    def __init__(self, limits: ServingLimits, metrics: Metrics) -> None:
        self.limits, self.metrics = limits, metrics
        self.executor = ThreadPoolExecutor(limits.threads, thread_name_prefix="roundup-qa-ask")
        self.inside = 0
        self._lock = threading.Lock()

    def _enter(self) -> None:
        with self._lock:
            if self.inside >= self.limits.queue:
                raise Busy(f"busy: {self.inside} questions are being answered; try again")
            self.inside += 1
            self.metrics.queue.set(self.inside)

    def _leave(self) -> None:
        with self._lock:
            self.inside -= 1
            self.metrics.queue.set(self.inside)

    def _late(self) -> Busy:
        return Busy(f"busy: not started within {self.limits.deadline_s:g} s; try again")

    async def run(self, fn, *args, since: float | None = None):
        """`fn(*args)` on an answering thread; Busy when refused. `since` is when the request
        arrived (`guard.arrived`, monotonic): the deadline counts from there, so time spent
        in Gradio's queue or reading the body is waiting too."""
        self._enter()
        try:
            waited_s = 0.0 if since is None else time.monotonic() - since
            future = self.executor.submit(fn, *args)
            waited = asyncio.wrap_future(future)
            done, _ = await asyncio.wait({waited}, timeout=max(0.0, self.limits.deadline_s - waited_s))
            if not done and future.cancel():  # still waiting: refused now, not answered late
                raise self._late()
            return await waited  # started in time: its answer is bounded (read_question_chars)
        finally:
            self._leave()


def router(qa: RoundupQA, gate: Gate, metrics: Metrics) -> APIRouter:
    api = APIRouter(prefix="/api")
    english = qa.index.manifest.places.districts_en

    def check(body: AskRequest) -> tuple[str, int, str | None, list]:
        """The request's question, top_k, district (its Chinese name) and history, or
        ApiError: the same limits and messages as `RoundupQA.ask` (RoundupQA.check)."""
        try:
            question, _, district = qa.check(body.question, body.top_k, body.district)
            history = qa.check_history(
                None if body.history is None else [t.model_dump() for t in body.history]
            )
        except InputError as err:
            raise ApiError(err.status, err.field, str(err)) from None
        return question, body.top_k, district, history

    @api.post(
        "/ask",
        summary="Answer a question (the record of `roundup-qa ask --json`)",
        # the body is read by hand (capped before parsing), so its schema is declared here
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": AskRequest.model_json_schema()}},
            }
        },
    )
    async def ask(request: Request) -> dict[str, Any]:
        raw = await _capped_body(request)
        try:
            body = AskRequest.model_validate_json(raw)
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            raise ApiError(422, field, _sentence(first)) from None
        question, top_k, district, history = check(body)
        request.state.question = question

        def answer() -> dict:
            profile: dict[str, float] = {}
            t0 = time.perf_counter()
            record = qa.ask(question, top_k, district, profile=profile, history=history).to_dict()
            metrics.answered(record, profile, time.perf_counter() - t0)
            return record

        try:
            record = await gate.run(answer, since=arrived(request.scope))
        except Busy as busy:
            raise ApiError(503, None, str(busy), retry_after=1) from None
        request.state.outcome = "answered" if record["answer"] is not None else "refused"
        return record

    @api.get("/items", summary="Every item: number, file, title, district")
    def items() -> list[ItemSummary]:
        return [ItemSummary(**_summary(it, english)) for it in qa.index.items]

    @api.get("/items/{number}", summary="One item, whole")
    def item(number: int, source: str | None = None) -> Item:
        found = [it for it in qa.index.items if it.number == number and source in (None, it.source)]
        if not found:
            raise ApiError(
                404, "number", f"no item {number}" + (f" in {source}" if source else "") + ": see /api/items"
            )
        if len(found) > 1:
            files = ", ".join(it.source for it in found)
            raise ApiError(
                422, "source", f"item {number} exists in several files ({files}): add ?source=FILE"
            )
        return Item(**_summary(found[0], english), text=found[0].text)

    @api.get("/health", summary="Whether the server answers, and what it answers from")
    async def health() -> Health:  # no thread hop: it answers while every thread is busy
        m = qa.index.manifest
        return Health(
            ready=True, version=__version__, index_format=FORMAT_VERSION, corpus_sha256=m.corpus.sha256,
            items=len(qa.index.items), model=m.model.name, index_version=qa.backend.version,
            backend=qa.config.backend,
        )  # fmt: skip

    return api


def _summary(it, english: dict[str, str]) -> dict:
    return {
        "number": it.number, "source": it.source, "title": it.title,
        "district": it.district, "district_en": english.get(it.district) if it.district else None,
    }  # fmt: skip


async def _capped_body(request: Request) -> bytes:
    """The request body, refused with 413 once it passes MAX_BODY_BYTES (before parsing)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, None, f"the body is {declared} bytes; the limit is {MAX_BODY_BYTES}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, None, f"the body is over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _sentence(error: dict) -> str:
    """One pydantic error as a sentence a caller can act on."""
    kind, loc = error["type"], ".".join(str(p) for p in error["loc"])
    if kind == "missing":
        return f"{loc} is required"
    if kind == "extra_forbidden":
        return f"unknown field {loc!r}; send question, top_k, district"
    if kind == "json_invalid":
        return f"the body is not valid JSON ({error.get('ctx', {}).get('error', error['msg'])})"
    if kind == "model_type":
        return 'the body must be a JSON object like {"question": "..."}'
    return f"{loc}: {error['msg']}"


def install(app, qa: RoundupQA, limits: ServingLimits | None = None) -> Gate:
    """Add the API, its JSON errors, its OpenAPI page (/api/docs, assets from the
    swagger-ui-py package: nothing is fetched from a CDN), /metrics and the access log to
    the FastAPI `app`."""
    from pathlib import Path

    import swagger_ui
    from fastapi import Response
    from fastapi.exceptions import RequestValidationError
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException as StarletteHTTPException

    limits = limits or ServingLimits()
    metrics = Metrics()
    gate = Gate(limits, metrics)
    app.include_router(router(qa, gate, metrics))

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    @app.middleware("http")
    async def access(request, call_next):
        if not request.url.path.startswith(("/api/", "/metrics")):
            return await call_next(request)
        t0 = time.perf_counter()
        response = await call_next(request)
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "method": request.method, "path": request.url.path,
            "status": response.status_code, "ms": round((time.perf_counter() - t0) * 1000, 1),
            "outcome": getattr(request.state, "outcome", None),
        }  # fmt: skip
        if limits.log_questions and getattr(request.state, "question", None) is not None:
            line["question"] = request.state.question
        if response.status_code >= 400:
            metrics.errors.labels(str(response.status_code)).inc()
        access_log.info(json.dumps(line, ensure_ascii=False))
        return response

    @app.exception_handler(ApiError)
    async def _api_error(request, err: ApiError):
        return error_response(err.status, err.field, err.message, err.retry_after)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, err: RequestValidationError):
        first = err.errors()[0]
        loc = [str(p) for p in first["loc"] if p not in ("body", "query", "path")]
        return error_response(422, ".".join(loc) or None, _sentence({**first, "loc": loc}))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, err: StarletteHTTPException):
        return error_response(err.status_code, None, str(err.detail))

    assets = Path(swagger_ui.__file__).parent / "static"
    app.mount("/api/docs-assets", StaticFiles(directory=assets), name="api-docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="roundup-qa API",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/docs-assets/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # no call to validator.swagger.io
        )

    return gate
