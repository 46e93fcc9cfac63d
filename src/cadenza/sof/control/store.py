"""Keeping and reading the bounds of each service, and counting its customer's changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.control_policy import CONTROL_POLICY, ControlPolicy
from cadenza.sof import service_order as orders
from cadenza.sof.channels import ALLEGRO
from cadenza.sof.control.bounds import day_start
from cadenza.sof.control.rows import ControlPolicyRow, ScheduledChangeRow
from cadenza.sof.rows import ServiceOrderItemRow, ServiceOrderRow

__all__ = ["parse", "keep", "policy_of", "changes_since", "changes_today"]


def parse(document: Any, pointer: str) -> ControlPolicy:  # noqa: ANN401 - JSON as carried
    try:
        return ControlPolicy.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = pointer + "".join(f"/{p}" for p in first["loc"])
        raise Unprocessable(f"{where}: {first['msg']}", code="invalidValue", property_path=where) from exc


def keep(session: Session, service_id: str, configuration: dict[str, Any], pointer: str) -> None:
    """The bounds an `add` item carries in its configuration (none: the customer changes nothing itself)."""
    if configuration.get(CONTROL_POLICY) is None:
        return
    policy = parse(configuration[CONTROL_POLICY], f"{pointer}/{CONTROL_POLICY}")
    session.add(ControlPolicyRow(service_id=service_id, policy=policy.model_dump(mode="json"), created_at=now()))


def policy_of(session: Session, service_id: str) -> ControlPolicy | None:
    row = session.get(ControlPolicyRow, service_id)
    return None if row is None else ControlPolicy.model_validate(row.policy)


def changes_since(session: Session, service_id: str, since: datetime, until: datetime | None = None) -> int:
    """The customer's changes of the service applied (or to be applied, when scheduled) from
    `since` (to `until`) that did not fail: a change the network refused, or one cancelled,
    used none of the day's allowance, and the SOF's own put-back of a temporary change is
    part of that change."""
    applies = case((ServiceOrderRow.requested_start > ServiceOrderRow.order_date, ServiceOrderRow.requested_start),
                   else_=ServiceOrderRow.order_date)
    query = select(func.count()).select_from(ServiceOrderItemRow).join(
        ServiceOrderRow, ServiceOrderRow.id == ServiceOrderItemRow.order_id).where(
        ServiceOrderRow.interface == ALLEGRO, ServiceOrderItemRow.service_id == service_id,
        applies >= since, ServiceOrderItemRow.state != orders.FAILED,
        ServiceOrderRow.id.not_in(select(ScheduledChangeRow.order_id).where(ScheduledChangeRow.reverts.is_not(None))))
    if until is not None:
        query = query.where(applies < until)
    return int(session.scalar(query) or 0)


def changes_today(session: Session, service_id: str, at: datetime) -> int:
    """The changes of the UTC day of `at`."""
    day = day_start(at)
    return changes_since(session, service_id, day, day + timedelta(days=1))
