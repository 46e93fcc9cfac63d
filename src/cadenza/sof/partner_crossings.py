"""Threshold crossings across INTERLUDE (MEF 55.0.1 §10.4 triggered reports, §10.6 step 1 note):
Cadenza's `cadenzaServiceThresholdCrossingEvent` at the seller's Performance Monitoring v2 hub,
which MEF's v2 lacks (docs/interlude-profile.md, "Threshold crossings").

As the seller: an ICM of ours told of a crossing on a segment of a service a buyer SOF bought
from us over INTERLUDE; the buyer is told of it on its service (`tell_buyer`), in the
transaction that records the event in the outbox, so a lost delivery is sent again.

As the buyer: the partner told of a crossing on its segment of one of our services
(`hear_partner_crossing`). It is taken as the ICM's is: it raises or clears a TCA alarm on the
customer's service whose source is the partner (sof/alarms/threshold.py), triggers the reports
of the jobs that asked for them (sof/performance/triggered.py) and has the service's SLS assessed
at once, as one durable workflow per event. The event arrives at the listener this SOF
registered at the partner, with the token the partner holds for it; it names the partner's
service, which must be the segment of an active service of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cadenza.core.notifications.outbox import publish
from cadenza.core.workflows import start_once
from cadenza.interfaces.interlude.pm_paths import PM_HUB, PM_LISTENER_BASE, THRESHOLD_CROSSING_EVENT
from cadenza.sof import partner_state
from cadenza.sof import service_inventory as inventory
from cadenza.sof.alarms import threshold
from cadenza.sof.channels import INTERLUDE, SERVICES
from cadenza.sof.performance import triggered
from cadenza.sof.rows import SegmentStateRow, ServiceRow
from cadenza.sof.service import Sof
from cadenza.sof.sls.assessor import assess_service_on_crossing

__all__ = ["crossing_payload", "tell_buyer", "in_icm_words", "hear_partner_crossing"]


def crossing_payload(service: ServiceRow, body: Mapping[str, Any]) -> dict[str, Any]:
    """The event's payload: the buyer's service and the ICM's crossing, end points as the ICM
    names them (the seller's edge points the direction enters and leaves its segment by)."""
    return {"id": service.id, "href": SERVICES[INTERLUDE].href("service", service.id),
            "thresholdCrossing": str(body["threshold-crossing"]),
            "performanceMetricName": str(body["threshold-parameter"]),
            "performanceMetricValue": float(body["measured-value"]),
            "thresholdValue": float(body["threshold-value"]),
            "measurementIntervalStart": str(body.get("measurement-interval")),
            "fromEndPoint": body.get("ingress"), "toEndPoint": body.get("egress")}


def tell_buyer(sof: Sof, body: Mapping[str, Any]) -> bool:
    """An ICM's crossing (its event body) on a segment of a service sold over INTERLUDE: tell
    the buyer. Returns whether the event was queued for it."""
    if not isinstance(body.get("id"), str) or body.get("threshold-crossing") is None:
        return False
    with sof.database.transaction() as session:
        segment = session.get(SegmentStateRow, body["id"])
        service = session.get(ServiceRow, segment.service_id) if segment is not None else None
        if service is None or service.interface != INTERLUDE or service.state != inventory.ACTIVE:
            return False
        publish(session, api=PM_HUB, event_type=THRESHOLD_CROSSING_EVENT, resource=crossing_payload(service, body),
                listener_base_path=PM_LISTENER_BASE, party=service.party, wake=sof.wake)
    return True


def in_icm_words(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """The partner's payload in the words of an ICM's event, which the alarm and the reports
    read; None when it lacks what a crossing needs."""
    try:
        return {"id": str(payload["id"]), "threshold-crossing": str(payload["thresholdCrossing"]),
                "threshold-parameter": str(payload["performanceMetricName"]),
                "measured-value": float(payload["performanceMetricValue"]),
                "threshold-value": float(payload["thresholdValue"]),
                "measurement-interval": str(payload["measurementIntervalStart"]),
                "ingress": payload.get("fromEndPoint"), "egress": payload.get("toEndPoint")}
    except (KeyError, TypeError, ValueError):
        return None


def hear_partner_crossing(sof: Sof, party: str, event: Mapping[str, Any]) -> str | None:
    """`party` told of a crossing on its segment of one of our services: the alarm, the
    triggered reports and the assessment follow. Returns our service's id, None if it is not
    one of ours (or the event says too little)."""
    body = in_icm_words(event.get("event") or {})
    if body is None:
        return None
    with sof.database.transaction() as session:
        service = partner_state.partner_of(session, party, body["id"])
        if service is None:
            return None
        service_id = service.id
        threshold.follow_partner_crossing(session, service_id, party, body, reporter=sof.alarm_reporter,
                                          wake=sof.wake)
    if body["threshold-crossing"] == threshold.ABOVE:
        start_once(assess_service_on_crossing, f"sls-partner-crossing-{party}-{event.get('eventId')}", sof.name,
                   service_id)
        triggered.on_service_crossing(sof, service_id, body, where=f" in the segment of partner {party}")
    return service_id
