"""What every request passes before any handler: a size limit, a strict JSON parser, and the
official OpenAPI operation it targets.

Three outcomes, in this order:

- a body over `RequestLimits.max_request_bytes` (counted as it arrives, so a chunked body
  without Content-Length is caught too): 413 with the MEF Error body. The rest of the body is
  read and dropped first, so the client reads the answer and keeps its connection;
- a JSON body that is not strict JSON (`NaN`, `Infinity`, a number overflowing to infinity,
  broken text): 400 `invalidBody`;
- a request that does not validate against its spec operation (core/openapi_validation.py):
  the spec's 400 or list of Error422, answered once the route has authenticated the caller
  (an unauthenticated client learns nothing about the payloads, and gets its 401 or 403 as
  before). The route's endpoint is wrapped (`guard_endpoints`) so it never runs for such a request.

The transport checks answer at once; the validation outcome is handed to the route through a
context variable, which the error handlers (core/errors.py) also read to answer 422 as the list
the spec asks for.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cadenza.core.openapi_validation import Operation, OperationTable, Rejection

__all__ = ["RequestLimits", "RequestGuard", "RequestRejected", "install_request_guard", "guard_endpoints",
           "current_rejection", "answers_422_list"]

_REJECTION: ContextVar[Rejection | None] = ContextVar("cadenza_request_rejection", default=None)
_OPERATION: ContextVar[Operation | None] = ContextVar("cadenza_request_operation", default=None)
# Beyond this many bytes past the limit a body is no longer read to its end: the answer then
# closes the connection instead of reading on without bound.
_DRAIN_BYTES = 64 << 20


@dataclass(frozen=True)
class RequestLimits:
    """The request limits of one domain (its YAML `http:` section)."""

    max_request_bytes: int = 1 << 20


class RequestRejected(Exception):
    """Raised where a route would run for a request its spec operation refuses."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.first.get("reason", "invalid request"))
        self.rejection = rejection


def current_rejection() -> Rejection | None:
    return _REJECTION.get()


def answers_422_list() -> bool:
    """Whether the spec operation of the current request answers 422 with a list of Error422."""
    operation = _OPERATION.get()
    return operation is not None and operation.answers_422_list


def _error(status: int, code: str, reason: str, *, close: bool = False) -> JSONResponse:
    headers = {"Connection": "close"} if close else None
    return JSONResponse({"code": code, "reason": reason[:255]}, status_code=status, headers=headers)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class RequestGuard:
    """Pure ASGI middleware (no per-request task or thread)."""

    def __init__(self, app: ASGIApp, *, limits: RequestLimits, operations: OperationTable | None = None) -> None:
        self.app = app
        self.limits = limits
        self.operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type, declared, chunked = "", None, False
        for key, value in scope["headers"]:
            if key == b"content-type":
                content_type = value.decode("latin-1")
            elif key == b"content-length":
                declared = value
            elif key == b"transfer-encoding":
                chunked = True
        body, downstream_receive = b"", receive
        if chunked or (declared is not None and declared.strip() not in (b"", b"0")):
            read = await self._read(receive, declared)
            if read is None:  # the client went away
                return
            if isinstance(read, JSONResponse):
                await read(scope, receive, send)
                return
            body = read
            downstream_receive = _replay(body, receive)
        parsed: Any = None
        if body and _is_json(content_type):
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                reason = f"The request body is not valid JSON ({exc}); NaN, Infinity and numbers beyond " \
                         "the range of a double are not JSON"
                await _error(400, "invalidBody", reason)(scope, receive, send)
                return
        match = self.operations.match(scope["method"], scope["path"]) if self.operations is not None else None
        if match is None:
            await self.app(scope, downstream_receive, send)
            return
        operation, path_values = match
        rejection: Rejection | None
        if body and not _is_json(content_type) and operation.body is not None:
            rejection = operation._bad_request("invalidBody", f"Send the body of {operation.operation_id} as "
                                               f"application/json, not {content_type or 'without a Content-Type'}")
        else:
            rejection = operation.check(scope.get("query_string", b"").decode("latin-1"), path_values, parsed,
                                        has_body=bool(body))
        operation_token = _OPERATION.set(operation)
        rejection_token = _REJECTION.set(rejection)
        try:
            await self.app(scope, downstream_receive, send)
        finally:
            _REJECTION.reset(rejection_token)
            _OPERATION.reset(operation_token)

    async def _read(self, receive: Receive, declared: bytes | None) -> bytes | JSONResponse | None:
        limit = self.limits.max_request_bytes
        reason = (f"The request body is larger than this domain accepts ({limit} bytes); send less, or ask "
                  "the operator to raise http.max_request_bytes")
        try:
            length = int(declared) if declared is not None else None
        except ValueError:
            return _error(400, "invalidBody", "Content-Length is not a number", close=True)
        if length is not None and length > limit + _DRAIN_BYTES:
            return _error(413, "payloadTooLarge", reason, close=True)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
            elif size > limit + _DRAIN_BYTES:
                return _error(413, "payloadTooLarge", reason, close=True)
            if not message.get("more_body", False):
                break
        if size > limit:  # read to its end: the connection stays usable
            return _error(413, "payloadTooLarge", reason)
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _raise_rejection() -> None:
    rejection = _REJECTION.get()
    if rejection is not None:
        raise RequestRejected(rejection)


def _guarded(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(endpoint, "__cadenza_guarded__", False):
        return endpoint
    if inspect.iscoroutinefunction(endpoint):
        @functools.wraps(endpoint)
        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            _raise_rejection()
            return await endpoint(*args, **kwargs)

        guarded: Callable[..., Any] = guarded_async
    else:
        @functools.wraps(endpoint)
        def guarded_sync(*args: Any, **kwargs: Any) -> Any:
            _raise_rejection()
            return endpoint(*args, **kwargs)

        guarded = guarded_sync
    guarded.__cadenza_guarded__ = True  # type: ignore[attr-defined]
    return guarded


def _routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        original = getattr(route, "original_router", None)  # an included router (FastAPI >= 0.16x)
        if original is not None:
            found += _routes(original.routes)
    return found


def guard_endpoints(app: FastAPI) -> int:
    """Wrap every endpoint of the app so that it refuses a request its spec operation refused.
    Call once all routers are included and before the first request; returns how many."""
    routes = _routes(app.router.routes)
    for route in routes:
        # an included router builds its routes' handlers from `endpoint` when first asked; a
        # route of the app itself has built its handler already and calls `dependant.call`
        route.endpoint = _guarded(route.endpoint)
        route.dependant.call = _guarded(route.dependant.call)
    return len(routes)


def install_request_guard(app: FastAPI, *, limits: RequestLimits, operations: OperationTable | None) -> None:
    """Add the middleware and the handler of its refusals (before the routers are included)."""

    @app.exception_handler(RequestRejected)
    async def _rejected(_request: Any, exc: RequestRejected) -> JSONResponse:
        return JSONResponse(exc.rejection.body, status_code=exc.rejection.status)

    app.add_middleware(RequestGuard, limits=limits, operations=operations)  # type: ignore[arg-type]
