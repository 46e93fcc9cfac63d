"""Recording a group's activation outcome: each planned service becomes installed, or failed
with its reason and every resource given back; each change is announced once; recording
again (a step re-run after a crash) changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cadenza.core.clock import now
from cadenza.core.notifications.rows import EventSubscriptionRow, OutboxEventRow
from cadenza.icm import activation
from cadenza.icm.commands import CreateConnectivityService, EndPointRequest
from cadenza.icm.rows import ReservationRow, VlanAllocationRow
from cadenza.interfaces.presto.paths import events_api
from tests.integration.icm.conftest import Landscape


def test_a_group_is_settled_once_each_service_its_own_way(landscape: Landscape,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    icm = landscape.domain.icms["metro"]
    monkeypatch.setattr(icm, "on_planned", None)  # planned only: this test records the outcome itself
    with icm.database.transaction() as session:
        session.add(EventSubscriptionRow(id="sub-1", api=events_api("metro"), party="sp", callback="http://x/l",
                                         query=None, event_types=[], created_at=now()))
    planned = [row for row, _ in icm.create_many([
        CreateConnectivityService(owner="sp", a=EndPointRequest("uni-east-1-1", 40 + n),
                                  z=EndPointRequest("uni-west-3-1", 40 + n), mbps=10) for n in range(3)])]
    ok, refused, other = (row.uuid for row in planned)
    group = activation.Group("metro", (ok, refused, other))

    activation.record_activations(group, {refused: "Activation failed and was rolled back: pe-e1 refused"})
    activation.record_activations(group, {})  # a re-run: all settled already, nothing changes

    with icm.database.read() as session:
        rows = {row.uuid: row for row in icm.get_many(session, group.services, with_plan=False)}
        held = {uuid: session.scalar(select(func.count()).select_from(ReservationRow)
                                     .where(ReservationRow.service_uuid == uuid)) for uuid in group.services}
        vlans = session.scalar(select(func.count()).select_from(VlanAllocationRow)
                               .where(VlanAllocationRow.service_uuid == refused))
        events = [(e.body["event"]["id"], e.body["event"]["state"]) for e in session.scalars(
            select(OutboxEventRow).where(OutboxEventRow.subscription_id == "sub-1")
            .order_by(OutboxEventRow.created_at))]  # PostgreSQL returns rows in no set order
    assert {uuid: row.state for uuid, row in rows.items()} == {ok: "installed", refused: "failed", other: "installed"}
    assert rows[refused].reason == "Activation failed and was rolled back: pe-e1 refused"
    assert rows[ok].reason is None and rows[ok].activated_at is not None and rows[refused].activated_at is None
    assert held[refused] == 0 and vlans == 0 and held[ok] > 0 and held[other] > 0
    for uuid in group.services:  # planned at creation, then settled once
        assert [state for event_of, state in events if event_of == uuid] == ["planned", rows[uuid].state]
