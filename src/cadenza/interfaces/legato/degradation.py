"""SLS degradations over LEGATO (Cadenza's addition, docs/legato-profile.md "SLS degradations"):
Legato v5 has no incident or trouble API, yet MEF 55.0.1 §10.6 step 6 has the SOF tell the BUS
the status of every degradation and its resolution. The SOF serves the degradations of the
services a BUS ordered, and tells its hub's listeners of each one opened and each state change.

    GET  {DEGRADATION_BASE}/degradation?serviceId=&state=    the caller's degradations, oldest first
    GET  {DEGRADATION_BASE}/degradation/{id}                 one (404 if not the caller's)
    POST|GET|DELETE {DEGRADATION_BASE}/hub[/{id}]            register a listener, `legato` scope

Events (`{eventId, eventTime, eventType, event: {id, href}}`) go to
`{callback}{DEGRADATION_LISTENER_BASE}/listener/{eventType}`; as everywhere on LEGATO an event
only says which degradation changed, the listener reads it from the SOF.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DEGRADATION_BASE", "DEGRADATION_LISTENER_BASE", "DEGRADATION_API", "DEGRADATION_CREATE_EVENT",
           "DEGRADATION_STATE_CHANGE_EVENT", "DEGRADATION_EVENT_TYPES", "DEGRADATION_STATES", "degradation_href",
           "HistoryEntry", "Degradation", "degradation_from_json"]

DEGRADATION_BASE = "/cadenza/legato/slsDegradation/v1"
DEGRADATION_LISTENER_BASE = "/cadenza/legato/slsDegradationNotification/v1"
DEGRADATION_API = "legato.slsDegradation"

DEGRADATION_CREATE_EVENT = "slsDegradationCreateEvent"
DEGRADATION_STATE_CHANGE_EVENT = "slsDegradationStateChangeEvent"
DEGRADATION_EVENT_TYPES = (DEGRADATION_CREATE_EVENT, DEGRADATION_STATE_CHANGE_EVENT)
# sof/sls/degradation.py declares them with their transitions
DEGRADATION_STATES = ("detected", "rerouting", "manualIntervention", "resolved")


def degradation_href(degradation_id: str) -> str:
    return f"{DEGRADATION_BASE}/degradation/{degradation_id}"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: str  # when the SOF recorded it (RFC 3339)
    state: str
    why: str
    # the measurement interval (network time, 15-minute number) the network was in when a remedy
    # was applied: its effect is judged on the intervals after it
    interval: int | None = None
    metrics: tuple[str, ...] = ()  # on `detected`: the SLS metrics breached (e.g. oneWayFrameLossRatioPmMetric)


@dataclass(frozen=True, slots=True)
class Degradation:
    """One direction of one service not meeting its SLS, as the SOF tells it."""

    id: str
    service_id: str
    direction: str  # a-to-z | z-to-a: from the service's first end point to its second, or back
    state: str
    cause: str | None  # where the SOF located it: a network domain of ours, or a partner's party
    breaches: tuple[str, ...]  # the sentences of the last breached interval
    since: str | None  # the start of the first breached interval (network time)
    last_breach: str | None
    resolved_at: str | None  # the start of the interval that met the SLS again
    history: tuple[HistoryEntry, ...]


def degradation_from_json(body: Mapping[str, Any]) -> Degradation:
    return Degradation(
        id=str(body["id"]), service_id=str(body["serviceId"]), direction=str(body["direction"]),
        state=str(body["state"]), cause=body.get("cause"), breaches=tuple(body.get("breaches") or ()),
        since=body.get("since"), last_breach=body.get("lastBreach"), resolved_at=body.get("resolvedAt"),
        history=tuple(HistoryEntry(at=str(h["at"]), state=str(h["state"]), why=str(h.get("why", "")),
                                   interval=h.get("interval"), metrics=tuple(h.get("metrics") or ()))
                      for h in body.get("history") or ()))
