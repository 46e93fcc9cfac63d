"""Where the trouble is and what can be done about it (MEF 55.0.1 §10.5 steps 7-9), decided from
what SOF gathered (`Evidence`): no I/O here, so every rule is tested on its own.

In order: an access port (UNI) down whose customer equipment is cabled to a free spare port has
the service's end moved there; an element down at an end of an SP segment's route (the
customer's access element), or an access port down with no spare, is for a person on site, as
nothing can route around it; a link or an
inner element down on the route is routed around; a link of the route whose health is below what it was built for is
routed around too (as the SLS loop does, sof/sls/assessor.py); a segment whose elements run
something else than its design (configuration drift, as its ICM compares them) gets its design
re-applied; the partner's segment down, or
an SLS degradation located there, is the partner's to repair, and so is trouble on a service
whose own segments pass while the partner's cannot be seen (bought over SONATA): by
elimination. Otherwise nothing was found.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from cadenza.interfaces.presto.paths import ENABLED  # the segment states SOF reads over PRESTO

__all__ = ["SegmentEvidence", "PartnerEvidence", "Evidence", "Plan", "REROUTE", "REASSIGN", "REAPPLY", "SITE_VISIT",
           "PARTNER", "NOTHING", "locate", "down_in", "access_ports_down"]

REROUTE = "reroute"
REASSIGN = "reassign"  # a failed access port's service moved to the site's spare port
REAPPLY = "reapply"  # the segment's designed configuration written to its elements again
SITE_VISIT = "siteVisit"
PARTNER = "partner"
NOTHING = "nothing"


@dataclass(frozen=True)
class SegmentEvidence:
    network_domain: str
    uuid: str
    operational_state: str  # ENABLED | DISABLED, as the ICM says now
    route: tuple[str, ...]  # the elements, first to last
    links: tuple[str, ...]  # the links of the route
    # "link a|b is down", "element x is down", "access port u (pe ge-0/0/1) is down since 10:42 UTC"
    route_faults: tuple[str, ...] = ()
    unhealthy: tuple[str, ...] = ()  # "a|b: loss 3.0 % (built for 0.01 %)"
    test: str | None = None  # the segment test's outcome, as a sentence
    # how the elements' running configuration differs from the design, as the ICM says it
    # ("pe-e1 ge-0/0/1: s-vlan 731 configured, 732 running"); `configuration` says why it was not compared
    drift: tuple[str, ...] = ()
    configuration: str | None = None
    # a failed access port's edge point -> a free spare port cabled to the same customer equipment
    spares: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PartnerEvidence:
    party: str
    reference: str | None
    operational_state: str | None  # the partner's segment as last heard (None: never heard)
    blame: str | None = None  # what the partner's own figures say, when an SLS breach was located there


@dataclass(frozen=True)
class Evidence:
    service_id: str
    segments: tuple[SegmentEvidence, ...]
    partner: PartnerEvidence | None = None
    alarms: tuple[str, ...] = ()  # the open alarms, as sentences ("since 10:42 UTC: link a|b is down")
    alarm_since: str | None = None  # HH:MM UTC the oldest open outage alarm was raised
    degradations: tuple[str, ...] = ()  # the open SLS degradations, as sentences
    degradation_causes: tuple[str, ...] = ()  # where each was located

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Evidence:
        partner = body.get("partner")
        return cls(service_id=body["service_id"],
                   segments=tuple(SegmentEvidence(**{k: tuple(v) if isinstance(v, list) else v for k, v in s.items()})
                                  for s in body["segments"]),
                   partner=PartnerEvidence(**partner) if partner else None,
                   alarms=tuple(body.get("alarms") or ()), alarm_since=body.get("alarm_since"),
                   degradations=tuple(body.get("degradations") or ()),
                   degradation_causes=tuple(body.get("degradation_causes") or ()))


@dataclass(frozen=True)
class Plan:
    kind: str  # reroute | reassign | reapply | siteVisit | partner | nothing
    cause: str | None  # "link a|b", "element pe-e1", "port pe-e1:ge-0/0/1", a partner's party
    why: str  # the diagnosis, in words a person can act on
    # on reroute: per network domain and segment, what to keep off
    avoid: dict[str, list[str]] = field(default_factory=dict)
    segments: dict[str, str] = field(default_factory=dict)  # segment uuid -> network domain (reroute, reapply)
    # on reassign: per segment, the edge point of its failed port and the spare it moves to
    reassign: dict[str, list[str]] = field(default_factory=dict)


def down_in(faults: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The links and elements a segment's route-faults say are down."""
    links, elements = [], []
    for fault in faults:
        if fault.startswith("link ") and fault.endswith(" is down"):
            links.append(fault[len("link "):-len(" is down")])
        elif fault.startswith("element ") and fault.endswith(" is down"):
            elements.append(fault[len("element "):-len(" is down")])
    return links, elements


_ACCESS_PORT = re.compile(
    r"access port (?P<edge>\S+) \((?P<element>\S+) (?P<port>\S+)\) is down(?: since (?P<since>.+))?")


def access_ports_down(faults: tuple[str, ...]) -> list[tuple[str, str, str, str | None]]:
    """(edge point, element, port, since HH:MM UTC if said) of each access port a segment's
    route-faults say is down (the ICM reads them from the ECM's faults)."""
    return [(m["edge"], m["element"], m["port"], m["since"])
            for fault in faults if (m := _ACCESS_PORT.fullmatch(fault))]


def _since(evidence: Evidence) -> str:
    return f" since {evidence.alarm_since}" if evidence.alarm_since else ""


def locate(evidence: Evidence) -> Plan:
    since = _since(evidence)
    avoid: dict[str, list[str]] = {}
    segments: dict[str, str] = {}
    said: list[str] = []
    for segment in evidence.segments:
        links, elements = down_in(segment.route_faults)
        ends = {segment.route[0], segment.route[-1]} if segment.route else set()
        at_end = [e for e in elements if e in ends]
        ports = access_ports_down(segment.route_faults)
        if ports and not at_end:
            edge, element, port, when = ports[0]
            when_said = f" since {when}" if when else since
            spare = segment.spares.get(edge)
            if spare is not None:
                return Plan(REASSIGN, f"port {element}:{port}",
                            f"access port {edge} ({element} {port}) down{when_said}: the customer's site is cabled to "
                            f"spare port {spare} too; the service's end is moved there",
                            segments={segment.uuid: segment.network_domain}, reassign={segment.uuid: [edge, spare]})
            return Plan(SITE_VISIT, f"port {element}:{port}",
                        f"access port {edge} ({element} {port}) down{when_said}: no other path reaches the "
                        "customer's site; needs a site visit to repair it")
        if at_end:
            return Plan(SITE_VISIT, f"element {at_end[0]}",
                        f"element {at_end[0]} at the end of the service's {segment.network_domain} segment is down"
                        f"{since}: no other path reaches that port; needs a site visit to repair it")
        if links or elements:
            avoid[segment.uuid] = [*links, *elements]
            segments[segment.uuid] = segment.network_domain
            said += [f"link {link} down{since}" for link in links]
            said += [f"element {element} down{since}" for element in elements]
    if avoid:
        first = next(iter(avoid.values()))[0]
        kind = "link" if "|" in first else "element"
        return Plan(REROUTE, f"{kind} {first}", "; ".join(said), avoid, segments)
    for segment in evidence.segments:
        if segment.unhealthy:
            avoid[segment.uuid] = [u.split(":", 1)[0] for u in segment.unhealthy]
            segments[segment.uuid] = segment.network_domain
            said += [f"link {u} on the {segment.network_domain} segment" for u in segment.unhealthy]
    if avoid:
        first = next(iter(avoid.values()))[0]
        return Plan(REROUTE, f"link {first}", "degraded: " + "; ".join(said), avoid, segments)
    drifted = [segment for segment in evidence.segments if segment.drift]
    if drifted:
        elements = sorted({d.split(" ", 1)[0].rstrip(":") for s in drifted for d in s.drift})
        return Plan(REAPPLY, f"configuration of {', '.join(elements)}",
                    "; ".join(f"the {s.network_domain} segment's configuration drifted from its design: "
                              + "; ".join(s.drift) for s in drifted),
                    segments={s.uuid: s.network_domain for s in drifted})
    partner = evidence.partner
    if partner is not None:
        down = partner.operational_state == "DISABLED"
        blamed = partner.party in evidence.degradation_causes
        if down or blamed:
            what = (partner.blame if blamed and partner.blame else
                    f"{partner.party}'s segment cannot carry traffic{since}" if down else
                    f"{partner.party}'s segment breaks the service's SLS: "
                    + "; ".join(evidence.degradations))
            return Plan(PARTNER, partner.party,
                        f"{what}, while this provider's segments carry traffic and pass their tests: "
                        f"{partner.party} must repair its segment")
        ours_pass = all(s.operational_state == ENABLED and (s.test or "").startswith("test of the")
                        and " passed" in (s.test or "") for s in evidence.segments)
        if partner.operational_state is None and ours_pass:
            # a segment bought over SONATA is not seen from here: by elimination the trouble is there
            return Plan(PARTNER, partner.party,
                        f"this provider's segments carry traffic and pass their tests; {partner.party}'s segment, "
                        f"which we cannot see, is left: {partner.party} is asked to look at it")
    return Plan(NOTHING, None, "no fault found: every segment of the service carries traffic, no alarm is open, "
                               "no SLS degradation is open and the segment tests pass")
