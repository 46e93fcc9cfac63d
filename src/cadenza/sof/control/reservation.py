"""Reservations (MEF 55.0.1 §10.3, "reservations"; Cadenza's profile, as no MEF API has one):
a customer reserves bandwidth on its own service for a window. At the window's start the
bandwidth is applied, at its end (or on cancel) it is released: the reservation is carried out
as a scheduled temporary change (sof/control/schedule.py), so it is durable and notified like
any change of the customer's.

States (CapacityReservationRow.state), and why each exists:

    scheduled -> active     the window began and the reserved bandwidth is applied
    scheduled -> cancelled  cancelled before the window (nothing was changed)
    scheduled -> failed     the bandwidth could not be applied at the window's start
    active    -> completed  the window ended and the bandwidth was put back
    active    -> cancelled  cancelled during the window: the bandwidth is put back now

Capacity: a reservation is accepted only if every SP network domain of the service can carry
the reserved bandwidth on the route the service has (PRESTO `compute-p-2-p-path` for the
service, its own holding counted free: the ICM's planning), with room left for the other
reservations held on the same links at the same time. The check and the new row are one
transaction, serialised across the domain's workers (a PostgreSQL advisory lock; SQLite has one
writer), so two requests for the last capacity get one yes and one no.

Exceptions::

    Unprocessable (422)  the request, the bounds of the product or the capacity refuse it; the
                         reason names the bound or the link
    Conflict (409)       a cancel of a reservation that is over
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import Conflict, NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.interfaces.allegro.ordering_client import change_item, change_order
from cadenza.interfaces.legato.models import ServiceOrderCreate
from cadenza.interfaces.presto.client import PathEnd, PrestoRefused, PrestoUnavailable
from cadenza.sof import service_inventory as inventory
from cadenza.sof.control import schedule, store
from cadenza.sof.control.bounds import Asked, check
from cadenza.sof.control.change_request import accept_change, hand_over
from cadenza.sof.control.rows import CapacityReservationRow
from cadenza.sof.rows import ServiceOrderRow, ServiceRow
from cadenza.sof.service import Sof

__all__ = ["SCHEDULED", "ACTIVE", "COMPLETED", "CANCELLED", "FAILED", "Reserve", "reserve", "cancel", "find",
           "mine"]

SCHEDULED, ACTIVE, COMPLETED, CANCELLED, FAILED = "scheduled", "active", "completed", "cancelled", "failed"
_OVER = (COMPLETED, CANCELLED, FAILED)
# One key for the whole domain: reservations on different links are rare enough to share it.
_ADVISORY_KEY = 0x5C0F_CA9A


@dataclass(frozen=True, slots=True)
class Reserve:
    service_id: str
    mbps: int
    start: datetime
    end: datetime
    description: str | None = None


@dataclass(frozen=True, slots=True)
class _Route:
    links: tuple[str, ...]  # "<network domain>/<link id or edge point>" of every SP segment
    headroom_mbps: int  # the least left free along them once the reserved bandwidth is carried, now


def _refuse(reason: str, pointer: str) -> Unprocessable:
    return Unprocessable(reason, code="invalidValue", property_path=pointer)


def _own(session: Session, customer: str | None, service_id: str) -> ServiceRow:
    row = session.get(ServiceRow, service_id)
    if row is None or row.customer is None or (customer is not None and row.customer != customer):
        raise Unprocessable(f"You have no service '{service_id}'; list yours at Service Inventory v2",
                            code="referenceNotFound", property_path="/serviceId")
    if row.state != inventory.ACTIVE:
        raise _refuse(f"Service {row.id} is {row.state}: only an active service can be reserved for", "/serviceId")
    return row


def _route(sof: Sof, service: ServiceRow, mbps: int) -> _Route:
    """What the ICMs say of the service's route at `mbps` now (their planning; nothing is held)."""
    links: list[str] = []
    headroom: int | None = None
    for segment in service.design.get("segments", []):
        nd = segment["networkDomain"]
        ends = [PathEnd(p["edgePoint"], p["vlan"], port_based=p["vlan"] is None) for p in (segment["a"], segment["z"])]
        try:
            path = sof.presto.compute_p2p_path(nd, *ends, mbps, max_delay_ms=service.design.get("maxDelayMs"),
                                               for_service=segment["uuid"])
        except PrestoRefused as exc:
            reason = (exc.body or {}).get("reason") or exc.reason
            raise _refuse(f"the {nd} network cannot carry {mbps} Mbit/s on service {service.id}: {reason}",
                          "/bandwidthMbps") from exc
        except PrestoUnavailable as exc:
            raise _refuse(f"the {nd} network could not be asked whether it can carry {mbps} Mbit/s now ({exc}); "
                          "ask again", "/bandwidthMbps") from exc
        # the edge ports too: the ICM's headroom counts them, and two services may share a UNI
        links += [f"{nd}/{link}" for link in path.links] + [f"{nd}/{p['edgePoint']}" for p in (segment["a"],
                                                                                                segment["z"])]
        headroom = path.headroom_mbps if headroom is None else min(headroom, path.headroom_mbps)
    return _Route(tuple(links), headroom or 0)


def _peak(windows: list[tuple[datetime, datetime, int]], start: datetime, end: datetime) -> int:
    """The most bandwidth the `windows` ((start, end, Mbit/s)) take at once within [start, end)."""
    moments = {start, *(s for s, _, _ in windows if start <= s < end)}
    return max((sum(m for s, e, m in windows if s <= moment < e) for moment in moments), default=0)


def _check_capacity(session: Session, asked: Reserve, route: _Route) -> None:
    """Refuse `asked` unless the route keeps room for it beside the reservations held on its
    links in its window. The ICM's headroom is of now: a reservation active now is already in it
    (its bandwidth applied), so its share is given back before all are counted in their windows."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
    ours = set(route.links)
    held = [r for r in session.scalars(select(CapacityReservationRow).where(CapacityReservationRow.held.is_(True)))
            if ours & set(r.links)]
    if any(r.service_id == asked.service_id and schedule.utc(r.start_at) < asked.end
           and asked.start < schedule.utc(r.end_at) for r in held):
        raise _refuse(f"service {asked.service_id} already has a reservation in this window: cancel it or reserve "
                      "another window", "/startDate")
    # the headroom is what is left once the reserved bandwidth is carried: the others must fit in it
    room = route.headroom_mbps + sum(r.extra_mbps for r in held if r.state == ACTIVE)
    taken = _peak([(schedule.utc(r.start_at), schedule.utc(r.end_at), r.extra_mbps) for r in held],
                  asked.start, asked.end)
    if taken > room:
        shared = sorted(ours & {link for r in held for link in r.links})
        raise _refuse(f"capacity: {asked.mbps} Mbit/s on service {asked.service_id} leaves {max(room, 0)} Mbit/s "
                      f"free on its route, and other reservations take {taken} Mbit/s more of it in this window "
                      f"(on {', '.join(shared)})", "/bandwidthMbps")


def reserve(sof: Sof, party: str, customer: str | None, asked: Reserve) -> CapacityReservationRow:
    """The reservation `scheduled`, or the 422 naming what refuses it."""
    moment = now()
    start = max(asked.start, moment)
    asked = Reserve(asked.service_id, asked.mbps, start, asked.end, asked.description)
    if asked.end <= start:
        raise _refuse("endDate must be after startDate and after now", "/endDate")
    with sof.database.read() as session:
        service = _own(session, customer, asked.service_id)
        extra = asked.mbps - service.bandwidth_mbps
        if extra <= 0:
            raise _refuse(f"service {service.id} already runs at {service.bandwidth_mbps} Mbit/s: reserve more than "
                          "that", "/bandwidthMbps")
        policy = store.policy_of(session, service.id)
        if policy is None:
            raise _refuse(f"The product of service {service.id} allows no change by the customer", "/serviceId")
        # the product's bounds before the network's: they are what the customer may ask for at all
        check(policy, Asked(mbps=asked.mbps, current_mbps=service.bandwidth_mbps, vlans=(), at=moment,
                            requested_start=start, applies_at=start,
                            changes_today=store.changes_today(session, service.id, start)),
              pointer="/bandwidthMbps", start_pointer="/startDate")
    route = _route(sof, service, asked.mbps)
    reservation_id = new_id()
    order = change_order(change_item("1", service.id, service.configuration.get("@type", ""), asked.mbps),
                         start=start, description=f"Cadenza: reservation {reservation_id}")
    order["requestedCompletionDate"] = asked.end.isoformat()
    request = ServiceOrderCreate.model_validate(order)

    def hold(session: Session, placed: ServiceOrderRow) -> None:
        _check_capacity(session, asked, route)
        session.add(CapacityReservationRow(
            id=reservation_id, party=party, service_id=service.id, order_id=placed.id, mbps=asked.mbps,
            extra_mbps=extra, start_at=start, end_at=asked.end, links=list(route.links), state=SCHEDULED,
            held=True, reason=None, created_at=moment))

    try:
        placed = accept_change(sof, party, customer, request, reservation_id=reservation_id, end_at=asked.end,
                               hold=hold)
    except Unprocessable as exc:  # the bounds' pointers are the order's: say them as the reservation's fields
        raise _refuse(exc.reason, _pointer(exc.property_path)) from exc
    hand_over(sof, placed.id)
    with sof.database.read() as session:
        return session.get(CapacityReservationRow, reservation_id)


def _pointer(order_pointer: str | None) -> str:
    if order_pointer and order_pointer.startswith("/requestedStartDate"):
        return "/startDate"
    return order_pointer if order_pointer in ("/bandwidthMbps", "/startDate", "/endDate") else "/bandwidthMbps"


def find(session: Session, reservation_id: str, party: str | None) -> CapacityReservationRow:
    row = session.get(CapacityReservationRow, reservation_id)
    if row is None or (party is not None and row.party != party):
        raise NotFound(f"No reservation '{reservation_id}'")
    return row


def mine(session: Session, party: str | None) -> list[CapacityReservationRow]:
    query = select(CapacityReservationRow).order_by(CapacityReservationRow.created_at, CapacityReservationRow.id)
    if party is not None:
        query = query.where(CapacityReservationRow.party == party)
    return list(session.scalars(query))


def cancel(sof: Sof, reservation_id: str, party: str | None) -> CapacityReservationRow:
    """Before the window: nothing is changed. During it: the bandwidth is put back now. The
    capacity is released either way; a reservation that is over is refused saying so."""
    with sof.database.transaction() as session:
        row = find(session, reservation_id, party)
        if row.state in _OVER:
            raise Conflict(f"Reservation {row.id} is already {row.state}: there is nothing left to cancel")
        if not schedule.cancel_in(session, sof, sof.order(session, row.order_id, None)):
            schedule.end_now(session, row.order_id)  # applied, or being applied: put back as soon as it is
        row.state, row.held, row.reason = CANCELLED, False, "cancelled by the customer"
        return row
