"""The SP's trouble desk: what the BUS does with a buyer's ticket (MEF 124 use cases 1-6) and
what it does on its own side as the seller (take a ticket up, attach it to the incident already
open on the product, resolve it, ask for information, close it when the confirmation period
passes). The routers (bus/api/trouble_ticket.py) call these; they raise the spec's errors.

Proactive detection (MEF 55.0.1 §10.5, alternative flow): a ticket on a product with an open
incident (one per product, whichever directions are degraded: bus/incident/follow.py) is
attached to it (`relatedIssue`, `@referredType: Incident`, source seller) and taken up at once,
and an incident that opens on a product with an unattended ticket attaches that ticket; the
ticket is resolved when the incident closes. A ticket no incident explains goes to
`TroubleDesk.diagnose` (bus/trouble/diagnosis.py: SOF diagnoses it over LEGATO); with no hook
it waits `acknowledged` (or `reopened`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.bus.incident import states as incident_states
from cadenza.bus.incident.outage import open_outages
from cadenza.bus.incident.store import incidents
from cadenza.bus.incident.triage import PRIORITIES, SEVERITIES, worst
from cadenza.bus.keys import text
from cadenza.bus.product_inventory import products
from cadenza.bus.rows import BusResourceKeyRow, BusResourceRow
from cadenza.bus.trouble import ticket
from cadenza.bus.trouble.rules import SELLER_CONTACT_ROLES, check_buyer_items, check_contacts, check_kept
from cadenza.bus.trouble.store import CAUSED_BY, RELATED_TO, linked_to_incident, tickets
from cadenza.bus.trouble.ticket import TicketApi
from cadenza.core.clock import iso, now
from cadenza.core.errors import Unprocessable

__all__ = ["TroubleDesk", "open_ticket", "take_up", "patch_ticket", "cancel", "close", "reopen", "resolve",
           "require_information", "incident_changed", "resolutions"]

# R29: what a buyer may patch; R30: of those, what needs a note saying why
PATCHABLE = ("externalId", "priority", "severity", "issueStartDate", "observedImpact", "attachment", "note",
             "relatedContactInformation", "relatedIssue")
NEEDS_NOTE = ("priority", "severity", "issueStartDate", "relatedIssue")
# when the SP expects to resolve a ticket of each priority (its resolution target): the
# `expectedResolutionDate` a new ticket gets, until an incident it attaches to promises sooner
RESOLUTION_TARGET = {"critical": timedelta(hours=4), "high": timedelta(hours=8), "medium": timedelta(hours=24),
                     "low": timedelta(hours=72)}


@dataclass
class TroubleDesk:
    """Who answers tickets (`contact`, role sellerTicketContact, R12), where (`base_url`, for
    absolute hrefs), and the two hooks: `confirm_later(ticket_id, resolution)` starts the
    durable wait for the buyer's confirmation (bus/trouble/confirmation.py), `diagnose(session,
    ticket_row)` hands a ticket no incident explains to diagnosis (bus/trouble/diagnosis.py; None:
    the ticket waits)."""

    organization: str
    base_url: str
    contact: Mapping[str, str]
    confirmation_s: float = 72 * 3600.0
    wake: Callable[[], None] | None = None
    confirm_later: Callable[[str, int], None] | None = None
    diagnose: Callable[[Session, BusResourceRow], None] | None = None
    # per customer party that asks for one (BusSettings.proactive_tickets): the reporterContact
    # of the ticket the desk opens in its name when an incident opens on one of its products
    proactive: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    apis: dict[str, TicketApi] = field(default_factory=lambda: {"cantata": ticket.CANTATA_TICKETS,
                                                                "sonata": ticket.SONATA_TICKETS})

    @property
    def author(self) -> str:
        return f"{self.organization} trouble desk"


def _products_of(session: Session, api: TicketApi, owner: str, payload: Mapping[str, Any]) -> list[BusResourceRow]:
    """The buyer's products the ticket is about (R9: relatedEntity points at a Product)."""
    found = []
    for index, entity in enumerate(payload.get("relatedEntity") or []):
        if (entity.get("@referredType") or "Product") != "Product":
            continue
        row = session.get(BusResourceRow, entity["id"])
        if row is None or row.kind != products.kind or row.owner != owner or row.family != api.family:
            raise Unprocessable(f"/relatedEntity/{index}/id: you have no product '{entity['id'][:80]}'",
                                code="referenceNotFound", property_path=f"/relatedEntity/{index}/id")
        found.append(row)
    if not found:
        raise Unprocessable("/relatedEntity: name the product with the issue (@referredType Product)",
                            code="missingProperty", property_path="/relatedEntity")
    return found


def _check_related_issues(session: Session, api: TicketApi, owner: str, items: list[dict[str, Any]],
                          start: int = 0) -> None:
    """A related issue the buyer adds names one of its own incidents or tickets (use case 1: the
    buyer may link the incident it found on its product)."""
    kinds = {"Incident": incidents.kind, "TroubleTicket": tickets.kind}
    for index, item in enumerate(items):
        if index < start:
            continue
        kind = kinds.get(item.get("@referredType", ""))
        if kind is None:
            raise Unprocessable(f"/relatedIssue/{index}/@referredType: Incident or TroubleTicket",
                                property_path=f"/relatedIssue/{index}/@referredType")
        row = session.get(BusResourceRow, item["id"])
        if row is None or row.kind != kind or row.owner != owner or row.family != api.family:
            raise Unprocessable(f"/relatedIssue/{index}/id: you have no {item['@referredType']} "
                                f"'{item['id'][:80]}'", code="referenceNotFound",
                                property_path=f"/relatedIssue/{index}/id")


def open_ticket(session: Session, desk: TroubleDesk, api: TicketApi, owner: str,
                payload: Mapping[str, Any]) -> BusResourceRow:
    """Use case 1: the ticket as the buyer wrote it (R11), `acknowledged` (R13), with what the
    seller adds (R12), then taken up."""
    if not any(c.get("role") == "reporterContact" for c in payload.get("relatedContactInformation") or []):
        raise Unprocessable("/relatedContactInformation: give a contact with role reporterContact",
                            code="missingProperty", property_path="/relatedContactInformation")
    if any(c.get("role") in SELLER_CONTACT_ROLES for c in payload["relatedContactInformation"]):
        raise Unprocessable("/relatedContactInformation: the seller's contact roles are the seller's to set",
                            property_path="/relatedContactInformation")
    check_buyer_items(payload)
    _products_of(session, api, owner, payload)
    _check_related_issues(session, api, owner, list(payload.get("relatedIssue") or []))
    created = now()
    moment = iso(created)
    document: dict[str, Any] = {
        **payload, "creationDate": moment, "status": ticket.ACKNOWLEDGED,
        "expectedResolutionDate": iso(created + RESOLUTION_TARGET[payload["priority"]]),
        # until the seller has assessed the issue it takes the buyer's view of it
        "sellerPriority": payload["priority"], "sellerSeverity": payload["severity"],
        "relatedContactInformation": [*payload["relatedContactInformation"], dict(desk.contact)],
        "statusChange": [{"status": ticket.ACKNOWLEDGED, "changeDate": moment,
                          "changeReason": "the ticket was received and accepted"}]}
    row = tickets.add(session, family=api.family, owner=owner, state=ticket.ACKNOWLEDGED, document=document)
    tickets.save(row, {"id": row.id, "href": f"{desk.base_url}{api.base}/troubleTicket/{row.id}", **document})
    take_up(session, desk, row)
    return row


def _open_incidents(session: Session, row: BusResourceRow) -> list[BusResourceRow]:
    product_ids = [e["id"] for e in row.document.get("relatedEntity") or []
                   if (e.get("@referredType") or "Product") == "Product"]
    if row.family != "cantata" or not product_ids:
        return []  # incidents are on CANTATA products only (bus/incident/)
    keyed = select(BusResourceKeyRow.resource_id).where(BusResourceKeyRow.name == "relatedEntityId",
                                                        BusResourceKeyRow.value.in_([text(p) for p in product_ids]))
    return list(session.scalars(select(BusResourceRow).where(
        BusResourceRow.kind == incidents.kind, BusResourceRow.owner == row.owner,
        BusResourceRow.state != incident_states.CLOSED, BusResourceRow.id.in_(keyed))
        .order_by(BusResourceRow.created_at, BusResourceRow.id)))


def _attach(session: Session, desk: TroubleDesk, row: BusResourceRow, found: list[BusResourceRow], *,
            relationship: str = CAUSED_BY) -> None:
    """The ticket linked to the incidents `found`: `caused by` (it follows them and is resolved
    when they close) or `related to` (it is diagnosed on its own; they tell what was seen)."""
    # the seller's own link (a buyer may have linked the incident too: that item stays the buyer's, R21)
    known = {i["id"] for i in row.document.get("relatedIssue") or []
             if i.get("@referredType") == "Incident" and i.get("source") == "seller"}
    fresh = [i for i in found if i.id not in known]
    if not fresh:
        return
    moment = iso()
    issues = [{"@referredType": "Incident", "id": i.id, "href": i.document["href"], "creationDate": moment,
               "description": i.document["description"][:4000], "relationshipType": relationship,
               "source": "seller"} for i in fresh]
    said = "We already work on this" if relationship == CAUSED_BY else "We know of this outage"
    lines = [f"{said}: incident {i.id} ({i.document['description']}), found "
             f"{i.document['creationDate']}; its latest note: {(i.document.get('note') or [{}])[-1].get('text', '-')}"
             for i in fresh]
    changes: dict[str, Any] = {
        "relatedIssue": [*(row.document.get("relatedIssue") or []), *issues],
        "note": [*(row.document.get("note") or []), ticket.seller_note(row, desk.author, " / ".join(lines), at=moment)],
        "sellerSeverity": worst([row.document["sellerSeverity"], *(i.document["severity"] for i in fresh)],
                                SEVERITIES),
        "sellerPriority": worst([row.document["sellerPriority"], *(i.document["priority"] for i in fresh)],
                                PRIORITIES)}
    expected = [i.document["expectedClosedDate"] for i in fresh if i.document.get("expectedClosedDate")]
    if expected:  # R22: the note above goes with it
        changes["expectedResolutionDate"] = max(expected)
    ticket.update(session, row, changes, wake=desk.wake)


def _worked_on(session: Session, row: BusResourceRow, found: list[BusResourceRow]) -> bool:
    """Whether another open ticket on the products of `row` is being diagnosed (or its field work
    or partner's ticket followed): `inProgress`, or `pending` on a work order, and not caused by
    (so waiting on) the incidents `found`. One `pending` on the buyer's answer is worked on by no one."""
    product_ids = [e["id"] for e in row.document.get("relatedEntity") or []
                   if (e.get("@referredType") or "Product") == "Product"]
    keyed = select(BusResourceKeyRow.resource_id).where(BusResourceKeyRow.name == "relatedEntityId",
                                                        BusResourceKeyRow.value.in_([text(p) for p in product_ids]))
    others = session.scalars(select(BusResourceRow).where(
        BusResourceRow.kind == tickets.kind, BusResourceRow.owner == row.owner, BusResourceRow.id != row.id,
        BusResourceRow.family == row.family, BusResourceRow.state.in_([ticket.IN_PROGRESS, ticket.PENDING]),
        BusResourceRow.id.in_(keyed)))
    incident_ids = {i.id for i in found}
    return any((other.state == ticket.IN_PROGRESS or bool(other.document.get("workOrder")))
               and not any(i.get("@referredType") == "Incident" and i.get("source") == "seller"
                           and i.get("relationshipType") == CAUSED_BY and i["id"] in incident_ids
                           for i in other.document.get("relatedIssue") or [])
               for other in others)


def take_up(session: Session, desk: TroubleDesk, row: BusResourceRow) -> None:
    """The seller starts on a ticket (new, or reopened): an open incident on its product
    explains it; otherwise it is diagnosis's (the ticket waits when the desk has none).

    An outage is the exception: its incident tells the customer what is down, but nothing
    remedies it until a ticket is diagnosed. The first ticket on the product is diagnosed (and
    related to the incident); one more, while that one is worked on, follows the incident."""
    if row.state not in (ticket.ACKNOWLEDGED, ticket.REOPENED):
        return
    found = _open_incidents(session, row)
    if (found and desk.diagnose is not None and open_outages(session, [i.id for i in found])
            and not _worked_on(session, row, found)):
        _attach(session, desk, row, found, relationship=RELATED_TO)
        desk.diagnose(session, row)
        return
    if found:
        _attach(session, desk, row, found)
        ticket.transition_to(session, row, ticket.IN_PROGRESS, wake=desk.wake,
                             reason=f"attached to incident {', '.join(i.id for i in found)}, which is being handled")
    elif desk.diagnose is not None:
        desk.diagnose(session, row)


def _buyer_may_change(row: BusResourceRow) -> None:
    if row.state in (ticket.CLOSED, ticket.ASSESSING_CANCELLATION, ticket.CANCELLED):  # R35
        raise Unprocessable(f"Trouble ticket {row.id} is {row.state}: it can no longer be changed",
                            property_path="/status")


def patch_ticket(session: Session, desk: TroubleDesk, row: BusResourceRow, patch: Mapping[str, Any]) -> None:
    """Use case 4 (json merge of `TroubleTicket_Update`): append-only notes and attachments, the
    seller's items kept, a note whenever priority, severity, issueStartDate or relatedIssue change."""
    _buyer_may_change(row)
    if not any(name in patch for name in PATCHABLE):
        raise Unprocessable(f"Give at least one of {', '.join(PATCHABLE)}", code="missingProperty",
                            property_path="/")
    current = row.document
    check_kept(current, patch, "note")
    check_kept(current, patch, "attachment")
    check_contacts(current, patch)
    if "relatedIssue" in patch:
        theirs = [i for i in current.get("relatedIssue") or [] if i.get("source") == "seller"]
        if any(i not in (patch["relatedIssue"] or []) for i in theirs):
            raise Unprocessable("/relatedIssue: keep the seller's related issues as they are",
                                property_path="/relatedIssue")
    added = {"note": len(current.get("note") or []), "attachment": len(current.get("attachment") or []),
             "relatedIssue": 0}
    new_issues = [i for i in patch.get("relatedIssue") or [] if i not in (current.get("relatedIssue") or [])]
    check_buyer_items({**patch, "relatedIssue": new_issues}, added)
    _check_related_issues(session, ticket.ticket_api(row.family), row.owner, new_issues)
    changed = [n for n in NEEDS_NOTE if n in patch and patch[n] != current.get(n)]
    if changed and len(patch.get("note") or []) <= added["note"]:
        raise Unprocessable(f"/note: add a note saying why {', '.join(changed)} changed (MEF 124 R30)",
                            code="missingProperty", property_path="/note")
    document = {**current, **{k: v for k, v in patch.items() if k in PATCHABLE}}
    tickets.save(row, document)
    if row.state == ticket.PENDING:  # R37: the buyer answered
        ticket.transition_to(session, row, ticket.IN_PROGRESS, reason="the buyer gave more information",
                             wake=desk.wake)


def cancel(session: Session, desk: TroubleDesk, row: BusResourceRow) -> None:
    """Use case 5: assessing the cancellation, then cancelled. The assessment decides at once:
    an incident attached to the ticket is the SP's own and is followed to its end regardless."""
    if row.state not in (ticket.ACKNOWLEDGED, ticket.IN_PROGRESS, ticket.PENDING):  # R40
        raise Unprocessable(f"Trouble ticket {row.id} is {row.state}: only an acknowledged, inProgress or pending "
                            "ticket can be cancelled", property_path="/status")
    ticket.transition_to(session, row, ticket.ASSESSING_CANCELLATION, reason="the buyer asked to cancel the ticket",
                         wake=desk.wake)
    linked = [i["id"] for i in row.document.get("relatedIssue") or [] if i.get("@referredType") == "Incident"]
    why = (f"cancelled as the buyer asked; incident {', '.join(linked)} is handled to its end all the same"
           if linked else "cancelled as the buyer asked")
    ticket.transition_to(session, row, ticket.CANCELLED, reason=why, wake=desk.wake)


def _resolved_first(row: BusResourceRow, action: str) -> None:
    if row.state != ticket.RESOLVED:
        raise Unprocessable(f"Trouble ticket {row.id} is {row.state}: only a resolved ticket can be {action}",
                            property_path="/status")


def close(session: Session, desk: TroubleDesk, row: BusResourceRow, *, confirmed: bool = True) -> None:
    """Use case 6, yes: the buyer confirms; or the confirmation period passed unanswered."""
    _resolved_first(row, "closed")
    hours = desk.confirmation_s / 3600
    reason = ("the buyer confirmed the issue is no longer observed" if confirmed else
              f"no answer from the buyer within the confirmation period ({hours:g} h) after the resolution")
    ticket.transition_to(session, row, ticket.CLOSED, reason=reason, wake=desk.wake)


def reopen(session: Session, desk: TroubleDesk, row: BusResourceRow, reason: str) -> None:
    """Use case 6, no: the buyer's reason as its note (R46), reopened (R45), taken up again."""
    _resolved_first(row, "reopened")
    notes = row.document.get("note") or []
    note = {"id": f"buyer-reopen-{len(notes) + 1}", "author": "closureRejection", "date": iso(), "source": "buyer",
            "text": reason[:4000]}
    ticket.transition_to(session, row, ticket.REOPENED, reason=f"the buyer still observes the issue: {reason}",
                         changes={"note": [*notes, note]}, wake=desk.wake)
    take_up(session, desk, row)


def resolutions(row: BusResourceRow) -> int:
    """How many times the ticket was resolved: each resolution has its own confirmation wait."""
    return sum(1 for change in row.document.get("statusChange") or [] if change["status"] == ticket.RESOLVED)


def resolve(session: Session, desk: TroubleDesk, row: BusResourceRow, how: str) -> None:
    """The seller says the issue is fixed, with a note saying how (R28), and waits for the
    buyer's confirmation (or the end of the confirmation period)."""
    note = ticket.seller_note(row, desk.author, f"Resolved: {how}")
    ticket.transition_to(session, row, ticket.RESOLVED, reason=how,
                         changes={"note": [*(row.document.get("note") or []), note]}, wake=desk.wake)
    if desk.confirm_later is not None:
        desk.confirm_later(row.id, resolutions(row))


def require_information(session: Session, desk: TroubleDesk, row: BusResourceRow, what: str) -> None:
    """The seller needs the buyer's answer to go on: pending, with a note saying what (R63)."""
    note = ticket.seller_note(row, desk.author, f"We need from you: {what}")
    ticket.transition_to(session, row, ticket.PENDING, reason=f"waiting for the buyer: {what}",
                         changes={"note": [*(row.document.get("note") or []), note]}, wake=desk.wake)


def incident_changed(session: Session, desk: TroubleDesk, incident: BusResourceRow) -> None:
    """An incident opened or moved (bus/incident/follow.py): unattended tickets on its product
    attach to it; when it closes, the tickets it explains are resolved."""
    if incident.state == incident_states.CLOSED:
        last = (incident.document.get("note") or [{}])[-1].get("text", "the incident is closed")
        for row in linked_to_incident(session, incident.id, [ticket.IN_PROGRESS]):
            resolve(session, desk, row, f"incident {incident.id} is closed: {last}")
        return
    product_ids = [e["id"] for e in incident.document.get("relatedEntity") or []]
    keyed = select(BusResourceKeyRow.resource_id).where(BusResourceKeyRow.name == "relatedEntityId",
                                                        BusResourceKeyRow.value.in_([text(p) for p in product_ids]))
    waiting = session.scalars(select(BusResourceRow).where(
        BusResourceRow.kind == tickets.kind, BusResourceRow.owner == incident.owner,
        BusResourceRow.family == "cantata", BusResourceRow.state.in_([ticket.ACKNOWLEDGED, ticket.REOPENED]),
        BusResourceRow.id.in_(keyed)).order_by(BusResourceRow.created_at, BusResourceRow.id)).all()
    for row in waiting:
        take_up(session, desk, row)
    _open_for_customer(session, desk, incident)


def _open_for_customer(session: Session, desk: TroubleDesk, incident: BusResourceRow) -> None:
    """Proactive detection, where the customer's settings say so: a ticket in its name on the
    incident's product, attached to the incident at once, before the customer reports anything.
    Once per incident: not when a ticket (the customer's own, or one opened before and since
    cancelled by the customer) is attached to it already."""
    reporter = desk.proactive.get(incident.owner)
    if reporter is None or incident.family != "cantata":
        return
    if linked_to_incident(session, incident.id, tuple(ticket.TRANSITIONS), related_too=True):
        return
    document = incident.document
    impact = document.get("impact") if document.get("impact") in ("degraded", "intermittent", "down") else "degraded"
    payload = {
        "description": f"Opened for you by {desk.organization} on finding incident {incident.id}: "
                       f"{document.get('description', '')}"[:4000],
        "issueStartDate": document.get("situationStartDate") or document["creationDate"],
        "priority": document["priority"], "severity": document["severity"], "ticketType": "maintenance",
        "observedImpact": impact,
        "relatedEntity": [{k: v for k, v in e.items() if k in ("@referredType", "id", "href", "role")}
                          for e in document.get("relatedEntity") or []],
        "relatedContactInformation": [{"role": "reporterContact", **reporter}]}
    open_ticket(session, desk, desk.apis["cantata"], incident.owner, payload)
