"""The partner's segment kept as one of the service's segments (sof/partner_state.py), on SQLite and
PostgreSQL: the service is found by the partner's service id in its design (a JSON path query),
what the partner says becomes the segment's state, the service's operational state and its
outage alarm follow, named after the partner, and clear when the partner says ENABLED again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cadenza.core.clock import now
from cadenza.core.db import Database
from cadenza.sof.alarms.alarm import Reporter
from cadenza.sof.alarms.rows import AlarmRow
from cadenza.sof.partner_state import partner_of, record_partner_segment
from cadenza.sof.rows import SegmentStateRow, ServiceRow

REPORTER = Reporter(name="sp", base_url="http://sp.example")


def _service(service_id: str, *, party: str = "partner-b", reference: str | None = None,
             state: str = "active") -> ServiceRow:
    design: dict[str, Any] = {"segments": [{"networkDomain": "metro", "uuid": f"{service_id}-seg"}]}
    if reference is not None:
        design["partner"] = {"party": party, "reference": reference, "ordering": "interlude"}
    moment = now()
    return ServiceRow(id=service_id, interface="legato", party="cadenza-sp-bus", customer="acme-corp", state=state,
                      operational_state="ENABLED", reason=None, service_type="EVC", name=None, external_id=None,
                      configuration={}, design=design, bandwidth_mbps=50, test=None, order_items=[],
                      start_date=moment, end_date=None, created_at=moment, updated_at=moment)


def test_the_partners_word_on_its_segment_is_the_segments_state_and_the_alarm_names_the_partner(
        database: Database) -> None:
    with database.transaction() as session:
        session.add_all([_service("svc-1", reference="ovc-1"), _service("svc-2", reference="ovc-2"),
                         _service("svc-3", party="partner-a", reference="ovc-3"),
                         _service("svc-4", reference="ovc-4", state="terminated"), _service("svc-5")])
        session.add(SegmentStateRow(uuid="svc-1-seg", service_id="svc-1", network_domain="metro",
                                    operational_state="ENABLED"))
    with database.read() as session:
        assert partner_of(session, "partner-b", "ovc-1").id == "svc-1"  # type: ignore[union-attr]
        assert partner_of(session, "partner-a", "ovc-1") is None  # another partner's id is not ours
        assert partner_of(session, "partner-b", "ovc-3") is None
        assert partner_of(session, "partner-b", "ovc-4") is None  # not active
        assert partner_of(session, "partner-b", "ovc-9") is None

    with database.transaction() as session:
        service = session.get(ServiceRow, "svc-1")
        assert service is not None
        assert record_partner_segment(session, service, "partner-b", "ovc-1", "active", "DISABLED",
                                      reporter=REPORTER)
    with database.read() as session:
        kept = session.get(SegmentStateRow, "ovc-1")
        assert kept is not None and (kept.service_id, kept.network_domain, kept.operational_state) == (
            "svc-1", "partner-b", "DISABLED")
        assert session.get(ServiceRow, "svc-1").operational_state == "DISABLED"  # type: ignore[union-attr]
        assert partner_of(session, "partner-b", "ovc-1").id == "svc-1"  # type: ignore[union-attr] # now by its row
        [alarm] = session.scalars(select(AlarmRow).where(AlarmRow.service_id == "svc-1")).all()
        assert (alarm.state, alarm.source_system, alarm.customer) == ("unAcknowledged", "partner-b", "acme-corp")
        assert alarm.specific_problem == ("the segment of partner partner-b (its service ovc-1) carries no traffic: "
                                          "partner-b says its operationalState is DISABLED")

    with database.transaction() as session:
        service = session.get(ServiceRow, "svc-1")
        assert not record_partner_segment(session, service, "partner-b", "ovc-1", "active", "DISABLED",  # type: ignore[arg-type]
                                          reporter=REPORTER), "the same word again changes nothing"
        assert record_partner_segment(session, service, "partner-b", "ovc-1", "active", "ENABLED",  # type: ignore[arg-type]
                                      reporter=REPORTER)
    with database.read() as session:
        assert session.get(ServiceRow, "svc-1").operational_state == "ENABLED"  # type: ignore[union-attr]
        [alarm] = session.scalars(select(AlarmRow).where(AlarmRow.service_id == "svc-1")).all()
        assert alarm.state == "cleared" and alarm.cleared_at is not None

    # a partner whose service is no longer active: its segment carries nothing, whatever else it says
    with database.transaction() as session:
        service = session.get(ServiceRow, "svc-2")
        assert record_partner_segment(session, service, "partner-b", "ovc-2", "terminated", "ENABLED",  # type: ignore[arg-type]
                                      reporter=REPORTER)
    with database.read() as session:
        [alarm] = session.scalars(select(AlarmRow).where(AlarmRow.service_id == "svc-2")).all()
        assert alarm.specific_problem.endswith("partner-b says its service is terminated")
