"""Running an ASGI app on a real port for tests that must speak HTTP."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    """A port free now, taken from below the kernel's ephemeral range: a domain restarted
    after SIGKILL binds its port again, and a port from the ephemeral range can meanwhile
    have become the local end of any outgoing connection on the machine (seen in CI as
    "Address already in use")."""
    with socket.socket() as sock:
        return _bind_below_ephemeral(sock)


def _bind_below_ephemeral(sock: socket.socket) -> int:
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        try:
            # a probe without SO_REUSEADDR conflicts with any socket bound there, even one
            # bound with it and not listening (which a `sock` with it would share the port with)
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port))
            sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return port
    raise RuntimeError(f"no free port found below {low}")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def reserve() -> socket.socket:
    """A listening address held from now on: a domain starting its NETCONF servers meanwhile
    cannot take it (a port merely found free can be)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    _bind_below_ephemeral(sock)  # the domain holding it may be killed and restarted on it
    return sock


def start_server(app: FastAPI, sock: socket.socket) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread


@contextmanager
def serve(app: FastAPI, sock: socket.socket | None = None) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread (on `sock` when given); yields its base URL."""
    sock = sock or reserve()
    port = sock.getsockname()[1]
    server, thread = start_server(app, sock)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
