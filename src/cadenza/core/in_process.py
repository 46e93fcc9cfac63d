"""LEGATO and PRESTO between entities of one domain process, without the network.

The BUS, the SOF and the ICMs of a domain reach each other at the domain's own address, as
the MEF APIs say (and as they would in separate processes). When they share a process,
ARCHITECTURE §2 lets the transport differ: this httpx transport hands each request to the
domain's own ASGI application on the event loop that serves it, with everything a request
over the network meets there: the request guard's spec validation, the token and scope
check, the audit, the same routes and payloads. What it skips is the socket, the HTTP
parsing on both sides and the connection pool.

Until the application is bound (while the domain starts) and after it stops, and from the
event loop's own thread (which must not wait on itself), requests go over HTTP as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any

import httpx

__all__ = ["InProcessTransport"]


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, fallback: httpx.BaseTransport | None = None) -> None:
        self._fallback = fallback or httpx.HTTPTransport()
        self._lock = threading.Lock()
        self._asgi: httpx.ASGITransport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.handled = 0  # requests handed to the application in-process (for tests and benchmarks)

    def bind(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        """Serve requests with `app` on `loop` from now on (the app's lifespan calls this)."""
        with self._lock:
            # an exception escaping the app is a 500, as uvicorn would answer, not a client crash
            self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            self._loop = loop

    def bound(self) -> httpx.ASGITransport | None:
        """The app's transport while it serves: for async callers on its own loop (the outbox)."""
        with self._lock:
            return self._asgi

    def unbind(self) -> None:
        with self._lock:
            self._asgi, self._loop = None, None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            asgi, loop = self._asgi, self._loop
        if asgi is None or loop is None or loop.is_closed() or _on_loop(loop):
            return self._fallback.handle_request(request)
        timeout = (request.extensions.get("timeout") or {}).get("read")
        # In a fresh context, as a request arriving over the network has: the caller's context
        # variables (a durable step's, e.g.) would otherwise travel with it into the route.
        future = contextvars.Context().run(asyncio.run_coroutine_threadsafe, _call(asgi, request), loop)
        try:
            response = future.result(timeout)
        except TimeoutError as exc:
            future.cancel()
            raise httpx.ReadTimeout(f"no answer in-process within {timeout} s", request=request) from exc
        self.handled += 1
        return response

    def close(self) -> None:
        self._fallback.close()


async def _call(asgi: httpx.ASGITransport, request: httpx.Request) -> httpx.Response:
    answered = await asgi.handle_async_request(request)
    body = await answered.aread()
    # a sync client reads a sync stream: the body as bytes carries both
    return httpx.Response(answered.status_code, headers=answered.headers, content=body, request=request)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
