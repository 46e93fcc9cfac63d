"""The hub's `query` language: `eventType=a,b` selects event types, empty selects all.

The specs write it loosely (`eventType = a`, `eventType=a, b`), so spaces are forgiven. Any
other clause (a state or attribute filter) is refused rather than silently ignored, because
ignoring it would send a subscriber events it asked not to get.
"""

from __future__ import annotations

from collections.abc import Collection

__all__ = ["QueryError", "parse_event_types"]


class QueryError(ValueError):
    """The query cannot be honoured; the message says why, for the subscriber."""


def parse_event_types(query: str | None, known: Collection[str]) -> list[str]:
    """The event types a subscription asks for, sorted; [] means every type."""
    if query is None or not query.strip():
        return []
    wanted: set[str] = set()
    for clause in query.split("&"):
        if not clause.strip():
            continue
        name, sep, values = clause.partition("=")
        if not sep or name.strip() != "eventType":
            raise QueryError(f"Unsupported query clause '{clause.strip()}': only 'eventType=<type>[,<type>...]' "
                             "filters are offered")
        types = {value.strip() for value in values.split(",")}
        if "" in types:
            raise QueryError(f"Empty event type in '{clause.strip()}': separate event types with single commas")
        unknown = sorted(types - set(known))
        if unknown:
            offered = ", ".join(sorted(known)) or "no events (nothing it serves can change)"
            raise QueryError(f"Unknown event type(s) {', '.join(unknown)}: this hub publishes {offered}")
        wanted |= types
    return sorted(wanted)
