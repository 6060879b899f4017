"""The HTTP JSON API beside the chat: `POST /api/ask` returns exactly the record of
`roundup-qa ask --json` (`Answer.to_dict()`); `GET /api/items`, `/api/items/{n}`,
`/api/health`; OpenAPI at `/api/docs`.

Input is checked before it reaches `RoundupQA.ask`: the body is capped before it is
parsed, fields are typed (pydantic, strict), and every refusal is JSON naming the field
and saying what to send, never a traceback.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from .pipeline import TOP_K_MAX, InputError, RoundupQA
from .store import FORMAT_VERSION
from .version import __version__

MAX_BODY_BYTES = 64 * 1024  # a question is at most a few KB; anything bigger is refused unread


class AskRequest(BaseModel):
    """What `POST /api/ask` accepts."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(description="the question, in Chinese or English")
    top_k: int = Field(5, ge=1, le=TOP_K_MAX, description="passages to return")
    district: str | None = Field(
        None, description="only search this district's items (Chinese or English name, see /api/items)"
    )


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


class ApiError(Exception):
    """A request the API refuses: HTTP status, the field at fault, and a sentence."""

    def __init__(self, status: int, field: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def error_response(status: int, field: str | None, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status)


def router(qa: RoundupQA) -> APIRouter:
    api = APIRouter(prefix="/api")
    english = qa.index.manifest.places.districts_en

    def check(body: AskRequest) -> tuple[str, int, str | None]:
        """The request's question, top_k and district (its Chinese name), or ApiError: the
        same limits and messages as `RoundupQA.ask` (RoundupQA.check)."""
        try:
            question, _, district = qa.check(body.question, body.top_k, body.district)
        except InputError as err:
            raise ApiError(err.status, err.field, str(err)) from None
        return question, body.top_k, district

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
        question, top_k, district = check(body)
        answer = await run_in_threadpool(qa.ask, question, top_k, district)
        return answer.to_dict()

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
    def health() -> Health:
        m = qa.index.manifest
        return Health(
            ready=True, version=__version__, index_format=FORMAT_VERSION, corpus_sha256=m.corpus.sha256,
            items=len(qa.index.items), model=m.model.name,
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


def install(app, qa: RoundupQA) -> None:
    """Add the API, its JSON errors and its OpenAPI page (/api/docs, assets from the
    swagger-ui-py package: nothing is fetched from a CDN) to the FastAPI `app`."""
    from pathlib import Path

    import swagger_ui
    from fastapi.exceptions import RequestValidationError
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.include_router(router(qa))

    @app.exception_handler(ApiError)
    async def _api_error(request, err: ApiError):
        return error_response(err.status, err.field, err.message)

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
