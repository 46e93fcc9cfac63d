"""Diagnosing and remedying a service the BUS reported trouble on (MEF 55.0.1 §10.5 steps 4-10),
one durable DBOS workflow per report (`sof-trouble-<report id>`: a repeated report or a restart
runs nothing twice).

    begin      acknowledged -> diagnosing
    gather     step 4-6: the service's components (its SP segments per network domain, the
               partner's segment); what is already known of them (open alarms, open SLS
               degradations, step 5); their current configuration and faults read over PRESTO
               (route, route-faults with the access ports the ICM found down, link health, the
               elements' running configuration compared with the design) and the partner's
               state as last heard over INTERLUDE/SONATA; a test of each SP segment on the twin (step 6)
    decide     step 7-8: locate.py says where the trouble is; every finding is recorded on the
               report in words a person can act on, and the report moves:
               remediating (software can fix it), needsSiteVisit, partnerTrouble or noTroubleFound
    remedy     step 9: each segment is moved off what is down or degraded by its ICM (PRESTO
               reroute, make before break: the one the SLS loop uses), or, where an access port
               failed and the site is cabled to a free spare port, its end is moved there (PRESTO
               reassign, make before break); asking again is harmless, the ICM answers
               `unchanged` for a service already keeping off it or moved; or, where the
               configuration drifted, its design is re-applied (`reapply.py`)
    settle     step 10: the segments are read until they carry traffic again (resolved), or the
               wait gives up (needsSiteVisit, saying what is still down)
"""

from __future__ import annotations

import logging
from typing import Any

from dbos import DBOS
from sqlalchemy import select

from cadenza.core.errors import NotFound, Unprocessable
from cadenza.core.workflows import durable_sleep, start_once
from cadenza.interfaces.legato import trouble_report as contract
from cadenza.interfaces.presto import paths as presto
from cadenza.interfaces.presto.client import PrestoError, PrestoRefused
from cadenza.sof.alarms.alarm import CLEARED
from cadenza.sof.alarms.rows import AlarmRow
from cadenza.sof.performance import partner_segment
from cadenza.sof.rows import SegmentStateRow, ServiceRow
from cadenza.sof.service import Sof
from cadenza.sof.sls import degradation as degradations
from cadenza.sof.sls.assessor import _unhealthy as below_design
from cadenza.sof.sls.rows import SlsDegradationRow
from cadenza.sof.steps import registered
from cadenza.sof.trouble import locate, reapply, report
from cadenza.sof.trouble.ask_segments import ask_each_segment
from cadenza.sof.trouble.retry import STEP_RETRY
from cadenza.sof.trouble.rows import TroubleReportRow

__all__ = ["report_trouble", "gather", "resume_all", "SETTLE_TRIES", "SETTLE_PAUSE_S"]

log = logging.getLogger(__name__)
_RETRY = STEP_RETRY
SETTLE_TRIES = 30  # the segments' moves take a second or two on the twin
SETTLE_PAUSE_S = 1.0


def report_trouble(sof: Sof, party: str | None, request: contract.TroubleReportRequest) -> tuple[dict[str, Any], bool]:
    """The BUS reports trouble on one of its services: the report (new: True), its diagnosis started."""
    with sof.database.transaction() as session:
        service = session.get(ServiceRow, request.serviceId)
        if service is None or (party is not None and service.party != party):
            raise Unprocessable(f"/serviceId: no service '{request.serviceId[:80]}' of yours",
                                code="referenceNotFound", property_path="/serviceId")
        if service.state != "active":
            raise Unprocessable(f"/serviceId: service {service.id} is {service.state}; only an active service "
                                "is diagnosed", property_path="/serviceId")
        row, fresh = report.open_report(session, party=service.party, service_id=service.id,
                                        ticket_id=request.ticketId, attempt=request.attempt,
                                        description=request.description, wake=sof.wake)
        shown = report.view(row)
        report_id = row.id
    start_once(sof_diagnose_trouble, f"sof-trouble-{report_id}", sof.name, report_id)
    return shown, fresh


def get_report(sof: Sof, party: str | None, report_id: str) -> dict[str, Any]:
    with sof.database.read() as session:
        row = session.get(TroubleReportRow, report_id)
        if row is None or (party is not None and row.party != party):
            raise NotFound(f"No trouble report with id '{report_id}' of yours")
        return report.view(row)


def resume_all(sof: Sof) -> int:
    """At start: a report the domain died before starting the diagnosis of gets it now."""
    with sof.database.read() as session:
        ids = list(session.scalars(select(TroubleReportRow.id).where(
            TroubleReportRow.state.not_in(contract.FINISHED))))
    for report_id in ids:
        start_once(sof_diagnose_trouble, f"sof-trouble-{report_id}", sof.name, report_id)
    return len(ids)


def _hhmm(moment: Any) -> str:  # noqa: ANN401 - a datetime
    return moment.strftime("%H:%M UTC")


def gather(sof: Sof, service: ServiceRow) -> locate.Evidence:
    """Steps 4-6: what is known and what can be read now of the service's components."""
    segments = []
    health: dict[str, dict[str, dict[str, Any]]] = {}
    for segment in service.design.get("segments") or []:
        domain, uuid = segment["networkDomain"], segment["uuid"]
        now_seen = sof.presto.get_connectivity_service(domain, uuid)
        if domain not in health:
            health[domain] = sof.presto.get_link_health(domain)
        activation = now_seen.raw.get("cadenza-activation") or {}
        links = tuple(sorted(activation.get("s-vlans") or {}))
        faults = tuple(activation.get("route-faults") or ())
        down, _ = locate.down_in(faults)
        unhealthy = tuple(
            f"{link}: loss {h.get('loss-ratio', 0):.2%} (built for {h.get('design-loss-ratio', 0):.2%}), "
            f"delay {h.get('delay-ms', 0):.2f} ms (built for {h.get('design-delay-ms', 0):.2f} ms)"
            for link in links if link not in down and below_design(h := health[domain].get(link, {})))
        spares = _spares(sof, segment, faults, service.bandwidth_mbps)
        try:
            test = sof.presto.run_activation_test(domain, uuid)
            outcome = (f"test of the {domain} segment passed: delay {test.delay_ms:.2f} ms, frame loss "
                       f"{test.loss_ratio:.2%}, {test.rate_mbps:.0f} Mbit/s" if test.passed else
                       f"test of the {domain} segment failed: {'; '.join(test.failures) or 'no frames came back'}")
        except PrestoError as exc:
            outcome = f"the {domain} segment could not be tested: {exc}"
        drift, configuration = _configuration(sof, domain, uuid)
        segments.append(locate.SegmentEvidence(
            network_domain=domain, uuid=uuid, operational_state=now_seen.operational_state,
            route=tuple(now_seen.route), links=links, route_faults=faults,
            unhealthy=unhealthy, test=outcome, drift=drift, configuration=configuration, spares=spares))
    partner_design = service.design.get("partner") or {}
    with sof.database.read() as session:
        alarms = list(session.scalars(select(AlarmRow).where(AlarmRow.service_id == service.id,
                                                             AlarmRow.state != CLEARED)
                                      .order_by(AlarmRow.raised_at)))
        open_degradations = list(session.scalars(select(SlsDegradationRow).where(
            SlsDegradationRow.service_id == service.id, SlsDegradationRow.state.in_(degradations.OPEN))
            .order_by(SlsDegradationRow.created_at)))
        partner_state = (session.get(SegmentStateRow, partner_design["reference"])
                         if partner_design.get("reference") else None)
    outages = [a for a in alarms if a.kind == "outage"]
    partner = None
    if partner_design.get("party"):
        party = partner_design["party"]
        blamed = next((d for d in open_degradations if d.cause == party), None)
        partner = locate.PartnerEvidence(
            party=party, reference=partner_design.get("reference"),
            operational_state=partner_state.operational_state if partner_state is not None else None,
            blame=(partner_segment.blame(sof, service.id, blamed.direction, blamed.first_number, party)
                   or f"{party}'s segment: {'; '.join(blamed.breaches)}") if blamed is not None else None)
    return locate.Evidence(
        service_id=service.id, segments=tuple(segments), partner=partner,
        alarms=tuple(f"alarm since {_hhmm(a.raised_at)}: {a.specific_problem}" for a in alarms),
        alarm_since=_hhmm(outages[0].raised_at) if outages else None,
        degradations=tuple(f"SLS degradation {d.direction} ({d.state}), located in {d.cause}: "
                           f"{'; '.join(d.breaches)}" for d in open_degradations),
        degradation_causes=tuple(d.cause or "" for d in open_degradations))


def _configuration(sof: Sof, domain: str, uuid: str) -> tuple[tuple[str, ...], str]:
    """(the drift from the design, what was found of the configuration, as a sentence)."""
    try:
        found = sof.presto.get_configuration_drift(domain, uuid)
    except PrestoRefused as exc:  # e.g. a move under way: its elements have no one design now
        return (), f"the {domain} segment's configuration was not compared with its design: {exc}"
    if found.differences:
        return found.differences, (f"the {domain} segment's running configuration differs from its design: "
                                   + "; ".join(found.differences))
    if found.unread:
        return (), f"the {domain} segment's configuration could not all be read: {'; '.join(found.unread)}"
    return (), f"the {domain} segment's elements run the configuration designed for it"


def _spares(sof: Sof, segment: dict[str, Any], faults: tuple[str, ...], mbps: int) -> dict[str, str]:
    """A free spare port for each failed access port of the segment (`cadenza-spare-for` on its
    SIP over PRESTO): up, and with room for the service (wholly free for a port-based end)."""
    failed = {edge for edge, *_ in locate.access_ports_down(faults)}
    if not failed:
        return {}
    vlans = {segment[e]["edgePoint"]: segment[e]["vlan"] for e in ("a", "z")}
    found: dict[str, str] = {}
    for sip in sof.presto.list_service_interface_points(segment["networkDomain"]):
        spare_for = sip.get("cadenza-spare-for")
        if spare_for not in failed or spare_for in found or sip.get("operational-state") != presto.ENABLED:
            continue
        free = sip["available-capacity"]["total-size"]["value"]
        whole = sip["total-potential-capacity"]["total-size"]["value"]
        if free >= mbps and (vlans.get(spare_for) is not None or free == whole):
            found[spare_for] = sip["uuid"]
    return found


def _findings(evidence: locate.Evidence) -> list[tuple[str, str]]:
    said = [("correlate", text) for text in (*evidence.alarms, *evidence.degradations)]
    if not said:
        said.append(("correlate", "no open alarm or SLS degradation on the service"))
    for segment in evidence.segments:
        carries = segment.operational_state == presto.ENABLED and not segment.route_faults
        state = "carries traffic" if carries else "carries no traffic"
        faults = f" ({'; '.join(segment.route_faults)})" if segment.route_faults else ""
        said.append(("read", f"the {segment.network_domain} segment {state}{faults}, route "
                             f"{' > '.join(segment.route)}"))
        said += [("read", f"link {u} is below its design") for u in segment.unhealthy]
        if segment.configuration:
            said.append(("read", segment.configuration))
        if segment.test:
            said.append(("test", segment.test))
    if evidence.partner is not None:
        heard = evidence.partner.operational_state or "not heard of yet"
        said.append(("read", f"{evidence.partner.party}'s segment, as last heard: {heard}"))
    return said


@DBOS.workflow()
def sof_diagnose_trouble(sof_name: str, report_id: str) -> str:
    service_id = sof_trouble_begin(sof_name, report_id)
    if service_id is None:
        return "finished"
    evidence = sof_trouble_gather(sof_name, service_id)
    plan = locate.locate(locate.Evidence.from_json(evidence))
    if not sof_trouble_decide(sof_name, report_id, evidence, plan.kind, plan.cause, plan.why):
        return "finished"
    if plan.kind == locate.REAPPLY:
        return _reapply(sof_name, report_id, service_id, plan)
    if plan.kind not in (locate.REROUTE, locate.REASSIGN):
        return plan.kind
    if plan.kind == locate.REROUTE:
        refused, done = sof_trouble_reroute(sof_name, report_id, plan.avoid, plan.segments), "rerouted"
    else:
        refused = sof_trouble_reassign(sof_name, report_id, service_id, plan.reassign, plan.segments)
        done = "moved to the spare port"
    if refused is not None:
        sof_trouble_finish(sof_name, report_id, contract.NEEDS_SITE_VISIT, f"{plan.why}; {refused}")
        return "siteVisit"
    still = ""
    for _ in range(SETTLE_TRIES):
        still = sof_trouble_still_down(sof_name, service_id)
        if not still:
            break
        durable_sleep(SETTLE_PAUSE_S)
    if still:
        sof_trouble_finish(sof_name, report_id, contract.NEEDS_SITE_VISIT,
                           f"{plan.why}; {done}, yet {still}: needs a site visit")
        return "siteVisit"
    sof_trouble_finish(sof_name, report_id, contract.RESOLVED, f"{plan.why}; the service is {done}")
    return "resolved"


def _reapply(sof_name: str, report_id: str, service_id: str, plan: locate.Plan) -> str:
    """Step 9-10 where the configuration drifted: the design re-applied, then confirmed."""
    refused = reapply.sof_trouble_reapply(sof_name, report_id, plan.segments)
    if refused is not None:
        sof_trouble_finish(sof_name, report_id, contract.NEEDS_SITE_VISIT, f"{plan.why}; {refused}")
        return "siteVisit"
    left = reapply.sof_trouble_confirm_design(sof_name, service_id)
    if left:
        sof_trouble_finish(sof_name, report_id, contract.NEEDS_SITE_VISIT,
                           f"{plan.why}; re-applied, yet {left}: needs a site visit")
        return "siteVisit"
    sof_trouble_finish(sof_name, report_id, contract.RESOLVED,
                       f"{plan.why}; the designed configuration is re-applied, the segment test passes")
    return "resolved"


@DBOS.step()
def sof_trouble_begin(sof_name: str, report_id: str) -> str | None:
    sof = registered(sof_name)
    with sof.database.transaction() as session:
        row = session.get(TroubleReportRow, report_id)
        if row is None or row.state in contract.FINISHED:
            return None
        if row.state == contract.ACKNOWLEDGED:
            report.transition_to(session, row, contract.DIAGNOSING, why="diagnosing the service's components",
                                 wake=sof.wake)
        return row.service_id


@DBOS.step(**_RETRY)
def sof_trouble_gather(sof_name: str, service_id: str) -> dict[str, Any]:
    sof = registered(sof_name)
    with sof.database.read() as session:
        service = session.get(ServiceRow, service_id)
    assert service is not None
    return gather(sof, service).to_json()


_OUTCOME = {locate.REROUTE: contract.REMEDIATING, locate.REASSIGN: contract.REMEDIATING,
            locate.REAPPLY: contract.REMEDIATING, locate.SITE_VISIT: contract.NEEDS_SITE_VISIT,
            locate.PARTNER: contract.PARTNER_TROUBLE, locate.NOTHING: contract.NO_TROUBLE_FOUND}


@DBOS.step()
def sof_trouble_decide(sof_name: str, report_id: str, evidence: dict[str, Any], kind: str, cause: str | None,
                       why: str) -> bool:
    """Steps 7-8: the findings and where the trouble is, recorded with the move they lead to."""
    sof = registered(sof_name)
    seen = locate.Evidence.from_json(evidence)
    with sof.database.transaction() as session:
        row = session.get(TroubleReportRow, report_id, with_for_update=True)
        if row is None or row.state != contract.DIAGNOSING:
            return row is not None and row.state == contract.REMEDIATING  # recorded before a crash
        for step, text in _findings(seen):
            report.add_finding(session, row, step, text, wake=sof.wake)
        report.add_finding(session, row, "locate", why, wake=sof.wake)
        target = _OUTCOME[kind]
        changes: dict[str, Any] = {"cause": cause}
        if kind == locate.PARTNER and seen.partner is not None:
            changes |= {"partner": seen.partner.party, "partner_reference": seen.partner.reference}
        if target != contract.REMEDIATING:
            changes["remedy"] = why
        report.transition_to(session, row, target, why=why, changes=changes, wake=sof.wake)
        return True


@DBOS.step(**_RETRY)
def sof_trouble_reroute(sof_name: str, report_id: str, avoid: dict[str, list[str]],
                        segments: dict[str, str]) -> str | None:
    """Step 9: each segment moved off what is down; None when every move was accepted, else why not."""
    sof = registered(sof_name)
    asked = ask_each_segment(
        ((uuid, segments[uuid], keep_off) for uuid, keep_off in avoid.items()),
        sof.presto.reroute_connectivity_service,
        lambda domain, _, answer: f"the {domain} segment {'moves' if answer.moving else 'keeps'} to "
                                  f"{' > '.join(answer.route)}",
        lambda domain, keep_off, exc: f"the {domain} segment cannot keep off {', '.join(keep_off)}: {exc}")
    if asked.refused is not None:
        return asked.refused
    with sof.database.transaction() as session:
        report.add_remedy_once(session, report_id, "rerouted: " + "; ".join(asked.said), wake=sof.wake)
    return None


@DBOS.step(**_RETRY)
def sof_trouble_reassign(sof_name: str, report_id: str, service_id: str, reassign: dict[str, list[str]],
                         segments: dict[str, str]) -> str | None:
    """Step 9 where an access port failed: each segment's end moved to the spare port (its ICM
    decides the port and route before answering); the service's design then names the spare.
    None when every move was accepted, else why not."""
    sof = registered(sof_name)
    asked = ask_each_segment(
        ((uuid, segments[uuid], (failed, spare)) for uuid, (failed, spare) in reassign.items()),
        lambda domain, uuid, ends: sof.presto.reassign_end_point(domain, uuid, *ends),
        lambda domain, ends, answer: f"the {domain} segment's end {'moves' if answer.moving else 'is'} at spare "
                                     f"port {ends[1]} instead of {ends[0]}, route {' > '.join(answer.route)}",
        lambda domain, ends, exc: f"the {domain} segment's end cannot move from {ends[0]} to {ends[1]}: {exc}")
    if asked.refused is not None:
        return asked.refused
    with sof.database.transaction() as session:
        service = session.get(ServiceRow, service_id)
        if service is not None:  # asked again after a crash, the edge points are the spares already
            service.design = _moved_ends(service.design, dict(reassign.values()))
        report.add_remedy_once(session, report_id, "reassigned: " + "; ".join(asked.said), wake=sof.wake)
    return None


def _moved_ends(design: dict[str, Any], spares: dict[str, str]) -> dict[str, Any]:
    """The design with each failed edge point replaced by its spare, at the service's ends and its segments'."""
    def end(point: dict[str, Any]) -> dict[str, Any]:
        return {**point, "edgePoint": spares[point["edgePoint"]]} if point.get("edgePoint") in spares else point

    return {**design, **{e: end(design[e]) for e in ("a", "z") if isinstance(design.get(e), dict)},
            "segments": [{**s, "a": end(s["a"]), "z": end(s["z"])} for s in design.get("segments") or []]}


@DBOS.step(**_RETRY)
def sof_trouble_still_down(sof_name: str, service_id: str) -> str:
    """What of the service's SP segments cannot carry traffic now, or is still moving to its
    new route ('' when all carry traffic on the route they were moved to).

    A segment whose move is under way may read ENABLED on its old route (the fault cleared, or
    the network restarted with it healed): resolving then would close the ticket on a route
    the remedy is still leaving."""
    sof = registered(sof_name)
    with sof.database.read() as session:
        service = session.get(ServiceRow, service_id)
    down = []
    for segment in (service.design.get("segments") or []) if service is not None else []:
        seen = sof.presto.get_connectivity_service(segment["networkDomain"], segment["uuid"])
        moving = (seen.raw.get("cadenza-activation") or {}).get("reroute")
        if moving is not None:
            down.append(f"the {segment['networkDomain']} segment is still moving to "
                        f"{' > '.join(moving.get('to-route') or ())}")
        elif seen.operational_state != presto.ENABLED:
            faults = "; ".join((seen.raw.get("cadenza-activation") or {}).get("route-faults") or ()) or seen.state
            down.append(f"the {segment['networkDomain']} segment carries no traffic ({faults})")
    return "; ".join(down)


@DBOS.step()
def sof_trouble_finish(sof_name: str, report_id: str, target: str, why: str) -> None:
    sof = registered(sof_name)
    with sof.database.transaction() as session:
        row = session.get(TroubleReportRow, report_id, with_for_update=True)
        if row is not None and row.state == contract.REMEDIATING:
            report.transition_to(session, row, target, why=why, changes={"remedy": why}, wake=sof.wake)
