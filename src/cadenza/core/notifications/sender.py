"""One HTTP POST of one event to one listener, reduced to: accepted, or what went wrong.

Kept apart from the dispatcher loop so the rules of a successful delivery (a 2xx answer, no
redirects followed, credentials from the domain's hook) read in one place.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import httpx

__all__ = ["AuthHeaderFor", "post_event", "post_event_in_process"]

# (listener URL, subscription id) -> headers: the token is chosen by who owns the subscription
AuthHeaderFor = Callable[[str, str], Mapping[str, str] | Awaitable[Mapping[str, str]]]
HEADERS = {"Content-Type": "application/json;charset=utf-8"}


async def _headers(url: str, subscription_id: str, auth_header_for: AuthHeaderFor | None) -> dict[str, str]:
    headers = dict(HEADERS)
    if auth_header_for is not None:
        extra = auth_header_for(url, subscription_id)
        if inspect.isawaitable(extra):
            extra = await extra
        headers.update(extra)
    return headers


async def post_event(http: aiohttp.ClientSession, url: str, body: dict[str, Any], *, subscription_id: str = "",
                     auth_header_for: AuthHeaderFor | None = None) -> str | None:
    """None when the listener accepted the event (2xx), else the reason it did not."""
    try:
        headers = await _headers(url, subscription_id, auth_header_for)
    except Exception as exc:  # a failing token source is one failed attempt, not a lost round
        return f"no credentials for {url}: {type(exc).__name__}: {exc}"
    try:
        # A redirect is not an acceptance: the event would be re-posted somewhere unvetted.
        async with http.post(url, json=body, headers=headers, allow_redirects=False) as response:
            if 200 <= response.status < 300:
                return None
            text = (await response.text(errors="replace"))[:300]
            return f"HTTP {response.status} from {url}: {text}"
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
        return f"{type(exc).__name__} posting to {url}: {exc}"


async def post_event_in_process(app: httpx.ASGITransport, url: str, body: dict[str, Any], *, timeout_s: float,
                                subscription_id: str = "", auth_header_for: AuthHeaderFor | None = None) -> str | None:
    """`post_event` to a listener of this domain's own, handed to its app on this event loop
    (core/in_process.py): the same rules, without the socket."""
    try:
        headers = await _headers(url, subscription_id, auth_header_for)
    except Exception as exc:  # a failing token source is one failed attempt, not a lost round
        return f"no credentials for {url}: {type(exc).__name__}: {exc}"
    async with httpx.AsyncClient(transport=app) as client:  # never follows a redirect
        try:
            # the app answers on this loop: nothing but this bounds a listener that hangs
            response = await asyncio.wait_for(client.post(url, json=body, headers=headers), timeout_s)
        except (httpx.HTTPError, TimeoutError) as exc:
            return f"{type(exc).__name__} posting to {url} in-process: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code} from {url}: {response.text[:300]}"
