"""Scheduled and temporary changes of a customer's service (MEF 55.0.1 §10.3, "scheduled
changes"): an ALLEGRO order whose requestedStartDate is ahead waits, durably, and is then
applied by the fulfilment workflow as any change is; a temporary change (`cadenzaRevertAfter`,
docs/allegro-profile.md) is put back at its end by a second order the SOF places itself, which
is applied, tested and notified like any other.

States of a schedule (ScheduledChangeRow.state), and why each exists:

    waiting   -> released   the time came and nothing else changes the service now
    waiting   -> cancelled  the customer cancelled before the time (the service is not touched)

One DBOS workflow per order (id `<order id>-schedule`): it sleeps until the time (a durable
pause: a restarted domain waits only for what is left, and the workflow id makes it run once
across the domain's workers), releases the order in one transaction that a cancel cannot
interleave with, runs the fulfilment workflow (id: the order id) and, for a temporary change,
sleeps again until its end and places the order that puts the service back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from dbos import DBOS
from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import Conflict
from cadenza.core.ids import new_id
from cadenza.core.patience import durable_pause
from cadenza.core.wakeups import WAKEUPS
from cadenza.core.workflows import start_once, start_or_restart
from cadenza.interfaces.legato.placement import EVC_PLACEMENT
from cadenza.sof import fulfilment, steps
from cadenza.sof import service_order as orders
from cadenza.sof.channels import ALLEGRO
from cadenza.sof.control.rows import CapacityReservationRow, ScheduledChangeRow
from cadenza.sof.rows import ServiceOrderItemRow, ServiceOrderRow, ServiceRow
from cadenza.sof.service import Sof, cancel_news

__all__ = ["WAITING", "RELEASED", "CANCELLED", "CANCELLED_REASON", "plan", "submit", "cancel", "end_now",
           "resume_all", "busy_with", "hold_services", "revert_after", "utc", "cancel_in", "settle_reservation",
           "end_news"]

WAITING, RELEASED, CANCELLED = "waiting", "released", "cancelled"
CANCELLED_REASON = "cancelled by the customer before its requestedStartDate: the service was not changed"
# How often a change that is due looks again whether the service is free of another change.
_BUSY_RETRY_S = 2.0
# Units of the spec's Duration with a fixed length (business hours and months have none).
_UNIT_S = {"seconds": 1, "minutes": 60, "calendarHours": 3600, "calendarDays": 86400}


def utc(moment: datetime) -> datetime:
    """A time read back from the database (SQLite gives it without its offset; it was UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def end_news(order_id: str) -> str:
    """The wake-up key that ends a temporary change early (its reservation cancelled)."""
    return f"sof-control-end:{order_id}"


def revert_after(duration: dict[str, Any]) -> timedelta | None:
    """A `Duration` ({amount, units}) as a length of time; None for a unit with no fixed length."""
    seconds = _UNIT_S.get(str(duration.get("units")))
    return None if seconds is None else timedelta(seconds=int(duration["amount"]) * seconds)


def plan(session: Session, order: ServiceOrderRow, service_id: str, *, apply_at: datetime,
         end_at: datetime | None = None, reverts: str | None = None, reservation_id: str | None = None) -> None:
    session.add(ScheduledChangeRow(order_id=order.id, service_id=service_id, state=WAITING, apply_at=apply_at,
                                   end_at=end_at, reverts=reverts, reservation_id=reservation_id))


def busy_with(session: Session, service_id: str, *, besides: str | None = None) -> ServiceOrderItemRow | None:
    """An open item changing the service now (or about to): one not waiting for its time."""
    waiting = select(ScheduledChangeRow.order_id).where(ScheduledChangeRow.service_id == service_id,
                                                        ScheduledChangeRow.state == WAITING)
    query = select(ServiceOrderItemRow).where(
        ServiceOrderItemRow.service_id == service_id,
        ServiceOrderItemRow.state.in_((orders.ACKNOWLEDGED, orders.IN_PROGRESS, orders.HELD)),
        ServiceOrderItemRow.order_id.not_in(waiting))
    if besides is not None:
        query = query.where(ServiceOrderItemRow.order_id != besides)
    return session.scalars(query).first()


def hold_services(session: Session, service_ids: Iterable[str | None]) -> None:
    """Lock the services' rows (SELECT ... FOR UPDATE, in id order so two orders never wait on
    each other) until the transaction ends: the check that nothing else changes a service and
    the new change's items are then one step that a concurrent request waits for, on
    PostgreSQL as on SQLite (whose one writer already serialises them)."""
    ids = sorted({i for i in service_ids if i is not None})
    if ids:
        session.execute(select(ServiceRow.id).where(ServiceRow.id.in_(ids)).order_by(ServiceRow.id)
                        .with_for_update()).all()


def _earlier_due(session: Session, row: ScheduledChangeRow) -> bool:
    """Whether another change of the service, due too, was accepted before this one: changes
    of one service waiting for each other go in the order they were accepted."""
    mine = session.get(ServiceOrderRow, row.order_id)
    ahead = (select(ScheduledChangeRow.order_id)
             .join(ServiceOrderRow, ServiceOrderRow.id == ScheduledChangeRow.order_id)
             .where(ScheduledChangeRow.service_id == row.service_id, ScheduledChangeRow.state == WAITING,
                    ScheduledChangeRow.order_id != row.order_id, ScheduledChangeRow.apply_at <= now(),
                    or_(ServiceOrderRow.order_date < mine.order_date,
                        and_(ServiceOrderRow.order_date == mine.order_date, ServiceOrderRow.id < mine.id))))
    return session.scalars(ahead.limit(1)).first() is not None


def submit(sof: Sof, order_id: str) -> None:
    start_once(control_schedule, f"{order_id}-schedule", sof.name, order_id)


def resume_all(sof: Sof) -> int:
    """At start-up: every schedule whose work is not over gets its workflow (found running,
    recovered by DBOS, or started again), so a change waiting through a restart is applied once."""
    with sof.database.read() as session:
        ids = list(session.scalars(select(ScheduledChangeRow.order_id).where(
            (ScheduledChangeRow.state == WAITING)
            | ((ScheduledChangeRow.state == RELEASED) & ScheduledChangeRow.end_at.is_not(None)
               & ScheduledChangeRow.revert_order.is_(None)))))
    for order_id in ids:
        start_or_restart(control_schedule, f"{order_id}-schedule", sof.name, order_id)
    return len(ids)


def _locked(session: Session, order_id: str) -> ScheduledChangeRow | None:
    return session.scalars(select(ScheduledChangeRow).where(ScheduledChangeRow.order_id == order_id)
                           .with_for_update()).first()


def cancel(sof: Sof, order_id: str, party: str | None) -> None:
    """The customer's cancel of its order: only while it waits for its time. Its items and the
    order end `failed` saying so (Service Ordering v1 has no cancelled state), and the service
    is never touched; an order already applied, running or over is refused saying why."""
    with sof.database.transaction() as session:
        order = sof.order(session, order_id, party, ALLEGRO)
        if not cancel_in(session, sof, order):
            raise Conflict(_why_not(order, session.get(ScheduledChangeRow, order_id)))


def cancel_in(session: Session, sof: Sof, order: ServiceOrderRow) -> bool:
    """`cancel` within the caller's transaction: whether the order was waiting, and is now cancelled."""
    row = _locked(session, order.id)
    if row is None or row.state != WAITING or row.reverts is not None:
        return False
    row.state = CANCELLED
    for item in sof.items(session, order.id):
        orders.item_transition_to(session, order, item, orders.FAILED,
                                  error={"code": "otherIssue", "value": CANCELLED_REASON}, wake=sof.wake)
    orders.transition_to(session, order, orders.FAILED, wake=sof.wake)
    if row.reservation_id is not None:
        settle_reservation(session, row.reservation_id, "cancelled", "cancelled before its window began")
    news = cancel_news(order.id)
    # the waiting workflow ends now rather than at the time (once this transaction committed)
    event.listen(session, "after_commit", lambda _session: WAKEUPS.notify(news), once=True)
    return True


def _why_not(order: ServiceOrderRow, row: ScheduledChangeRow | None) -> str:
    if row is not None and row.reverts is not None:
        return (f"Service order {order.id} puts back the temporary change of service order {row.reverts} at its end: "
                "it is the SOF's and cannot be cancelled; order another change once it completed")
    if row is not None and row.state == CANCELLED:
        return f"Service order {order.id} is already cancelled"
    if order.state in orders.FINAL:
        return (f"Service order {order.id} is already {order.state}: it can no longer be cancelled; order another "
                "change to put the service back")
    return (f"Service order {order.id} is {order.state}: its change is being applied and cannot be cancelled; "
            "only a change waiting for its requestedStartDate can")


def end_now(session: Session, order_id: str) -> None:
    """A temporary change ends now rather than at its time (its reservation was cancelled)."""
    row = _locked(session, order_id)
    if row is not None and row.end_at is not None and utc(row.end_at) > now():
        row.end_at = now()
        news = end_news(order_id)
        event.listen(session, "after_commit", lambda _session: WAKEUPS.notify(news), once=True)


def settle_reservation(session: Session, reservation_id: str, state: str, reason: str | None) -> None:
    row = session.get(CapacityReservationRow, reservation_id)
    if row is not None and row.state not in ("completed", "cancelled", "failed"):
        row.state, row.reason = state, reason
        row.held = state == "active"


# -- the workflow's steps -----------------------------------------------------------------------
@DBOS.step()
def schedule_due_in(sof_name: str, order_id: str) -> dict[str, Any]:
    """The schedule's state and the seconds until its time (or, once applied, until its end)."""
    sof = steps.registered(sof_name)
    with sof.database.read() as session:
        row = session.get(ScheduledChangeRow, order_id)
        moment = now()
        until = row.apply_at if row.state == WAITING else row.end_at
        return {"state": row.state, "in_s": 0.0 if until is None else (utc(until) - moment).total_seconds()}


@DBOS.step()
def schedule_release(sof_name: str, order_id: str) -> str:
    """Hand the order to fulfilment, in one transaction with the check that it was not
    cancelled and that no other change of the service is under way (changes of one service
    are applied one after the other): `released`, `cancelled`, `early` or `busy`."""
    sof = steps.registered(sof_name)
    with sof.database.transaction() as session:
        row = _locked(session, order_id)
        if row.state != WAITING:
            return row.state
        if utc(row.apply_at) > now():
            return "early"
        hold_services(session, [row.service_id])
        if busy_with(session, row.service_id, besides=order_id) is not None or _earlier_due(session, row):
            return "busy"
        service = sof.service(session, row.service_id, None)
        if row.end_at is not None:
            row.revert_to = {"bandwidthMbps": service.bandwidth_mbps}
        row.state = RELEASED
        return RELEASED


@DBOS.step()
def schedule_order_state(sof_name: str, order_id: str) -> str:
    sof = steps.registered(sof_name)
    with sof.database.read() as session:
        return sof.order(session, order_id, None).state


@DBOS.step()
def schedule_applied(sof_name: str, order_id: str, state: str) -> None:
    """The change's end, as its reservation shows it: active once the reserved bandwidth is
    applied (and `completed` once a revert ends it), failed (capacity released) otherwise."""
    sof = steps.registered(sof_name)
    with sof.database.transaction() as session:
        row = session.get(ScheduledChangeRow, order_id)
        if row.reservation_id is None:
            return
        if row.reverts is not None:
            settle_reservation(session, row.reservation_id, "completed" if state == orders.COMPLETED else "failed",
                                None if state == orders.COMPLETED else "the bandwidth could not be put back")
        elif state == orders.COMPLETED:
            settle_reservation(session, row.reservation_id, "active", None)
        else:
            settle_reservation(session, row.reservation_id, "failed", "the reserved bandwidth could not be applied")


@DBOS.step()
def schedule_revert(sof_name: str, order_id: str) -> str:
    """Place the order that puts the service back as it was before the temporary change
    `order_id` (once: a replay finds the one placed), to be applied at once."""
    sof = steps.registered(sof_name)
    with sof.database.transaction() as session:
        row = _locked(session, order_id)
        if row.revert_order is not None:
            return row.revert_order
        temporary = sof.order(session, order_id, None)
        [item] = [i for i in sof.items(session, order_id) if i.service_id == row.service_id]
        service = sof.service(session, row.service_id, None)
        moment = now()
        back = ServiceOrderRow(
            id=new_id(), interface=ALLEGRO, party=temporary.party, state=orders.ACKNOWLEDGED, external_id=None,
            description=f"Cadenza: end of the temporary change of service order {order_id}", notes=[],
            order_date=moment, requested_start=moment, requested_completion=moment, cancel_requested=False)
        session.add(back)
        placement = next((k for k in item.service.get("serviceConfiguration", {}) if k.startswith("cadenza")
                          and k.endswith("Placement")), EVC_PLACEMENT)
        session.add(ServiceOrderItemRow(
            order_id=back.id, item_id="1", position=0, action="modify", state=orders.ACKNOWLEDGED,
            service_id=service.id, termination_error=None,
            service={"id": service.id, "serviceConfiguration": {
                "@type": service.configuration.get("@type"),
                placement: {"bandwidthMbps": (row.revert_to or {}).get("bandwidthMbps", service.bandwidth_mbps)}}}))
        session.flush()
        plan(session, back, service.id, apply_at=moment, reverts=order_id, reservation_id=row.reservation_id)
        row.revert_order = back.id
        orders.announce_created(session, back, wake=sof.wake)
        return back.id


@DBOS.workflow()
def control_schedule(sof_name: str, order_id: str) -> str:
    while True:  # until the time, or a cancel
        due = schedule_due_in(sof_name, order_id)
        if due["state"] != WAITING:
            break
        if due["in_s"] > 0:
            durable_pause(due["in_s"], key=cancel_news(order_id))
            continue
        released = schedule_release(sof_name, order_id)
        if released == "busy":
            durable_pause(_BUSY_RETRY_S, key=cancel_news(order_id))
        elif released != "early":
            break
    if schedule_due_in(sof_name, order_id)["state"] == CANCELLED:
        return CANCELLED
    steps.note(sof_name, order_id, "3", "ALLEGRO", f"SOF-{sof_name}", "requestedStartDate reached: applying the change")
    # an unfinished fulfilment is restarted by fulfilment.resume_all: the order's state tells the outcome
    with contextlib.suppress(Exception):
        start_once(fulfilment.fulfil, order_id, sof_name, order_id).get_result()
    state = schedule_order_state(sof_name, order_id)
    schedule_applied(sof_name, order_id, state)
    if state != orders.COMPLETED or not schedule_has_end(sof_name, order_id):
        return state
    while (left := schedule_due_in(sof_name, order_id)["in_s"]) > 0:  # a temporary change: until its end
        durable_pause(left, key=end_news(order_id))
    revert_id = schedule_revert(sof_name, order_id)
    start_once(control_schedule, f"{revert_id}-schedule", sof_name, revert_id)
    return f"{state}; put back by service order {revert_id}"


@DBOS.step()
def schedule_has_end(sof_name: str, order_id: str) -> bool:
    sof = steps.registered(sof_name)
    with sof.database.read() as session:
        return session.get(ScheduledChangeRow, order_id).end_at is not None
