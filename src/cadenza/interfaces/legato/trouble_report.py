"""Trouble reports over LEGATO (Cadenza's addition, docs/legato-profile.md "Trouble reports"):
MEF 55.0.1 §10.5 step 3 has the BUS ask SOF to diagnose a customer's trouble, and steps 8-11
have SOF tell the BUS what it found and did, but Legato v5 has no trouble API. The BUS reports
one service per report; SOF diagnoses and remedies it as durable work and tells its hub's
listeners of every change.

    POST {TROUBLE_REPORT_BASE}/troubleReport                 {serviceId, ticketId, attempt?, description?} -> 201
    GET  {TROUBLE_REPORT_BASE}/troubleReport?ticketId=       the caller's reports, oldest first
    GET  {TROUBLE_REPORT_BASE}/troubleReport/{id}            one (404 if not the caller's)
    POST|GET|DELETE {TROUBLE_REPORT_BASE}/hub[/{id}]         register a listener, `legato` scope

    acknowledged -> diagnosing -> remediating -> resolved
                        │              └──────> needsSiteVisit
                        ├──> needsSiteVisit      (nothing software can change: a person must go)
                        ├──> partnerTrouble      (the partner's segment: the BUS asks the partner)
                        └──> noTroubleFound      (every check passed)

Events (`{eventId, eventTime, eventType, event: {id, href}}`) go to
`{callback}{TROUBLE_REPORT_LISTENER_BASE}/listener/{eventType}`; as everywhere on LEGATO an event
only says which report changed, the listener reads it from SOF.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TROUBLE_REPORT_BASE", "TROUBLE_REPORT_LISTENER_BASE", "TROUBLE_REPORT_API", "TROUBLE_REPORT_CREATE_EVENT",
           "TROUBLE_REPORT_STATE_CHANGE_EVENT", "TROUBLE_REPORT_FINDING_EVENT", "TROUBLE_REPORT_EVENT_TYPES",
           "ACKNOWLEDGED", "DIAGNOSING", "REMEDIATING", "RESOLVED", "NEEDS_SITE_VISIT", "PARTNER_TROUBLE",
           "NO_TROUBLE_FOUND", "TRANSITIONS", "FINISHED", "trouble_report_href", "TroubleReportRequest", "Finding",
           "TroubleReport", "trouble_report_from_json"]

TROUBLE_REPORT_BASE = "/cadenza/legato/troubleReport/v1"
TROUBLE_REPORT_LISTENER_BASE = "/cadenza/legato/troubleReportNotification/v1"
TROUBLE_REPORT_API = "legato.troubleReport"

TROUBLE_REPORT_CREATE_EVENT = "troubleReportCreateEvent"
TROUBLE_REPORT_STATE_CHANGE_EVENT = "troubleReportStateChangeEvent"
TROUBLE_REPORT_FINDING_EVENT = "troubleReportFindingEvent"  # a finding added without a move
TROUBLE_REPORT_EVENT_TYPES = (TROUBLE_REPORT_CREATE_EVENT, TROUBLE_REPORT_STATE_CHANGE_EVENT,
                              TROUBLE_REPORT_FINDING_EVENT)

ACKNOWLEDGED = "acknowledged"
DIAGNOSING = "diagnosing"
REMEDIATING = "remediating"
RESOLVED = "resolved"
NEEDS_SITE_VISIT = "needsSiteVisit"
PARTNER_TROUBLE = "partnerTrouble"
NO_TROUBLE_FOUND = "noTroubleFound"
TRANSITIONS: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({DIAGNOSING}),
    DIAGNOSING: frozenset({REMEDIATING, NEEDS_SITE_VISIT, PARTNER_TROUBLE, NO_TROUBLE_FOUND}),
    REMEDIATING: frozenset({RESOLVED, NEEDS_SITE_VISIT}),
    RESOLVED: frozenset(), NEEDS_SITE_VISIT: frozenset(), PARTNER_TROUBLE: frozenset(), NO_TROUBLE_FOUND: frozenset(),
}
FINISHED = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)


def trouble_report_href(report_id: str) -> str:
    return f"{TROUBLE_REPORT_BASE}/troubleReport/{report_id}"


class TroubleReportRequest(BaseModel):
    """What the BUS reports: the service (a LEGATO service of its own party) and its ticket."""

    model_config = ConfigDict(extra="forbid")

    serviceId: str = Field(min_length=1, max_length=64)  # noqa: N815 - the wire name
    ticketId: str = Field(min_length=1, max_length=64)  # noqa: N815
    # the ticket's take-up: 1, then one more each time the customer reopens it (a new diagnosis)
    attempt: int = Field(default=1, ge=1, le=1000)
    description: str = Field(default="", max_length=4000)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing SOF found or did, in words a person can act on."""

    at: str
    text: str
    step: str  # correlate | read | test | locate | remedy


@dataclass(frozen=True, slots=True)
class TroubleReport:
    id: str
    service_id: str
    ticket_id: str
    attempt: int
    state: str
    # where SOF located it: "link a|b", "element x", "port x:p" (an access port), or a partner's party
    cause: str | None
    partner: str | None  # the partner whose segment it is, on partnerTrouble
    partner_reference: str | None  # the partner's reference of that segment (its product order)
    findings: tuple[Finding, ...]
    remedy: str | None  # what was done (resolved) or what a person must do (needsSiteVisit)


def trouble_report_from_json(body: Mapping[str, Any]) -> TroubleReport:
    return TroubleReport(
        id=str(body["id"]), service_id=str(body["serviceId"]), ticket_id=str(body["ticketId"]),
        attempt=int(body.get("attempt", 1)), state=str(body["state"]), cause=body.get("cause"),
        partner=body.get("partner"),
        partner_reference=body.get("partnerReference"), remedy=body.get("remedy"),
        findings=tuple(Finding(at=str(f["at"]), text=str(f["text"]), step=str(f.get("step", "")))
                       for f in body.get("findings") or ()))
