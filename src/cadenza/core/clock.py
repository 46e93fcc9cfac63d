"""One clock for the whole process, so tests and workflows agree on what 'now' is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cadenza.core.errors import Unprocessable

__all__ = ["now", "iso", "iso_at", "parse_iso", "epoch_seconds"]


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None = None) -> str:
    """RFC 3339 date-time with a Z suffix, as the MEF examples write it."""
    value = (moment or now()).astimezone(UTC)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_at(seconds: float) -> str:
    """`iso` of a POSIX timestamp (PM intervals and network time are kept as seconds)."""
    return iso(datetime.fromtimestamp(seconds, UTC))


def parse_iso(text: str) -> datetime:
    """An RFC 3339 date-time as Cadenza and its partners write it (a Z suffix or an offset)."""
    return datetime.fromisoformat(text)


def epoch_seconds(value: Any, pointer: str) -> float | None:  # noqa: ANN401 - a date-time or nothing
    """The POSIX seconds of an RFC 3339 date-time as a request carries it (read as the request
    guard reads it, core/openapi_validation.py; one without an offset as UTC), None for none; a
    422 naming `pointer` for a date this process cannot keep (year 1 or 9999 and the like)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).upper().replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError):
        raise Unprocessable(f"{pointer}: {str(value)[:40]} is out of the range of dates this seller keeps",
                            property_path=pointer) from None
