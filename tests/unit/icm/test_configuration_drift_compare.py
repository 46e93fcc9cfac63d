"""How the ICM says a service's running configuration differs from its design (icm/drift.py)."""

from __future__ import annotations

from dataclasses import replace

from cadenza.icm.design import Hop
from cadenza.icm.drift import compare
from cadenza.interfaces.adagio.contract import (
    BandwidthProfile,
    CosFlow,
    ElementUnreachable,
    FcEndPoint,
    ForwardingConstruct,
)

EDGE = {("pe-e1", "ge-0/0/1"), ("pe-w1", "ge-0/0/1")}


def _fc(a: FcEndPoint, z: FcEndPoint, cir_kbps: int = 100_000) -> ForwardingConstruct:
    return ForwardingConstruct("svc", (a, z), BandwidthProfile(cir_kbps, 125, per_cos=(CosFlow("H", cir_kbps),)),
                               "cadenza svc")


DESIGN = [Hop("pe-e1", _fc(FcEndPoint("ge-0/0/1", 731), FcEndPoint("xe-0/1/0", 1001))),
          Hop("agg-e1", _fc(FcEndPoint("xe-0/0/0", 1001), FcEndPoint("xe-0/2/0", 1002))),
          Hop("pe-w1", _fc(FcEndPoint("xe-0/1/0", 1002), FcEndPoint("ge-0/0/1", None)))]


def _running(**changed: ForwardingConstruct | ElementUnreachable | None) -> dict:
    return {hop.element: hop.fc for hop in DESIGN} | {k.replace("_", "-"): v for k, v in changed.items()}


def test_the_elements_running_their_design_differ_in_nothing() -> None:
    assert compare(DESIGN, _running(), edge_ports=EDGE) == ([], [])


def test_each_difference_is_one_sentence_naming_the_element_the_port_and_both_values() -> None:
    first, inner, last = (hop.fc for hop in DESIGN)
    found = compare(DESIGN, _running(
        pe_e1=replace(first, end_points=(FcEndPoint("ge-0/0/1", 732), FcEndPoint("xe-0/1/0", 1003))),
        agg_e1=replace(inner, bandwidth=replace(inner.bandwidth, cir_kbps=50_000)),
        pe_w1=replace(last, end_points=(last.end_points[0], FcEndPoint("ge-0/0/1", 40)))), edge_ports=EDGE)
    assert found == ([
        "pe-e1 ge-0/0/1: ce-vlan 731 configured, 732 running",
        "pe-e1 xe-0/1/0: s-vlan 1001 configured, 1003 running",
        "agg-e1: policer CIR 100000 kbit/s configured, 50000 kbit/s running",
        "pe-w1 ge-0/0/1: ce-vlan none (the whole port) configured, 40 running"], [])


def test_a_construct_gone_a_port_moved_and_an_element_that_cannot_be_read_are_told_apart() -> None:
    first, inner, _ = (hop.fc for hop in DESIGN)
    found = compare(DESIGN, _running(pe_e1=replace(first, end_points=(first.end_points[0],
                                                                      FcEndPoint("xe-0/1/1", 1001))),
                                     agg_e1=None, pe_w1=ElementUnreachable("pe-w1", "element does not answer (down)")),
                    edge_ports=EDGE)
    assert found == (["pe-e1 end point z: port xe-0/1/0 configured, xe-0/1/1 running",
                      "agg-e1: forwarding construct svc configured, absent from the running configuration"],
                     ["pe-w1: its running configuration could not be read (element does not answer (down))"])


def test_a_change_the_sentences_do_not_name_is_still_a_difference() -> None:
    first = DESIGN[0].fc
    flows = replace(first.bandwidth, per_cos=(CosFlow("H", 100_000, eir_kbps=5),))
    described = replace(first, description="typed by hand")
    assert compare(DESIGN, _running(pe_e1=replace(first, bandwidth=flows)))[0] == [
        "pe-e1: the flows per class of service (H) differ from the design"]
    assert compare(DESIGN, _running(pe_e1=described))[0] == [
        "pe-e1: forwarding construct svc differs from its design"]
