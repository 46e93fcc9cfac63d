"""The Performance Monitoring APIs one performance entity serves, and what differs between them.

ALLEGRO v5 (the customer), INTERLUDE v2 (a buyer SOF at a partner's SOF) and LEGATO v2 (the
BUS) are one model of profiles, jobs, reports and tracking records (MEF W133.1); their files
differ in paths, hub, listener base, the spelling of some states and the payloads. The rows
of each API carry its `key`, so each lists and announces only its own; what a row looks like
on the wire is the API's `dialect` ("v5": sof/performance/*.render; "v2":
sof/performance/v2_payloads.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cadenza.interfaces.allegro import pm_paths as allegro
from cadenza.interfaces.interlude import pm_paths as interlude
from cadenza.interfaces.legato import pm_paths as legato

__all__ = ["PmApi", "ALLEGRO", "INTERLUDE", "LEGATO", "of"]


@dataclass(frozen=True)
class PmApi:
    key: str  # the rows' `api`
    base: str
    hub: str
    listener_base: str
    scope: str
    event_types: tuple[str, ...]
    dialect: str  # v5 | v2
    # a job state as this API's notification file spells it; absent: the state is not announced
    event_states: Mapping[str, str] = field(default_factory=dict)

    def event_state(self, state: str) -> str | None:
        return self.event_states.get(state) if self.event_states else state


# The v2 notification file spells job states in kebab case and has no pendingCancel, which a
# v2 cancellation passes through unannounced (its cancelPerformanceJob resource tells of it).
_V2_EVENT_STATES = {"acknowledged": "acknowledged", "cancelled": "cancelled", "completed": "completed",
                    "inProgress": "in-progress", "pending": "pending", "rejected": "rejected",
                    "resourcesUnavailable": "resource-unavailable", "scheduled": "scheduled",
                    "suspended": "suspended"}

ALLEGRO = PmApi("allegro", allegro.PM_BASE, allegro.PM_HUB, allegro.PM_LISTENER_BASE, allegro.SCOPE,
                allegro.PM_EVENT_TYPES, "v5")
INTERLUDE = PmApi("interlude", interlude.PM_BASE, interlude.PM_HUB, interlude.PM_LISTENER_BASE, interlude.SCOPE,
                  interlude.HUB_EVENT_TYPES, "v2", _V2_EVENT_STATES)
LEGATO = PmApi("legato", legato.PM_BASE, legato.PM_HUB, legato.PM_LISTENER_BASE, legato.SCOPE,
               legato.PM_EVENT_TYPES, "v2", _V2_EVENT_STATES)
_BY_KEY = {api.key: api for api in (ALLEGRO, INTERLUDE, LEGATO)}


def of(key: str | None) -> PmApi:
    return _BY_KEY[key or ALLEGRO.key]
