"""A report of the partner's on its segment of one of our services triggers the service's SLS
assessment at once (§10.6 step 1, the partner's counterpart of an ICM's threshold crossing).

The partner's Performance Monitoring v2 has no threshold-crossing event; SOF keeps a proactive
job there per segment, reporting every 15 minutes (sof/performance/partner_segment.py), and is
subscribed at the partner's PM hub. Each `performanceJobReportReadyEvent` names the job and the
report: a durable workflow, one per event (a redelivered event runs nothing twice), fetches the
report, keeps its figures and assesses the service.
"""

from __future__ import annotations

from typing import Any

from dbos import DBOS
from sqlalchemy import select

from cadenza.core.workflows import retry_unless_stopping, start_once
from cadenza.interfaces.interlude.pm_client import PmError
from cadenza.sof.performance import partner_segment
from cadenza.sof.performance.rows import PartnerPmJobRow
from cadenza.sof.rows import ServiceRow
from cadenza.sof.service import Sof
from cadenza.sof.sls.assessor import assess_one_service
from cadenza.sof.steps import registered

__all__ = ["on_partner_report"]


def on_partner_report(sof: Sof, party: str, event: dict[str, Any]) -> None:
    """The listener's handler: a report of one of our jobs at `party` is ready."""
    if event.get("eventType") != "performanceJobReportReadyEvent":
        return  # a report that could not be made: the next assessment asks for what it lacks
    payload = event.get("event") or {}
    with sof.database.read() as session:
        job = session.scalars(select(PartnerPmJobRow).where(PartnerPmJobRow.job_id == str(payload.get("id")),
                                                            PartnerPmJobRow.party == party)).first()
        service_id = job.service_id if job is not None else None
    if service_id is None:
        return  # not a job of ours (or one of a service since gone)
    start_once(assess_on_partner_report, f"sls-partner-report-{party}-{event.get('eventId')}", sof.name,
               service_id, str(payload.get("reportId")))


@DBOS.workflow()
def assess_on_partner_report(sof_name: str, service_id: str, report_id: str) -> None:
    keep_partner_report(sof_name, service_id, report_id)
    assess_one_service(sof_name, service_id)


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=2.0, should_retry=retry_unless_stopping)
def keep_partner_report(sof_name: str, service_id: str, report_id: str) -> int:
    sof = registered(sof_name)
    with sof.database.read() as session:
        service = session.get(ServiceRow, service_id)
    partner = (service.design.get("partner") or {}) if service is not None else {}
    client = partner_segment.client_of(sof, partner.get("party", ""))
    if service is None or client is None:
        return 0
    try:
        report = client.get_report(report_id)
    except PmError as exc:
        if exc.status in (400, 404):
            return 0  # the partner does not know it (any more): nothing to keep
        raise
    return partner_segment.store_report(sof, service, report)
