"""MEF 55.0.1 §10.3 steps 2-3: a customer's ALLEGRO service order asking to change its own
live services, checked against the bounds of their products before it exists.

Only `modify` is offered to customers over ALLEGRO: a new service is bought as a product over
CANTATA (§10.2), and so is a disconnect, so `add` and `delete` items are refused with a 422
that says so. Each item names one of the caller's active services and carries the change as a
LEGATO modify does (`Sof.read_change`: the bandwidth, CE-VLANs); what it asks must fall
within the bounds (sof/control/bounds.py). An accepted order is stored `acknowledged` with the
ALLEGRO interface and handed to the same fulfilment workflow as a LEGATO order
(sof/fulfilment.py), which changes the service in place and ends the order completed or failed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import Unprocessable
from cadenza.core.ids import new_id
from cadenza.interfaces.legato.models import ServiceOrderCreate, ServiceOrderItemCreate
from cadenza.interfaces.legato.placement import ACCESS_PLACEMENT, EVC_PLACEMENT, INTERNET_PLACEMENT
from cadenza.sof import fulfilment
from cadenza.sof import service_inventory as inventory
from cadenza.sof import service_order as orders
from cadenza.sof.channels import ALLEGRO
from cadenza.sof.control import schedule, store
from cadenza.sof.control.bounds import Asked, check
from cadenza.sof.control.rows import ScheduledChangeRow
from cadenza.sof.rows import ServiceOrderItemRow, ServiceOrderRow, ServiceRow
from cadenza.sof.service import Sof

__all__ = ["accept_change", "hand_over", "REVERT_AFTER"]

_PLACEMENTS = (EVC_PLACEMENT, INTERNET_PLACEMENT, ACCESS_PLACEMENT)
# Cadenza's profile: how long a temporary change lasts, beside the change's placement hints
REVERT_AFTER = "cadenzaRevertAfter"


def _refuse(reason: str, pointer: str, code: str = "invalidValue") -> Unprocessable:
    return Unprocessable(reason, code=code, property_path=pointer)


def _own_service(session: Session, customer: str | None, service_id: str | None, pointer: str, *,
                 later: bool = False) -> ServiceRow:
    if service_id is None:
        raise _refuse("A 'modify' item needs service/id: the id of your service (Service Inventory v2) it changes",
                      f"{pointer}/id", "missingProperty")
    row = session.get(ServiceRow, service_id)
    if row is None or row.customer is None or (customer is not None and row.customer != customer):
        raise _refuse(f"You have no service '{service_id}'; list yours at Service Inventory v2", f"{pointer}/id",
                      "referenceNotFound")
    if row.state != inventory.ACTIVE:
        raise _refuse(f"Service {row.id} is {row.state}: only an active service can be changed", f"{pointer}/id")
    # a change waiting for its time does not hold the service, and one asked for later waits its turn then
    busy = None if later else schedule.busy_with(session, row.id)
    if busy is not None:
        raise _refuse(f"Service {row.id} is being changed by service order {busy.order_id}; ask again once it "
                      "completed or failed", f"{pointer}/id")
    return row


def _checked(session: Session, request: ServiceOrderCreate, item: ServiceOrderItemCreate, customer: str | None,
             pointer: str) -> tuple[ServiceRow, timedelta | None]:
    if item.action != "modify":
        raise _refuse(f"Over ALLEGRO you change your services ('modify'); '{item.action}' is not offered here: "
                      "buy or disconnect a product over CANTATA product ordering", f"{pointer}/action")
    service = f"{pointer}/service"
    row = _own_service(session, customer, item.service.id, service, later=request.requestedStartDate > now())
    config = item.service.serviceConfiguration
    if config is None:
        raise _refuse("A 'modify' item needs service/serviceConfiguration with the change (docs/allegro-profile.md)",
                      f"{service}/serviceConfiguration", "missingProperty")
    if config.type != row.configuration.get("@type"):
        raise _refuse(f"Service {row.id} is a '{row.configuration.get('@type')}': give that @type",
                      f"{service}/serviceConfiguration/@type")
    hints = config.model_dump(by_alias=True)
    change = Sof.read_change(row, hints, f"{service}/serviceConfiguration")
    policy = store.policy_of(session, row.id)
    if policy is None:
        raise _refuse(f"The product of service {row.id} allows no change by the customer", f"{service}/id")
    placement = next((k for k in _PLACEMENTS if k in hints), _PLACEMENTS[0])
    moment = now()
    applies = max(moment, request.requestedStartDate)
    vlans = (*change["vlans"].values(), *((change["partnerCeVlan"],) if "partnerCeVlan" in change else ()))
    check(policy, Asked(mbps=change["mbps"], current_mbps=row.bandwidth_mbps, vlans=vlans, at=moment,
                        requested_start=request.requestedStartDate, applies_at=applies,
                        changes_today=store.changes_today(session, row.id, applies)),
          pointer=f"{service}/serviceConfiguration/{placement}")
    return row, _revert_after(hints, vlans, f"{service}/serviceConfiguration/{REVERT_AFTER}")


def _revert_after(hints: dict[str, Any], vlans: tuple[int | None, ...], pointer: str) -> timedelta | None:
    """How long a temporary change lasts (`cadenzaRevertAfter`, the spec's Duration), or None."""
    duration = hints.get(REVERT_AFTER)
    if duration is None:
        return None
    if not isinstance(duration, dict) or not isinstance(duration.get("amount"), int) or duration["amount"] < 1:
        raise _refuse("cadenzaRevertAfter is a Duration: {\"amount\": a whole number above 0, \"units\": "
                      "\"seconds\", \"minutes\", \"calendarHours\" or \"calendarDays\"}", pointer)
    length = schedule.revert_after(duration)
    if length is None:
        raise _refuse(f"cadenzaRevertAfter in {duration.get('units')!r} has no fixed length: give seconds, minutes, "
                      "calendarHours or calendarDays", f"{pointer}/units")
    if any(v is not None for v in vlans):
        raise _refuse("A temporary change changes the bandwidth only: change CE-VLANs with a change of its own",
                      pointer)
    return length


def accept_change(sof: Sof, party: str, customer: str | None, request: ServiceOrderCreate, *,
                  reservation_id: str | None = None, end_at: datetime | None = None,
                  hold: Callable[[Session, ServiceOrderRow], None] | None = None) -> ServiceOrderRow:
    """The order of `party` (the caller; `customer`: whose services it may change, None for an
    operator: any customer's), `acknowledged`, or a 422 naming what is wrong with it. A change
    whose requestedStartDate is ahead, or that is temporary, waits for its time
    (sof/control/schedule.py); `reservation_id` and `end_at`: a reservation's, which applies it
    at its window's start and puts it back at `end_at`; `hold(session, order)` runs in the
    same transaction (the reservation's capacity check), refusing by raising."""
    ids = [item.id for item in request.serviceOrderItem]
    if len(set(ids)) != len(ids):
        raise _refuse("Service order item ids must be unique within the order", "/serviceOrderItem")
    services = [item.service.id for item in request.serviceOrderItem]
    if len(set(services)) != len(services):
        raise _refuse("Each item changes another service: give one item per service, with all its changes",
                      "/serviceOrderItem")
    moment = now()
    start = request.requestedStartDate
    # a date-time without an offset is read as UTC, as the MEF examples write them
    start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    request = request.model_copy(update={"requestedStartDate": start})
    with sof.database.transaction() as session:
        # the services held first: the "already being changed" check and this order's items
        # are then one step for each service (a concurrent change of it waits, then is refused)
        schedule.hold_services(session, services)
        checked = [_checked(session, request, item, customer, f"/serviceOrderItem/{n}")
                   for n, item in enumerate(request.serviceOrderItem)]
        rows = [row for row, _ in checked]
        lasts = next((length for _, length in checked if length is not None), None)
        scheduled = start > moment  # even seconds ahead: the change waits for its time
        if (scheduled or lasts is not None or reservation_id is not None) and len(rows) > 1:
            raise _refuse("A change scheduled ahead or temporary changes one service: give one item",
                          "/serviceOrderItem")
        order = ServiceOrderRow(
            id=new_id(), interface=ALLEGRO, party=party, state=orders.ACKNOWLEDGED, external_id=request.externalId,
            description=request.description, notes=[n.model_dump(mode="json") for n in request.note or []],
            order_date=moment, requested_start=request.requestedStartDate,
            requested_completion=request.requestedCompletionDate, cancel_requested=False)
        session.add(order)
        for position, (item, row) in enumerate(zip(request.serviceOrderItem, rows, strict=True)):
            session.add(ServiceOrderItemRow(
                order_id=order.id, item_id=item.id, position=position, action=item.action, state=orders.ACKNOWLEDGED,
                service_id=row.id, termination_error=None,
                service=item.service.model_dump(mode="json", by_alias=True, exclude_none=True)))
        session.flush()
        if scheduled or lasts is not None or reservation_id is not None:
            applies = max(start, moment)
            schedule.plan(session, order, rows[0].id, apply_at=applies,
                          end_at=end_at or (applies + lasts if lasts is not None else None),
                          reservation_id=reservation_id)
        if hold is not None:
            hold(session, order)
        orders.announce_created(session, order, wake=sof.wake)
    return order


def hand_over(sof: Sof, order_id: str) -> None:
    """The accepted order to its workflow: fulfilment at once, or its schedule."""
    with sof.database.read() as session:
        planned = session.get(ScheduledChangeRow, order_id) is not None
    (schedule.submit if planned else fulfilment.submit)(sof, order_id)
