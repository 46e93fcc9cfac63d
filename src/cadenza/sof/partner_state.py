"""The partner's segment of an off-net service in the service's operational state and its alarm
(MEF 55.0.1 §10.4, the fault part, for a partner ordered over INTERLUDE).

The partner's SOF keeps its own service's MEF `operationalState` (its ICMs' segments, as this
SOF keeps ours: sof/operational.py) and tells us of every change with a
`serviceAttributeValueChangeEvent` at its INTERLUDE service inventory hub, where this SOF is
registered (landscape/partner_hubs.py). As with an ICM's event, the event is only a hint: the
partner's service is read again over INTERLUDE and what it says is kept, as one more
`sof_segment_state` row of the service (its uuid the partner's service id, our reference; its
network domain the partner's party). The service's operational state and its outage alarm then
follow as for any segment: DISABLED while the partner says its segment is, and the alarm names
the partner's segment and the partner as the source (sof/alarms/alarm.py). The reading of
every segment (`reconcile_partners`, beside operational.reconcile) reads every off-net
service's partner segment too, so a lost event is repaired within `operational_reconcile_s`.

A partner ordered over SONATA is not followed: SONATA's product inventory carries no
operational state (docs/legato-profile.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.interfaces.presto import paths as presto
from cadenza.sof import operational
from cadenza.sof import service_inventory as inventory
from cadenza.sof.alarms import alarm
from cadenza.sof.partner_access import PartnerAccessError
from cadenza.sof.rows import SegmentStateRow, ServiceRow
from cadenza.sof.service import Sof

__all__ = ["follow_partner_segment", "record_partner_segment", "reconcile_partners", "partner_of"]

log = logging.getLogger(__name__)


def partner_of(session: Session, party: str, reference: str) -> ServiceRow | None:
    """Our active service whose partner segment is `party`'s service `reference`."""
    kept = session.get(SegmentStateRow, reference)
    if kept is not None and kept.network_domain == party:
        service = session.get(ServiceRow, kept.service_id)
    else:
        service = session.scalars(select(ServiceRow).where(
            ServiceRow.state == inventory.ACTIVE,
            ServiceRow.design["partner"]["party"].as_string() == party,
            ServiceRow.design["partner"]["reference"].as_string() == reference)).first()
    return service if service is not None and service.state == inventory.ACTIVE else None


def _fault(party: str, reference: str, lifecycle: str, said: str | None) -> str:
    why = (f"{party} says its service is {lifecycle}" if lifecycle != inventory.ACTIVE else
           f"{party} says its operationalState is {said}" if said is not None else
           f"{party} gives no operationalState of it")
    return f"the segment of partner {party} (its service {reference}) carries no traffic: {why}"


def record_partner_segment(session: Session, service: ServiceRow, party: str, reference: str, lifecycle: str,
                           said: str | None, *, reporter: alarm.Reporter,
                           wake: Callable[[], None] | None = None) -> bool:
    """What the partner said of its segment of `service`, and what follows for the service.
    ENABLED only when the partner says its service is active and ENABLED: anything else it says
    is a segment that cannot be counted on to carry traffic. Returns whether anything changed."""
    enabled = lifecycle == inventory.ACTIVE and said == presto.ENABLED
    state = presto.ENABLED if enabled else presto.DISABLED
    faults = None if enabled else [_fault(party, reference, lifecycle, said)]
    row = session.get(SegmentStateRow, reference)
    if row is None:
        session.add(SegmentStateRow(uuid=reference, service_id=service.id, network_domain=party,
                                    operational_state=state, route_faults=faults))
        session.flush()
        operational.refresh(session, service, reporter=reporter, wake=wake)
        return not enabled
    return operational.record_segment(session, reference, state, reporter=reporter, faults=faults, wake=wake)


def follow_partner_segment(sof: Sof, party: str, reference: str) -> bool:
    """The partner told of its service `reference`: if it is our segment of an active service,
    read it from the partner and keep what it says. A failed read raises, so the partner's
    outbox sends the event again."""
    access = sof.partner_access.get(party)
    if access is None or not hasattr(access, "operational_state"):
        return False
    with sof.database.read() as session:
        service = partner_of(session, party, reference)
        if service is None:
            return False  # not (yet) an active service of ours: fulfilment follows it
        service_id = service.id
    lifecycle, said = access.operational_state(reference)
    with sof.database.transaction() as session:
        service = session.get(ServiceRow, service_id)
        if service is None or service.state != inventory.ACTIVE:
            return False
        return record_partner_segment(session, service, party, reference, lifecycle, said,
                                      reporter=sof.alarm_reporter, wake=sof.wake)


def reconcile_partners(sof: Sof) -> int:
    """Read the partner segment of every active off-net service ordered over INTERLUDE; returns
    how many changed. A partner that does not answer is skipped until the next reading."""
    parties = [party for party, access in sof.partner_access.items() if hasattr(access, "operational_state")]
    if not parties:
        return 0
    with sof.database.read() as session:
        party_of, reference_of = (ServiceRow.design["partner"]["party"].as_string(),
                                  ServiceRow.design["partner"]["reference"].as_string())
        segments = [(p, r) for p, r in session.execute(select(party_of, reference_of).where(
            ServiceRow.state == inventory.ACTIVE, party_of.in_(parties)).order_by(ServiceRow.id)) if r]
    changed, silent = 0, set()
    for party, reference in segments:
        if party in silent:
            continue
        try:
            if follow_partner_segment(sof, party, reference):
                changed += 1
        except PartnerAccessError as exc:
            log.info("%s: the state of %s's segments cannot be read now: %s", sof.name, party, exc)
            silent.add(party)
    return changed
