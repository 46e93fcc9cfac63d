"""Calls between a domain's own entities handed to its ASGI app in-process: the same answers
as over HTTP (errors included), a timeout still times out, and HTTP again once the app's
lifespan ended."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from cadenza.core.db import Database
from cadenza.core.in_process import InProcessTransport
from cadenza.core.notifications import HubStore, OutboxDispatcher, listener_router, publish
from tests.helpers.servers import reserve, serve, wait_until


def _app(transport: InProcessTransport) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        transport.bind(app, asyncio.get_running_loop())
        yield
        transport.unbind()

    app = FastAPI(lifespan=lifespan)

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        return {"got": await request.json(), "auth": request.headers.get("authorization"),
                "query": dict(request.query_params)}

    @app.get("/slow")
    def slow() -> dict:
        time.sleep(1.0)
        return {}

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("a bug in a route")

    return app


def test_a_request_reaches_the_app_in_process_and_answers_as_over_http() -> None:
    transport = InProcessTransport()
    with serve(_app(transport)) as url:
        body = {"items": [1, None, {"x": "y"}]}
        with httpx.Client(base_url=url) as over_http, httpx.Client(base_url=url, transport=transport) as in_process:
            expected = over_http.post("/echo", json=body, params={"q": "1"}, headers={"Authorization": "Bearer t"})
            got = in_process.post("/echo", json=body, params={"q": "1"}, headers={"Authorization": "Bearer t"})
            assert got.status_code == expected.status_code == 200
            assert got.json() == expected.json() == {"got": body, "auth": "Bearer t", "query": {"q": "1"}}
            assert transport.handled == 1
            assert in_process.get("/boom").status_code == 500  # as uvicorn answers: not a crash of the caller
            with pytest.raises(httpx.ReadTimeout):
                in_process.get("/slow", timeout=0.2)


_CALLER = contextvars.ContextVar[str]("caller")


def test_the_callers_context_does_not_travel_with_the_request() -> None:
    """A durable step calling its own domain: DBOS's context variables must not reach the route,
    or the route's own workflow starts think they are inside the step."""
    transport = InProcessTransport()
    app = _app(transport)

    @app.get("/context")
    def context() -> dict:
        return {"caller": _CALLER.get("none")}

    with serve(app) as url, httpx.Client(base_url=url, transport=transport) as client:
        _CALLER.set("a step")
        assert client.get("/context").json() == {"caller": "none"}
        assert transport.handled == 1


def test_before_and_after_the_app_serves_requests_go_over_http() -> None:
    transport = InProcessTransport()
    with serve(_app(transport)) as url:
        pass
    with httpx.Client(base_url=url, transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.post("/echo", json={})  # unbound: over HTTP, where nothing listens any more
    assert transport.handled == 0


def test_events_to_the_domains_own_listeners_are_delivered_in_process(database: Database) -> None:
    """The outbox hands an event for a listener at the domain's own address to its app (the
    listener sees the in-process client, not a socket peer); others still go over HTTP."""
    transport = InProcessTransport()
    heard: list[tuple[str, str]] = []
    app = FastAPI()
    holder: dict[str, OutboxDispatcher] = {}

    async def on_event(event_type: str, event: dict) -> None:
        heard.append((event_type, event["event"]["id"]))

    app.include_router(listener_router("/own/mefApi/sonata/productOrderingNotification/v10", on_event))

    @app.middleware("http")
    async def peer(request: Request, call_next: Any) -> Any:
        heard.append(("peer", f"{request.client.host}:{request.client.port}" if request.client else ""))
        return await call_next(request)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        transport.bind(app, asyncio.get_running_loop())
        await holder["dispatcher"].start()
        yield
        await holder["dispatcher"].stop()
        transport.unbind()

    app.router.lifespan_context = lifespan
    sock = reserve()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    holder["dispatcher"] = OutboxDispatcher(database, poll_interval_s=0.05, own=(url, transport))
    HubStore(database).subscribe(api="sonata.productOrder", party="buyer", callback=f"{url}/own", query=None,
                                 event_types=[])
    with serve(app, sock):
        with database.transaction() as session:
            publish(session, api="sonata.productOrder", event_type="productOrderStateChangeEvent",
                    resource={"id": "order-1"}, listener_base_path="/mefApi/sonata/productOrderingNotification/v10",
                    party="buyer", wake=holder["dispatcher"].wake)
        wait_until(lambda: ("productOrderStateChangeEvent", "order-1") in heard, timeout=10, what="the event")
    # httpx's ASGI transport presents the caller as 127.0.0.1:123; a socket peer has a real port
    assert ("peer", "127.0.0.1:123") in heard and holder["dispatcher"].stats.delivered == 1
    assert transport.bound() is None
