"""One clock for the whole process, so tests and workflows agree on what 'now' is."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["now", "iso", "iso_at"]


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None = None) -> str:
    """RFC 3339 date-time with a Z suffix, as the MEF examples write it."""
    value = (moment or now()).astimezone(UTC)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_at(seconds: float) -> str:
    """`iso` of a POSIX timestamp (PM intervals and network time are kept as seconds)."""
    return iso(datetime.fromtimestamp(seconds, UTC))
