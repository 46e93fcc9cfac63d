"""An Internet gateway's routed interface travels in the forwarding construct, YANG-checked
(libyang) like the rest of it, and comes back from the element as it went in."""

from __future__ import annotations

import pytest
from ecm_chain import fc

from cadenza.ecm.errors import RpcError
from cadenza.ecm.manager import ElementManager
from cadenza.ecm.model import fc_from_raw, fc_to_raw
from cadenza.interfaces.adagio.contract import ElementRefused, ForwardingConstruct, IpInterface


def routed(ip: IpInterface) -> ForwardingConstruct:
    plain = fc("svc-ip", ("uni1", 100), ("nni", 300))
    return ForwardingConstruct(plain.fc_id, plain.end_points, plain.bandwidth, plain.description, ip)


def test_a_routed_interface_is_configured_and_read_back(manager: ElementManager) -> None:
    construct = routed(IpInterface("z", "203.0.113.1", 30, "203.0.113.2"))
    assert fc_from_raw(fc_to_raw(construct)) == construct
    assert manager.apply("pe1", construct)
    assert manager.read("pe1") == [construct]


@pytest.mark.parametrize(("ip", "why"), [
    (IpInterface("z", "203.0.113.300", 30, "203.0.113.2"), "ip-interface/address"),
    (IpInterface("z", "203.0.113.1", 31, "203.0.113.2"), "ip-interface/prefix-length"),
    (IpInterface("z", "203.0.113.1", 30, "203.0.113.1"), "must differ"),
    (IpInterface("b", "203.0.113.1", 30, "203.0.113.2"), "ip-interface/end-point"),
])
def test_the_element_refuses_a_routed_interface_yang_does_not_allow(manager: ElementManager, ip: IpInterface,
                                                                   why: str) -> None:
    with pytest.raises((ElementRefused, RpcError), match=why):
        manager.apply("pe1", routed(ip))
    assert manager.read("pe1") == []
