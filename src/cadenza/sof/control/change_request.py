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

from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import Unprocessable
from cadenza.core.ids import new_id
from cadenza.interfaces.legato.models import ServiceOrderCreate, ServiceOrderItemCreate
from cadenza.interfaces.legato.placement import ACCESS_PLACEMENT, EVC_PLACEMENT, INTERNET_PLACEMENT
from cadenza.sof import service_inventory as inventory
from cadenza.sof import service_order as orders
from cadenza.sof.channels import ALLEGRO
from cadenza.sof.control import store
from cadenza.sof.control.bounds import Asked, check
from cadenza.sof.rows import ServiceOrderItemRow, ServiceOrderRow, ServiceRow
from cadenza.sof.service import Sof

__all__ = ["accept_change"]

_PLACEMENTS = (EVC_PLACEMENT, INTERNET_PLACEMENT, ACCESS_PLACEMENT)
_OPEN = (orders.ACKNOWLEDGED, orders.IN_PROGRESS, orders.HELD)
# how far in the future a requested start may be and still mean "now" (clocks differ)
_NOW_SLACK_S = 300


def _refuse(reason: str, pointer: str, code: str = "invalidValue") -> Unprocessable:
    return Unprocessable(reason, code=code, property_path=pointer)


def _own_service(session: Session, customer: str | None, service_id: str | None, pointer: str) -> ServiceRow:
    if service_id is None:
        raise _refuse("A 'modify' item needs service/id: the id of your service (Service Inventory v2) it changes",
                      f"{pointer}/id", "missingProperty")
    row = session.get(ServiceRow, service_id)
    if row is None or row.customer is None or (customer is not None and row.customer != customer):
        raise _refuse(f"You have no service '{service_id}'; list yours at Service Inventory v2", f"{pointer}/id",
                      "referenceNotFound")
    if row.state != inventory.ACTIVE:
        raise _refuse(f"Service {row.id} is {row.state}: only an active service can be changed", f"{pointer}/id")
    busy = session.scalars(select(ServiceOrderItemRow).where(ServiceOrderItemRow.service_id == row.id,
                                                             ServiceOrderItemRow.state.in_(_OPEN))).first()
    if busy is not None:
        raise _refuse(f"Service {row.id} is being changed by service order {busy.order_id}; ask again once it "
                      "completed or failed", f"{pointer}/id")
    return row


def _checked(session: Session, request: ServiceOrderCreate, item: ServiceOrderItemCreate, customer: str | None,
             pointer: str) -> ServiceRow:
    if item.action != "modify":
        raise _refuse(f"Over ALLEGRO you change your services ('modify'); '{item.action}' is not offered here: "
                      "buy or disconnect a product over CANTATA product ordering", f"{pointer}/action")
    service = f"{pointer}/service"
    row = _own_service(session, customer, item.service.id, service)
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
    vlans = (*change["vlans"].values(), *((change["partnerCeVlan"],) if "partnerCeVlan" in change else ()))
    check(policy, Asked(mbps=change["mbps"], current_mbps=row.bandwidth_mbps, vlans=vlans, at=moment,
                        requested_start=request.requestedStartDate,
                        changes_today=store.changes_today(session, row.id, moment)),
          pointer=f"{service}/serviceConfiguration/{placement}")
    return row


def accept_change(sof: Sof, party: str, customer: str | None, request: ServiceOrderCreate) -> ServiceOrderRow:
    """The order of `party` (the caller; `customer`: whose services it may change, None for an
    operator: any customer's), `acknowledged`, or a 422 naming what is wrong with it."""
    ids = [item.id for item in request.serviceOrderItem]
    if len(set(ids)) != len(ids):
        raise _refuse("Service order item ids must be unique within the order", "/serviceOrderItem")
    services = [item.service.id for item in request.serviceOrderItem]
    if len(set(services)) != len(services):
        raise _refuse("Each item changes another service: give one item per service, with all its changes",
                      "/serviceOrderItem")
    moment = now()
    start = request.requestedStartDate
    if start.tzinfo is None:  # a date-time without an offset is read as UTC, as the MEF examples write them
        request = request.model_copy(update={"requestedStartDate": start.replace(tzinfo=UTC)})
    with sof.database.transaction() as session:
        # the bounds first: they say how far ahead a change could be asked for at all
        rows = [_checked(session, request, item, customer, f"/serviceOrderItem/{n}")
                for n, item in enumerate(request.serviceOrderItem)]
        if (request.requestedStartDate - moment).total_seconds() > _NOW_SLACK_S:
            raise _refuse("Scheduled changes are not built yet: give a requestedStartDate of now (or earlier) and "
                          "the change is applied at once", "/requestedStartDate")
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
        orders.announce_created(session, order, wake=sof.wake)
    return order
