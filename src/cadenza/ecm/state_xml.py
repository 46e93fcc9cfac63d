"""XML encoding of an element's operational state (module `cadenza-network-element-state`).

The NETCONF server writes it into `<get>` replies; the driver builds the subtree filter that
asks for it and reads the reply back into the ADAGIO contract's values.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from cadenza.interfaces.adagio.contract import Alarm, PmInterval

__all__ = ["STATE_MODULE", "STATE_NAMESPACE", "StateRequest", "pm_filter", "pm_filter_many", "alarms_filter",
           "requested", "state_to_xml", "parse_pm", "parse_alarms"]

STATE_MODULE = "cadenza-network-element-state"
STATE_NAMESPACE = "urn:cadenza:yang:cadenza-network-element-state"
_Q = f"{{{STATE_NAMESPACE}}}"


@dataclass(frozen=True, slots=True)
class StateRequest:
    """What a subtree filter asks of the state: sessions (fc id, port, bin numbers or None for
    all kept) and whether the alarms."""

    sessions: tuple[tuple[str, str, tuple[int, ...] | None], ...] = ()
    alarms: bool = False


def _sub(parent: etree._Element, name: str, text: object | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{_Q}{name}")
    if text is not None:
        child.text = str(text)
    return child


def pm_filter(fc_id: str, port: str, numbers: Sequence[int]) -> etree._Element:
    return pm_filter_many([(fc_id, port, numbers)])


def pm_filter_many(sessions: Sequence[tuple[str, str, Sequence[int]]]) -> etree._Element:
    """A subtree filter selecting several sessions' bins (RFC 6241 §6.2.5: sibling list entries
    in one filter), so a collector reads every session of an element in one `<get>`."""
    top = etree.Element(f"{_Q}pm-sessions", nsmap={None: STATE_NAMESPACE})
    for fc_id, port, numbers in sessions:
        session = _sub(top, "session")
        _sub(session, "fc-id", fc_id)
        _sub(session, "port", port)
        for number in numbers:
            _sub(_sub(session, "interval"), "number", number)
    return top


def alarms_filter() -> etree._Element:
    return etree.Element(f"{_Q}alarms", nsmap={None: STATE_NAMESPACE})


def requested(subtree: etree._Element | None) -> StateRequest:
    """The state a `<get>` subtree filter selects (no filter: the alarms, no PM: sessions are
    asked for by name, as their history is large)."""
    if subtree is None:
        return StateRequest(alarms=True)
    sessions = []
    alarms = False
    for top in subtree:
        if top.tag == f"{_Q}alarms":
            alarms = True
        elif top.tag == f"{_Q}pm-sessions":
            for session in top.iter(f"{_Q}session"):
                numbers = tuple(int(n.text) for n in session.iter(f"{_Q}number") if (n.text or "").strip().isdigit())
                sessions.append(((session.findtext(f"{_Q}fc-id") or "").strip(),
                                 (session.findtext(f"{_Q}port") or "").strip(), numbers or None))
    return StateRequest(tuple(sessions), alarms)


def state_to_xml(parent: etree._Element, *, intervals: Sequence[PmInterval] | None, interval_s: int, step_s: int,
                 alarms: Sequence[Alarm] | None) -> None:
    if intervals is not None:
        top = etree.SubElement(parent, f"{_Q}pm-sessions", nsmap={None: STATE_NAMESPACE})
        _sub(top, "interval-seconds", interval_s)
        _sub(top, "step-seconds", step_s)
        sessions: dict[tuple[str, str], etree._Element] = {}
        for interval in intervals:
            session = sessions.get((interval.fc_id, interval.port))
            if session is None:
                session = sessions[(interval.fc_id, interval.port)] = _sub(top, "session")
                _sub(session, "fc-id", interval.fc_id)
                _sub(session, "port", interval.port)
                _sub(session, "far-end", interval.far_end)
            bin_ = _sub(session, "interval")
            _sub(bin_, "number", interval.number)
            _sub(bin_, "complete", "true" if interval.complete else "false")
            _sub(bin_, "steps", len(interval.step_bytes) // 2)
            _sub(bin_, "probes-per-step", interval.probes_per_step)
            for leaf, packed in (("step-index", interval.step_bytes), ("frames", interval.frame_bytes),
                                 ("probe-delays", interval.delay_bytes)):
                _sub(bin_, leaf, base64.b64encode(packed).decode("ascii"))
    if alarms is not None:
        top = etree.SubElement(parent, f"{_Q}alarms", nsmap={None: STATE_NAMESPACE})
        for alarm in alarms:
            entry = _sub(top, "alarm")
            _sub(entry, "resource", alarm.resource)
            _sub(entry, "alarm-type", alarm.alarm_type)
            _sub(entry, "severity", alarm.severity)
            _sub(entry, "raised-at", f"{alarm.raised_at:.3f}")
            _sub(entry, "text", alarm.text)


def parse_pm(data: etree._Element, element: str) -> list[PmInterval]:
    top = data.find(f"{_Q}pm-sessions")
    if top is None:
        return []
    interval_s = int(top.findtext(f"{_Q}interval-seconds") or 0)
    step_s = int(top.findtext(f"{_Q}step-seconds") or 0)
    result = []
    for session in top.iter(f"{_Q}session"):
        fc_id, port = session.findtext(f"{_Q}fc-id") or "", session.findtext(f"{_Q}port") or ""
        far_end = session.findtext(f"{_Q}far-end") or ""
        for bin_ in session.iter(f"{_Q}interval"):
            result.append(PmInterval(fc_id, element, port, far_end, int(bin_.findtext(f"{_Q}number") or 0),
                                     interval_s, step_s, _binary(bin_, "step-index"), _binary(bin_, "frames"),
                                     _binary(bin_, "probe-delays"), int(bin_.findtext(f"{_Q}probes-per-step") or 0)))
    return result


def _binary(parent: etree._Element, leaf: str) -> bytes:
    return base64.b64decode(parent.findtext(f"{_Q}{leaf}") or "")


def parse_alarms(data: etree._Element, element: str) -> list[Alarm]:
    top = data.find(f"{_Q}alarms")
    if top is None:
        return []
    return [Alarm(element, a.findtext(f"{_Q}resource") or "", a.findtext(f"{_Q}alarm-type") or "",
                  a.findtext(f"{_Q}severity") or "", float(a.findtext(f"{_Q}raised-at") or 0),
                  a.findtext(f"{_Q}text") or "") for a in top.iter(f"{_Q}alarm")]
