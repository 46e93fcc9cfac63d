"""How many hops an order makes: the requests the domains served meanwhile, read from their logs
(every worker writes to its domain's), beside the notifications the customers' listener received.

Two kinds of request reach a domain's routes: over its socket, which uvicorn's access line
records, and in-process (core/in_process.py: LEGATO and PRESTO between the domain's own entities
and events for its own listeners, handed to its ASGI app without a socket), which only the
calling httpx client's line records, as a request to the domain's own address. Requests between
domains (SONATA, the partner's events) go over the socket and are counted once, where they are
served. The twin's ADAGIO calls are not HTTP and not counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DomainLog", "RequestCount"]

# uvicorn's access line: 127.0.0.1:40312 - "POST /mefApi/... HTTP/1.1" 201 Created
_SERVED = re.compile(rb' - "(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/[0-9.]+" \d{3}')
# httpx's line for every request a client of the domain made: httpx: HTTP Request: POST http://... "HTTP/1.1 200 OK"
_MADE = re.compile(rb'httpx: HTTP Request: [A-Z]+ (\S+) "HTTP/')
_NOT_A_HOP = (b"/health",)


@dataclass(frozen=True, slots=True)
class DomainLog:
    path: Path
    own_url: str  # requests a domain makes to this address are handed to it in-process


class RequestCount:
    """Requests served since `mark()`, per domain and kind, and by the customers' listener."""

    def __init__(self, logs: dict[str, DomainLog], listened: Callable[[], int]) -> None:
        self._logs = logs
        self._listened = listened
        self._offsets: dict[str, int] = {}
        self._listened_at_mark = 0

    def mark(self) -> None:
        self._offsets = {name: log.path.stat().st_size if log.path.exists() else 0 for name, log in self._logs.items()}
        self._listened_at_mark = self._listened()

    def since_mark(self) -> dict[str, int]:
        counts = {}
        for name, log in self._logs.items():
            with log.path.open("rb") as lines:
                lines.seek(self._offsets.get(name, 0))
                text = lines.read()
            own = f"{log.own_url.rstrip('/')}/".encode()
            counts[name] = sum(1 for m in _SERVED.finditer(text) if not m.group(1).startswith(_NOT_A_HOP))
            counts[f"{name} in-process"] = sum(1 for m in _MADE.finditer(text) if m.group(1).startswith(own))
        counts["customers' listener"] = self._listened() - self._listened_at_mark
        return counts
