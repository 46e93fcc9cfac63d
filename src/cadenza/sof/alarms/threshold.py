"""Threshold crossing alarms (TCA) on a customer's service, from the ICMs'
`connectivityServiceThresholdCrossingEvent` (docs/presto-profile.md): a direction of a segment
whose frame loss or mean delay went above its threshold in a 15-minute interval raises a
`qualityOfServiceAlarm` carrying the spec's tcaStatefulSetAlarm attributes; the ICM's CLEARED
for the same direction and parameter clears it, with tcaStatefulClearAlarm attributes.

The event is taken as it says: it arrives only from the domain's own ICMs, with a token this
domain issued to itself (landscape/business.py), and the ICM publishes a crossing once per
change, so a redelivered event finds the alarm already raised or cleared and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.ids import new_id
from cadenza.interfaces.allegro.alarm_paths import ALARM_CREATE_EVENT
from cadenza.sof import service_inventory as inventory
from cadenza.sof.alarms.alarm import CLEARED, UNACKNOWLEDGED, Reporter, announce, transition_to
from cadenza.sof.alarms.rows import AlarmRow
from cadenza.sof.rows import SegmentStateRow, ServiceRow

if TYPE_CHECKING:  # sof.service imports the alarms
    from cadenza.sof.service import Sof

__all__ = ["TCA", "SET_ALARM_TYPE", "CLEAR_ALARM_TYPE", "ABOVE", "follow_crossing", "follow_partner_crossing",
           "hear_crossing"]

TCA = "tca"
# The `$id`s of allegro/serviceApi/alarm/tcaStatefulSetAlarm.yaml and tcaStatefulClearAlarm.yaml,
# the `@type` of the alarmSpecificAttributes they describe.
SET_ALARM_TYPE = "urn:mef:lso:spec:service:tca-stateful-set-alarm:v1.0.0:all"
CLEAR_ALARM_TYPE = "urn:mef:lso:spec:service:tca-stateful-clear-alarm:v1.0.0:all"
ABOVE = "THRESHOLD_ABOVE"
# The ICM decides a crossing on each 15-minute bin by itself: a window of one interval, crossed once.
_WINDOW = {"tcaWindowThresholdValue": 1, "tcaWindowSize": 1}


def _attributes(kind: str, event: Mapping[str, Any]) -> dict[str, Any]:
    return {"@type": kind, "performanceMetricName": str(event["threshold-parameter"]),
            "performanceMetricValue": float(event["measured-value"]),
            "tcaPerformanceThresholdValue": float(event["threshold-value"]), **_WINDOW}


def _problem(event: Mapping[str, Any]) -> str:
    return (f"{event['threshold-parameter']} from {event.get('ingress')} to {event.get('egress')} was "
            f"{event['measured-value']} (threshold {event['threshold-value']}) in the interval from "
            f"{event.get('measurement-interval')}")


def follow_crossing(session: Session, event: Mapping[str, Any], *, reporter: Reporter, wake: Any = None) -> None:  # noqa: ANN401
    """Raise or clear the TCA alarm an ICM's threshold crossing event (its `event` body) tells of."""
    segment = session.get(SegmentStateRow, str(event.get("id")))
    if segment is None:  # not a segment of a live service of ours
        return
    _follow(session, segment.service_id, f"{segment.uuid}|{event.get('ingress')}|{event.get('threshold-parameter')}",
            f"ICM-{segment.network_domain}", event, reporter=reporter, wake=wake)


def follow_partner_crossing(session: Session, service_id: str, party: str, event: Mapping[str, Any], *,
                            reporter: Reporter, wake: Any = None) -> None:  # noqa: ANN401
    """The same for a crossing the partner told of on its segment of our service (`event` in the
    ICM's words, sof/partner_crossings.py): the alarm's source is the partner."""
    _follow(session, service_id, f"{party}|{event.get('id')}|{event.get('ingress')}|{event.get('threshold-parameter')}",
            party, event, reporter=reporter, wake=wake, where=f" in the segment of partner {party}")


def _follow(session: Session, service_id: str, key: str, source: str, event: Mapping[str, Any], *,
            reporter: Reporter, wake: Any, where: str = "") -> None:  # noqa: ANN401
    alarm = session.scalars(select(AlarmRow).where(AlarmRow.tca_key == key, AlarmRow.state != CLEARED)).first()
    if event.get("threshold-crossing") != ABOVE:
        if alarm is not None:
            alarm.specific_attributes = _attributes(CLEAR_ALARM_TYPE, event)
            transition_to(session, alarm, CLEARED, reporter=reporter, wake=wake,
                          details=f"Cleared: {_problem(event)}{where}, back within its threshold")
        return
    service = session.get(ServiceRow, service_id)
    if alarm is not None or service is None or service.state != inventory.ACTIVE:
        return
    moment = now()
    problem = _problem(event) + where
    alarm = AlarmRow(id=new_id(), service_id=service.id, kind=TCA, tca_key=key,
                     specific_attributes=_attributes(SET_ALARM_TYPE, event),
                     customer=service.customer or service.party, service_type=service.service_type,
                     state=UNACKNOWLEDGED, alarm_type="qualityOfServiceAlarm", perceived_severity="warning",
                     probable_cause="thresholdCrossed", specific_problem=problem,
                     details=f"Service {service.id} is degraded: {problem}",
                     # degraded, not down: X.733's warning precedes a service affecting condition
                     service_affecting=False, reporting_system=reporter.name,
                     source_system=source, raised_at=moment, reported_at=moment,
                     changed_at=moment, cleared_at=None)
    session.add(alarm)
    session.flush()
    announce(session, alarm, ALARM_CREATE_EVENT, reporter, wake)


def hear_crossing(sof: Sof, event: Mapping[str, Any]) -> None:
    """The SOF's listener heard a threshold crossing: follow it in one transaction."""
    with sof.database.transaction() as session:
        follow_crossing(session, event, reporter=sof.alarm_reporter, wake=sof.wake)
