"""The MEF error model and the one handler that renders it.

Every MEF LSO spec describes errors as an `Error` body (`code`, `reason`, `message`,
`referenceError`, and for 422 a `propertyPath`). Service code raises these exceptions; only
the handler turns them into HTTP responses::

    MefError
    ├── BadRequest          400  invalidBody | invalidQuery | missingQueryParameter | missingQueryValue
    ├── Unauthorized        401  missingCredentials | invalidCredentials
    ├── Forbidden           403  accessDenied | forbiddenRequester
    ├── NotFound            404  notFound
    ├── MethodNotAllowed    405  notAllowed
    ├── Conflict            409  conflict
    ├── Unprocessable       422  missingProperty | invalidValue | invalidFormat | referenceNotFound
    │                            | unexpectedProperty | tooManyRecords | otherIssue
    ├── ServiceUnavailable  503  serviceUnavailable
    └── InternalError       500  internalError
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from cadenza.core.error_model import error_body
from cadenza.core.request_guard import answers_422_list, current_rejection

__all__ = [
    "MefError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "Conflict",
    "Unprocessable",
    "ServiceUnavailable",
    "InternalError",
    "install_error_handlers",
    "error_body",
]

log = logging.getLogger(__name__)


class MefError(Exception):
    status = 500
    default_code = "internalError"

    def __init__(
        self,
        reason: str,
        *,
        code: str | None = None,
        message: str | None = None,
        property_path: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(reason)
        # The spec caps reason at 255 characters; the whole story goes into message.
        self.reason = reason[:255]
        self.code = code or self.default_code
        self.message = message if message is not None else (reason if len(reason) > 255 else None)
        self.property_path = property_path
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.reason, message=self.message, property_path=self.property_path)


class BadRequest(MefError):
    status = 400
    default_code = "invalidBody"


class Unauthorized(MefError):
    status = 401
    default_code = "invalidCredentials"


class Forbidden(MefError):
    status = 403
    default_code = "accessDenied"


class NotFound(MefError):
    status = 404
    default_code = "notFound"


class MethodNotAllowed(MefError):
    status = 405
    default_code = "notAllowed"


class Conflict(MefError):
    status = 409
    default_code = "conflict"


class Unprocessable(MefError):
    status = 422
    default_code = "invalidValue"


class ServiceUnavailable(MefError):
    status = 503
    default_code = "serviceUnavailable"


class InternalError(MefError):
    status = 500
    default_code = "internalError"


def _json_pointer(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": "value_error"}
    loc = tuple(first.get("loc", ()))
    where = loc[0] if loc else "body"
    pointer = _json_pointer(loc)
    detail = "; ".join(f"{_json_pointer(tuple(e.get('loc', ())))}: {e.get('msg')}" for e in errors[:10])
    if where == "body":
        if first.get("type") in ("json_invalid", "model_attributes_type") or pointer == "/":
            body = error_body("invalidBody", f"The request body is not valid: {first.get('msg')}", message=detail)
            return JSONResponse(body, status_code=400)
        code = "missingProperty" if first.get("type") == "missing" else "invalidValue"
        if first.get("type") == "extra_forbidden":
            code = "unexpectedProperty"
        reason = f"{pointer}: {first.get('msg')}"
        return JSONResponse(error_body(code, reason, message=detail, property_path=pointer), status_code=422)
    code = "missingQueryParameter" if first.get("type") == "missing" else "invalidQuery"
    reason = f"{where} parameter {pointer.lstrip('/')}: {first.get('msg')}"
    return JSONResponse(error_body(code, reason, message=detail), status_code=400)


_STARLETTE_CODES = {400: "invalidBody", 401: "missingCredentials", 403: "accessDenied", 404: "notFound",
                    405: "notAllowed", 406: "notAcceptable", 409: "conflict", 415: "unsupportedMediaType",
                    422: "invalidValue", 429: "tooManyRequests", 503: "serviceUnavailable"}


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method the app offers on this path (Starlette reports only the first route's),
    read from the OpenAPI document so included routers are covered too."""
    table = getattr(app.state, "allowed_methods", None)
    if table is None:
        table = [(compile_path(path)[0], {m.upper() for m in ops})
                 for path, ops in app.openapi().get("paths", {}).items()]
        app.state.allowed_methods = table
    methods: set[str] = set()
    for pattern, offered in table:
        if pattern.match(request.url.path):
            methods |= offered
    return sorted(methods) or ["GET"]


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure, expected or not, through the MEF Error body."""

    @app.exception_handler(MefError)
    async def _mef(_request: Request, exc: MefError) -> JSONResponse:
        body: Any = exc.body()
        if exc.status == 422 and answers_422_list():  # the spec's 422 is a list of Error422 there
            body = [body]
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # The route's own model refused what the spec operation also refuses: answer as the spec does.
        rejection = current_rejection()
        if rejection is not None:
            return JSONResponse(rejection.body, status_code=rejection.status)
        response = _validation_response(exc)
        if response.status_code == 422 and answers_422_list():
            return JSONResponse([orjson.loads(response.body)], status_code=422)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STARLETTE_CODES.get(exc.status_code, "otherIssue")
        reason = str(exc.detail) if exc.detail else "request failed"
        if exc.status_code == 404:
            reason = f"No resource at {request.url.path}"
        headers = exc.headers
        if exc.status_code == 405:
            allowed = _allowed_methods(app, request)
            reason = f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}"
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return JSONResponse(error_body(code, reason), status_code=exc.status_code, headers=headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # the database refused or dropped a connection, or none was free in time (PostgreSQL's
        # "too many clients", a restart, SQLite's lock): nothing the caller did, and nothing that
        # lasts, so not a 500; the transaction it broke is rolled back
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                    str(exc).splitlines()[0][:300])
        reason = "The domain's database cannot be reached now (too busy or restarting); try again shortly"
        return JSONResponse(error_body("serviceUnavailable", reason), status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internalError", f"Unexpected server error: {type(exc).__name__}"),
                            status_code=500)
