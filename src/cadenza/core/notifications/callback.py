"""Validation of a subscriber's callback: the listener base paths are appended to it, so it
must be an absolute http(s) URL with nothing after the path."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["CallbackError", "check_callback", "listener_url"]

MAX_CALLBACK = 2000


class CallbackError(ValueError):
    """The callback cannot be used as a listener host; the message says why."""


def check_callback(callback: str) -> str:
    """The callback as given, once it is known to be usable."""
    if len(callback) > MAX_CALLBACK:
        raise CallbackError(f"The callback is longer than {MAX_CALLBACK} characters")
    try:
        parts = urlsplit(callback)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise CallbackError(f"The callback '{callback}' is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackError(f"The callback '{callback}' must be an absolute http or https URL, "
                            "e.g. https://buyer.example/listenerEndpoint")
    if parts.query or parts.fragment or callback.endswith(("?", "#")):
        raise CallbackError(f"The callback '{callback}' must not carry a query or fragment: the listener "
                            "path is appended to it")
    return callback


def listener_url(callback: str, listener_base_path: str, event_type: str) -> str:
    """`{callback}{listener base path}/listener/{eventType}`, as every Notification spec builds it."""
    return f"{callback.rstrip('/')}/{listener_base_path.strip('/')}/listener/{event_type}"
