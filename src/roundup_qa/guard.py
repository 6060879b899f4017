"""One policy for every route the server has: what a request may be, how long it may take
to arrive, and what a refusal looks like.

The chat (Gradio), the widget and the JSON API share one server; each brings its own routes,
and Gradio brings more than the app uses (uploads, monitoring). `Guard` wraps the whole
ASGI app, outside every framework, so one rule holds for all of them:

- request headers over 16 KB: 431;
- uploads are off (the app takes no files): 403;
- Gradio's monitoring routes are closed: 404;
- a POST, PUT or PATCH must send `application/json`: 415 otherwise, so a page on another
  origin cannot make the server answer with a "simple" cross-origin POST;
- under `/api/`, a wrong method gets 405 with `Allow`, an unknown route 404;
- a request body must arrive within `body_timeout_s`: 408 otherwise;
- a client that goes away mid-request is one access-log line, not a traceback;
- every error response, whoever made it (Gradio's `{"detail": ...}`, Starlette's plain
  "Internal Server Error"), leaves in the API's shape `{"error": ..., "field": ...}`, and a
  503 carries `Retry-After`.

Connections are bounded below the app: `BoundedH11` drops a connection whose request head
has not arrived within `header_timeout_s` (uvicorn has no such timeout of its own: 1,000
connections with unfinished headers all stayed open), and `uvicorn_options` sets the
connection cap and keep-alive.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from dataclasses import dataclass

from uvicorn.protocols.http.h11_impl import H11Protocol

access_log = logging.getLogger("roundup_qa.access")


@dataclass(frozen=True)
class ServingLimits:
    """How much the server takes on at once and how long it waits (`roundup-qa serve` options)."""

    threads: int = max(1, os.cpu_count() or 1)  # answering threads: one per core
    queue: int = 64  # questions answering or waiting, API and chat together; past it, 503 / busy at once
    deadline_s: float = 10.0  # a question not started within this is refused (503 / busy), while it waits
    log_questions: bool = False  # put the question text in the access log
    header_timeout_s: float = 10.0  # a request head not complete by then: the connection is dropped
    body_timeout_s: float = 10.0  # a request body not complete by then: 408
    keep_alive_s: float = 5.0  # an idle keep-alive connection is closed after this
    # connections and requests at once before uvicorn answers 503: above the 500 half-open
    # connections the hostile suite holds, so health still answers while they time out
    max_connections: int = 2048


# the error shape of every refusal, on every route
def error_body(message: str, field: str | None = None) -> bytes:
    return json.dumps({"error": message, "field": field}, ensure_ascii=False).encode()


_MONITORING = re.compile(r"(^|/)monitoring(/|$)")
_UPLOAD = re.compile(r"(^|/)gradio_api/upload(/|$)")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_HEAD_BYTES = 16 * 1024  # request headers, all together (h11 caps only a head sent in pieces)
MAX_ERROR_BODY = 64 * 1024  # error bodies larger than this are passed through unread


ARRIVED = "roundup_qa.arrived"  # the scope key holding when the request reached the guard


def arrived(scope) -> float | None:
    """When the request reached the server (time.monotonic()), if it came through the guard."""
    return scope.get(ARRIVED)


class SlowBody(Exception):
    """The request body did not arrive within the limit."""


class Guard:
    """The ASGI wrapper applying the policy above to `app` (the FastAPI app with the chat
    mounted). `api_routes` are the app's own routes under /api/, for 404 and 405."""

    def __init__(self, app, limits: ServingLimits, api_routes=()) -> None:
        self.app, self.limits, self.api_routes = app, limits, list(api_routes)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        scope[ARRIVED] = time.monotonic()
        refused = self.refusal(scope)
        if refused is not None:
            status, message, headers = refused
            await _send_error(send, status, message, headers)
            _log(scope, status, t0, "refused by the server policy")
            return
        state = {"started": False, "status": None}
        try:
            await self.app(scope, self._timed(receive, state), _shaped(send, state, self._slow_message()))
        except Exception as err:  # noqa: BLE001 - a slow or vanished client is no server error
            if _only(err, lambda e: isinstance(e, SlowBody)):
                if not state["started"]:
                    await _send_error(send, 408, self._slow_message(), {"Connection": "close"})
                _log(scope, 408, t0, "slow body")
            elif _only(err, _disconnected):
                _log(scope, 499, t0, "client disconnected")
            else:
                raise

    def refusal(self, scope) -> tuple[int, str, dict[str, str]] | None:
        """(status, message, headers) when the request is refused before it reaches the app."""
        path, method = scope["path"], scope["method"]
        if sum(len(k) + len(v) for k, v in scope.get("headers", [])) > MAX_HEAD_BYTES:
            return 431, f"the request headers are over {MAX_HEAD_BYTES} bytes", {}
        if _UPLOAD.search(path):
            return 403, "uploads are off: this app takes no files", {}
        if _MONITORING.search(path):
            return 404, f"no route {path}", {}
        if method in _BODY_METHODS:
            ctype = _header(scope, b"content-type").split(";")[0].strip().lower()
            if ctype != "application/json":
                return 415, f"send the body as application/json, not {ctype or 'no content type'}", {}
        if path.startswith("/api/") and self.api_routes:
            return self._api_route(scope)
        return None

    def _api_route(self, scope) -> tuple[int, str, dict[str, str]] | None:
        from starlette.routing import Match

        def full(method: str) -> bool:
            probe = {**scope, "method": method}
            return any(route.matches(probe)[0] == Match.FULL for route in self.api_routes)

        if full(scope["method"]):
            return None
        allowed = [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if full(m)]
        if allowed:
            methods = ", ".join(allowed)
            return (
                405,
                f"{scope['method']} is not allowed on {scope['path']}; use {methods}",
                {"Allow": methods},
            )
        return 404, f"no route {scope['path']}: see /api/docs", {}

    def _slow_message(self) -> str:
        return f"the request body did not arrive within {self.limits.body_timeout_s:g} s"

    def _timed(self, receive, state: dict):
        """`receive` with a deadline on the request body (not on what follows it: a streamed
        reply listens for the client's disconnect for as long as it lasts)."""
        limit = self.limits.body_timeout_s
        deadline = None
        done = False

        async def timed():
            nonlocal deadline, done
            if done:
                return await receive()
            deadline = deadline or asyncio.get_running_loop().time() + limit
            try:
                message = await asyncio.wait_for(
                    receive(), max(0.0, deadline - asyncio.get_running_loop().time())
                )
            except asyncio.TimeoutError:
                state["slow"] = True  # whatever the app answers now, the client hears 408
                raise SlowBody from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                done = True
            return message

        return timed


def _shaped(send, state: dict, slow_message: str):
    """`send` that rewrites an error response into the API's shape (and adds Retry-After to
    a 503): a 4xx/5xx body not already `{"error", "field"}` is buffered and replaced. After
    a slow body (`state["slow"]`), the app's answer to it (a 500) is sent as the 408 it is."""
    held: dict = {}

    async def shaped(message) -> None:
        if message["type"] == "http.response.start":
            state["started"], state["status"] = True, message["status"]
            headers = dict((k.lower(), v) for k, v in message.get("headers", []))
            length = int(headers.get(b"content-length", b"0") or 0)
            if (
                message["status"] >= 400
                and length <= MAX_ERROR_BODY
                and b"text/event-stream" not in headers.get(b"content-type", b"")
            ):
                held["start"], held["body"] = message, b""
                return
            await send(message)
            return
        if message["type"] == "http.response.body" and "start" in held:
            held["body"] += message.get("body", b"")
            if message.get("more_body", False):
                return
            start, body = held.pop("start"), held.pop("body")
            if state.get("slow"):  # the rest of the body will never come: the connection closes
                start, body = {**start, "status": 408}, error_body(slow_message)
                start["headers"] = [*start.get("headers", []), (b"connection", b"close")]
            else:
                body = _as_error(start["status"], body)
            headers = [
                (k, v)
                for k, v in start.get("headers", [])
                if k.lower() not in (b"content-length", b"content-type")
            ]
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            if start["status"] == 503 and not any(k.lower() == b"retry-after" for k, _ in headers):
                headers.append((b"retry-after", b"1"))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await send(message)

    return shaped


def _as_error(status: int, body: bytes) -> bytes:
    """`body` in the API's error shape: kept when it is already, else its message moved in."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        data = None
    if isinstance(data, dict) and "error" in data and "field" in data:
        return body
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        message = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)[:500]
    elif status >= 500:
        message = "the server could not answer this request; try again"
    else:
        text = body.decode("utf-8", "replace").strip()
        message = text[:500] if text and not text.startswith("<") else f"HTTP {status}"
    if status == 503 and "busy" not in message.lower():
        message = f"busy: {message}; try again"
    return error_body(message)


def _header(scope, name: bytes) -> str:
    for k, v in scope.get("headers", []):
        if k.lower() == name:
            return v.decode("latin-1")
    return ""


async def _send_error(send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    body = error_body(message)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _disconnected(err: BaseException) -> bool:
    from starlette.requests import ClientDisconnect

    return isinstance(err, ClientDisconnect | ConnectionError)


def _only(err: BaseException, kind, seen: set[int] | None = None) -> bool:
    """Whether `err` is of `kind`, or an exception group (a middleware's task group) of only
    such, or caused by one (middlewares re-raise with `from`, sometimes in a cycle)."""
    seen = set() if seen is None else seen
    if id(err) in seen:
        return False
    seen.add(id(err))
    inner = getattr(err, "exceptions", None)
    if inner:
        return all(_only(e, kind, seen) for e in inner)
    return kind(err) or (err.__cause__ is not None and _only(err.__cause__, kind, seen))


def _log(scope, status: int, t0: float, outcome: str) -> None:
    access_log.info(json.dumps({
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "method": scope["method"], "path": scope["path"],
        "status": status, "ms": round((time.perf_counter() - t0) * 1000, 1), "outcome": outcome,
    }, ensure_ascii=False))  # fmt: skip


class BoundedH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request head: a connection that opens
    and sends nothing, or half a header, is closed after `header_timeout` seconds."""

    header_timeout = ServingLimits.header_timeout_s

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._head_cycle = self.cycle
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_expired)

    def _disarm(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not getattr(self, "_head_cycle", None):  # a request head arrived
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():  # kept alive: the next head has the same deadline
            self._disarm()
            self._arm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """A request that is no valid HTTP gets the API's error shape too (uvicorn's is plain text)."""
        import h11

        body = error_body(f"bad request: {msg}")
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close")]  # fmt: skip
        try:
            self.transport.write(
                self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request"))
            )
            self.transport.write(self.conn.send(h11.Data(data=body)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:
            pass
        self.transport.close()

    def _head_expired(self) -> None:
        self._head_timer = None
        if self.cycle is getattr(self, "_head_cycle", None) and not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(limits: ServingLimits) -> dict:
    """What uvicorn is told of the policy (every way the server starts uses it). The protocol
    goes by name, so worker processes import it (each sets its timeout in `worker_app`)."""
    BoundedH11.header_timeout = limits.header_timeout_s
    return {
        "http": "roundup_qa.guard:BoundedH11",
        "limit_concurrency": limits.max_connections,
        "timeout_keep_alive": limits.keep_alive_s,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,  # a head sent in pieces: 400 past it
    }
