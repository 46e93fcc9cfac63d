"""The incident's states move exactly as MEF 124 draws them (useCase16IncidentStates.puml), every
SLS degradation state and move maps onto an incident state and an allowed move, and the triage
and texts say what a person needs."""

from __future__ import annotations

import yaml

from cadenza.bus.incident import states
from cadenza.bus.incident.notes import ProductView, description, description_of, note_text
from cadenza.bus.incident.triage import priority_of, severity_of
from cadenza.interfaces.legato.degradation import DEGRADATION_STATES, Degradation, HistoryEntry
from cadenza.sof.alarms import alarm as sof_alarm
from cadenza.sof.sls import degradation as sof_degradation
from tests.helpers.mef import MEF_LSO
from tests.unit.bus.test_order_state_diagrams import declared, diagram_edges

DIAGRAM = MEF_LSO / "cantata/documentation/productApi/troubleTicket/media/src/useCase16IncidentStates.puml"
SPEC = MEF_LSO / "cantata/productApi/troubleTicket/troubleTicketManagement.api.yaml"


def test_the_incident_moves_as_the_mef_124_incident_diagram_draws() -> None:
    assert declared(states.TRANSITIONS) == diagram_edges(DIAGRAM)
    schemas = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    assert set(states.TRANSITIONS) == set(schemas["IncidentStatusType"]["enum"])


def test_every_degradation_state_and_move_is_an_incident_state_and_an_allowed_move() -> None:
    assert set(states.STATUS_OF) == set(DEGRADATION_STATES) == set(sof_degradation.TRANSITIONS)
    assert states.STATUS_OF[sof_degradation.DETECTED] == states.CREATED  # where both begin
    for source, targets in sof_degradation.TRANSITIONS.items():
        for target in targets:
            assert states.STATUS_OF[target] in states.TRANSITIONS[states.STATUS_OF[source]], (source, target)
    assert states.TRANSITIONS[states.STATUS_OF[sof_degradation.RESOLVED]] == frozenset()  # both end there


def test_every_outage_alarm_state_and_move_is_an_incident_state_and_an_allowed_move() -> None:
    assert set(states.OUTAGE_STATUS_OF) == set(sof_alarm.STATES)
    assert states.OUTAGE_STATUS_OF[sof_alarm.UNACKNOWLEDGED] == states.CREATED  # as the SOF raises it
    for source, targets in sof_alarm.TRANSITIONS.items():
        for target in targets:
            assert states.OUTAGE_STATUS_OF[target] in states.TRANSITIONS[states.OUTAGE_STATUS_OF[source]]
    assert states.status_of(states.CREATED, ["cleared", "rerouting"]) == states.IN_PROGRESS
    assert states.status_of(states.CREATED, ["cleared", "resolved"]) == states.CLOSED


def test_lost_frames_are_significant_and_late_frames_moderate_and_a_person_raises_the_priority() -> None:
    loss = severity_of(["oneWayFrameDelayPmMetric", "oneWayFrameLossRatioPmMetric"])
    late = severity_of(["oneWayMeanFrameDelayPmMetric"])
    assert (loss, late, severity_of([])) == ("significant", "moderate", "moderate")
    assert [priority_of(loss, s) for s in ("detected", "rerouting", "manualIntervention", "resolved")] == [
        "high", "high", "critical", "high"]
    assert priority_of(late, "detected") == "medium" and priority_of(late, "manualIntervention") == "high"


def test_the_notes_name_the_product_by_its_sites_the_direction_the_breach_the_cause_and_the_remedy() -> None:
    product = ProductView(id="p-1", offering="evpl", sites=("Springfield", "Shelbyville"))
    found = HistoryEntry(at="2026-12-01T10:50:00.000Z", state="detected",
                         why="CoS H: mean frame delay 30 ms over 15 min exceeds the objective 10 ms")
    moved = HistoryEntry(at="2026-12-01T10:51:00.000Z", state="rerouting", interval=1,
                         why="located in metro on agg-e1|agg-w1: rerouted off it (a > b)")
    degradation = Degradation(id="d-1", service_id="s-1", direction="z-to-a", state="rerouting", cause="metro",
                              breaches=(found.why,), since="2026-12-01T10:45:00.000Z", last_breach=None,
                              resolved_at=None, history=(found, moved))
    assert description(product, degradation) == (
        "EVPL p-1 between Springfield and Shelbyville: traffic from Shelbyville to Springfield does not meet the SLS")
    said = note_text(product, degradation, found, {})
    assert said == ("CoS H: mean frame delay 30 ms over 15 min exceeds the objective 10 ms (traffic from Shelbyville "
                    "to Springfield) since 10:45 UTC on 2026-12-01; located in our metro network")
    assert "rerouted off it" in note_text(product, degradation, moved, {})
    elsewhere = Degradation(**{**{f: getattr(degradation, f) for f in Degradation.__slots__}, "cause": "partner-a"})
    assert note_text(product, elsewhere, found, {"partner-a": "Alpha Access"}).endswith(
        "located in the access network of our partner Alpha Access")


def test_an_incident_of_two_degradations_closes_when_both_are_resolved_and_moves_only_as_the_diagram_draws() -> None:
    assert states.status_of(states.CREATED, ["detected", "detected"]) == states.CREATED
    assert states.status_of(states.CREATED, ["detected", "resolved"]) == states.CREATED  # one back, one not handled
    assert states.status_of(states.CREATED, ["detected", "rerouting"]) == states.IN_PROGRESS
    assert states.status_of(states.IN_PROGRESS, ["resolved", "detected"]) == states.IN_PROGRESS  # never created again
    assert states.status_of(states.IN_PROGRESS, ["resolved", "manualIntervention"]) == states.IN_PROGRESS
    assert states.status_of(states.IN_PROGRESS, ["resolved", "resolved"]) == states.CLOSED
    for current in (states.CREATED, states.IN_PROGRESS):
        for one in DEGRADATION_STATES:
            for other in DEGRADATION_STATES:
                target = states.status_of(current, [one, other])
                assert target == current or target in states.TRANSITIONS[current], (current, one, other)


def test_a_direction_joining_an_incident_says_so_and_then_every_note_names_its_direction() -> None:
    product = ProductView(id="p-1", offering="evpl", sites=("Springfield", "Shelbyville"))
    found = HistoryEntry(at="2026-12-01T10:50:00.000Z", state="detected", why="CoS H: frame loss ratio 5 %")
    back = HistoryEntry(at="2026-12-01T11:20:00.000Z", state="resolved", why="the interval meets the SLS again")
    degradation = Degradation(id="d-2", service_id="s-1", direction="z-to-a", state="resolved", cause="metro",
                              breaches=(found.why,), since="2026-12-01T10:45:00.000Z", last_breach=None,
                              resolved_at="2026-12-01T11:15:00.000Z", history=(found, back))
    assert note_text(product, degradation, found, {}, joins="either").startswith(
        "Traffic from Shelbyville to Springfield does not meet the SLS either: CoS H: frame loss ratio 5 % (traffic "
        "from Shelbyville to Springfield) since 10:45 UTC on 2026-12-01")
    assert note_text(product, degradation, back, {}, shared=True, pending=["a-to-z"]) == (
        "For traffic from Shelbyville to Springfield: resolved: the interval meets the SLS again from 11:15 UTC on "
        "2026-12-01; traffic from Springfield to Shelbyville is still being handled")
    assert description_of(product, ["z-to-a", "a-to-z"]) == (
        "EVPL p-1 between Springfield and Shelbyville: traffic in both directions does not meet the SLS")
