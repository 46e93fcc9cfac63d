"""Where the coordinator hears that a report is ready (thread 10.9 step 2): a listener of
ALLEGRO Performance Monitoring v5 served on the customer's side, registered on the SOF's hub.
Reports are also looked for every `poll_s`, so an event lost on the way only delays a round."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from cadenza.core.notifications.listener import listener_router
from cadenza.cus.coordinator import Coordinator, report_ready_handler
from cadenza.interfaces.allegro.http import AllegroError
from cadenza.interfaces.allegro.pm_paths import PM_EVENT_TYPES, PM_LISTENER_BASE

__all__ = ["report_listener"]


@contextmanager
def report_listener(coordinator: Coordinator, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Listen on `host:port` (0: any free port) while the block runs; yields the callback URL,
    registered on the SOF's performance hub for as long."""
    app = FastAPI(title="Customer Application Coordinator listener")
    app.include_router(listener_router(PM_LISTENER_BASE, report_ready_handler(coordinator), event_types=PM_EVENT_TYPES))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the coordinator's listener did not start")
        time.sleep(0.02)
    callback = f"http://{host}:{sock.getsockname()[1]}"
    subscription = coordinator.performance.register_listener(callback)
    try:
        yield callback
    finally:
        try:
            coordinator.performance.unregister_listener(subscription["id"])
        except AllegroError as exc:  # the SOF drops a listener that stops answering anyway
            logging.getLogger("cadenza.cus").warning("listener not unregistered: %s", exc.reason)
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
