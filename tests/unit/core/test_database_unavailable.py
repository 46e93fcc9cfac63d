"""A database that refuses a connection (PostgreSQL's "too many clients already", a restart) or
has none free in time is the spec's 503 with a Retry-After, not a 500: nothing the caller did."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from cadenza.core.errors import install_error_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/refused")
    def refused() -> None:
        raise OperationalError("SELECT 1", {}, Exception("FATAL:  sorry, too many clients already"))

    @app.get("/no-free-connection")
    def no_free_connection() -> None:
        raise PoolTimeout("QueuePool limit of size 10 overflow 5 reached")

    @app.get("/bug")
    def bug() -> None:
        raise KeyError("x")

    return app


def test_a_database_that_cannot_be_reached_is_a_503_saying_to_try_again() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    for path in ("/refused", "/no-free-connection"):
        reply = client.get(path)
        assert reply.status_code == 503, (path, reply.text)
        assert reply.headers["Retry-After"] == "1"
        body = reply.json()
        assert body["code"] == "serviceUnavailable" and "try again shortly" in body["reason"]
    assert client.get("/bug").status_code == 500  # a defect is still one
