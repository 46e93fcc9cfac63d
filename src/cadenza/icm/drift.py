"""Configuration drift: whether the elements still run what the ICM designed for a service
(MEF 55.0.1 §10.5 step 6, "asks for current configuration"; step 9, re-applying it).

`compare` is the rule, with no I/O: each hop of the service's plan against what its element's
running configuration holds for the service, read over ADAGIO (NETCONF `<get-config>`), said
in words ("pe-e1 ge-0/0/1: s-vlan 731 configured, 732 running"). `check` reads and compares;
`reapply` writes the designed constructs back through the ECM's ordinary edits (the element's
YANG and end-point checks apply), then reads again. Writing what an element already holds
changes nothing there, so re-applying twice configures nothing the second time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cadenza.core.errors import Conflict
from cadenza.icm import connectivity_service as cs
from cadenza.icm.design import Hop, hops_from_json
from cadenza.icm.reroute import rerouting
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.adagio.contract import AdagioError, BandwidthProfile, FcEndPoint, ForwardingConstruct

if TYPE_CHECKING:  # the ICM hands itself in
    from cadenza.icm.service import Icm

__all__ = ["DriftReport", "Reapplied", "compare", "check", "reapply"]

Running = ForwardingConstruct | AdagioError | None  # None: absent from the running configuration


@dataclass(frozen=True, slots=True)
class DriftReport:
    service: str
    elements: tuple[str, ...]  # the elements whose running configuration was compared
    differences: tuple[str, ...]  # one sentence per difference from the design
    unread: tuple[str, ...] = ()  # elements that could not be read, and why

    @property
    def in_step(self) -> bool:
        return not self.differences and not self.unread


@dataclass(frozen=True, slots=True)
class Reapplied:
    before: DriftReport
    rewritten: tuple[str, ...]  # the elements whose running configuration the re-apply changed
    after: DriftReport


def _vlan(end: FcEndPoint) -> str:
    return "none (the whole port)" if end.vlan_id is None else str(end.vlan_id)


def _rates(bandwidth: BandwidthProfile) -> list[tuple[str, int, str]]:
    return [("policer CIR", bandwidth.cir_kbps, "kbit/s"), ("policer CBS", bandwidth.cbs_kbytes, "kbytes"),
            ("policer EIR", bandwidth.eir_kbps, "kbit/s"), ("policer EBS", bandwidth.ebs_kbytes, "kbytes")]


def _one(element: str, want: ForwardingConstruct, got: ForwardingConstruct,
         edge_ports: Collection[tuple[str, str]]) -> list[str]:
    said = []
    for name, designed, running in zip(("a", "z"), want.end_points, got.end_points, strict=True):
        if designed.port != running.port:
            said.append(f"{element} end point {name}: port {designed.port} configured, {running.port} running")
        elif designed.vlan_id != running.vlan_id:
            kind = "ce-vlan" if (element, designed.port) in edge_ports else "s-vlan"
            said.append(f"{element} {designed.port}: {kind} {_vlan(designed)} configured, {_vlan(running)} running")
    for (what, designed_rate, unit), (_, running_rate, _) in zip(_rates(want.bandwidth), _rates(got.bandwidth),
                                                                   strict=True):
        if designed_rate != running_rate:
            said.append(f"{element}: {what} {designed_rate} {unit} configured, {running_rate} {unit} running")
    if want.bandwidth.per_cos != got.bandwidth.per_cos:
        said.append(f"{element}: the flows per class of service "
                    f"({', '.join(f.name for f in want.bandwidth.per_cos) or 'none'}) differ from the design")
    if want.ip != got.ip:
        said.append(f"{element}: the routed interface differs from the design")
    if not said and want != got:
        said.append(f"{element}: forwarding construct {want.fc_id} differs from its design")
    return said


def compare(designed: Sequence[Hop], running: Mapping[str, Running], *,
            edge_ports: Collection[tuple[str, str]] = ()) -> tuple[list[str], list[str]]:
    """(differences, unread): each hop's designed construct against `running` (element -> what
    its running configuration holds for the service); `edge_ports` tells CE-VLANs from S-VLANs."""
    differences, unread = [], []
    for hop in designed:
        got = running.get(hop.element)
        if isinstance(got, AdagioError):
            unread.append(f"{hop.element}: its running configuration could not be read ({got.reason})")
        elif got is None:
            differences.append(f"{hop.element}: forwarding construct {hop.fc.fc_id} configured, "
                               "absent from the running configuration")
        else:
            differences += _one(hop.element, hop.fc, got, edge_ports)
    return differences, unread


def _edge_ports(icm: Icm) -> set[tuple[str, str]]:
    return {(edge.element, edge.port) for edge in icm.topology.edge_points.values()}


def _read(icm: Icm, hops: Sequence[Hop]) -> dict[str, Running]:
    running: dict[str, Running] = {}
    for hop in hops:
        try:
            running[hop.element] = next(iter(icm.adagio.read(hop.element, [hop.fc.fc_id])), None)
        except AdagioError as exc:
            running[hop.element] = exc
    return running


def _settled(row: ConnectivityServiceRow) -> None:
    """Only a service at rest has one design to hold its elements to: during an activation,
    change, move or removal its workflow is writing them."""
    if row.state != cs.INSTALLED or rerouting(row):
        doing = "being rerouted" if rerouting(row) else row.state
        raise Conflict(f"Connectivity service {row.uuid} is {doing}: its configuration is compared with its design "
                       "once installed and at rest")


def check(icm: Icm, row: ConnectivityServiceRow) -> DriftReport:
    """The service's running configuration, read from its elements now, against its design."""
    _settled(row)
    hops = hops_from_json(row.uuid, row.plan["hops"])
    differences, unread = compare(hops, _read(icm, hops), edge_ports=_edge_ports(icm))
    return DriftReport(row.uuid, tuple(h.element for h in hops), tuple(differences), tuple(unread))


def reapply(icm: Icm, service: str, owner: str | None) -> Reapplied:
    """Write the service's designed constructs to its elements again. The service's row is held
    meanwhile, so a change, move or removal asked now waits and then writes after this."""
    with icm.database.transaction() as session:
        row = icm.get(session, service, owner)
        session.refresh(row, with_for_update=True)
        before = check(icm, row)
        hops = hops_from_json(row.uuid, row.plan["hops"])
        results = icm.adagio.apply_many([(hop.element, hop.fc) for hop in hops]) if not before.in_step else []
        refused = [f"{r.error.element} refused: {r.error.reason}" for r in results if r.error is not None]
        if refused:
            raise Conflict(f"Re-applying the design of {row.uuid} was refused: {'; '.join(refused)}")
        after = check(icm, row)
    return Reapplied(before, tuple(r.element for r in results if r.changed), after)
