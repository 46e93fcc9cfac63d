"""What a modify of an existing product may change in place (a CE-VLAN at an end point that
stays VLAN-based, the bandwidth) and what it may not (the type, an ENNI's S-VLAN, a port-based
end made VLAN-based); what a change keeps; how POQ and quote word the network's answer."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cadenza.bus import ordering
from cadenza.bus.feasibility import NetworkFeasibility
from cadenza.bus.fulfilment import _modify_item
from cadenza.bus.product_change import assess_change
from cadenza.bus.product_schemas import ACCESS_ELINE_OVC, EPL_EVC, EVPL_EVC, example_configuration
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.feasibility import Feasibility
from cadenza.interfaces.legato.paths import OVC_TYPE
from cadenza.interfaces.legato.placement import ACCESS_PLACEMENT, EVC_PLACEMENT

POINTER = "/productOrderItem/0/product/productConfiguration"


def _evpl(a: int, z: int) -> dict[str, Any]:
    config = copy.deepcopy(example_configuration(EVPL_EVC))
    config["evcEndPointA"]["evcEndPointMap"]["vlanId"] = [a]
    config["evcEndPointZ"]["evcEndPointMap"]["vlanId"] = [z]
    return config


def _access(ce_vlan: int, s_vlan: int = 1100) -> dict[str, Any]:
    config = copy.deepcopy(example_configuration(ACCESS_ELINE_OVC))
    config["uniEp"]["ovcEndPointMap"]["ovcEndPointMapFormU"] = [ce_vlan]
    config["enniEp"]["ovcEndPointMap"]["ovcEndPointMapFormE"] = [s_vlan]
    return config


def _refusal(stored: dict[str, Any], changed: dict[str, Any]) -> Unprocessable:
    with pytest.raises(Unprocessable) as refused:
        ordering._refuse_unchangeable(stored, changed, POINTER)
    return refused.value


def test_a_ce_vlan_change_of_an_evc_end_or_an_access_elines_uni_is_accepted() -> None:
    ordering._refuse_unchangeable(_evpl(440, 440), _evpl(442, 440), POINTER)
    ordering._refuse_unchangeable(_evpl(440, 440), _evpl(441, 443), POINTER)
    ordering._refuse_unchangeable(_access(100), _access(101), POINTER)


def test_a_type_change_an_enni_s_vlan_change_and_a_port_based_end_made_vlan_based_are_refused() -> None:
    typed = _refusal(_evpl(440, 440), {**_evpl(440, 440), "@type": "something-else"})
    assert typed.property_path == f"{POINTER}/@type"
    s_vlan = _refusal(_access(100, 1100), _access(100, 1200))
    assert s_vlan.property_path == f"{POINTER}/enniEp/ovcEndPointMap" and "S-VLAN" in s_vlan.reason
    whole = copy.deepcopy(_evpl(440, 440))
    whole["evcEndPointZ"]["evcEndPointMap"] = {"vlanType": "ALL"}
    tagged = _refusal(whole, _evpl(440, 441))
    assert tagged.property_path == f"{POINTER}/evcEndPointZ/evcEndPointMap" and "port-based" in tagged.reason


def test_a_modify_naming_one_end_keeps_the_other_ends_map_and_every_bandwidth_profile() -> None:
    stored = _evpl(440, 450)
    change = {"@type": stored["@type"], "evcEndPointA": {"evcEndPointMap": {"vlanType": "LIST", "vlanId": [442]}}}
    merged = ordering.merge_configuration(stored, change)
    assert merged["evcEndPointA"]["evcEndPointMap"]["vlanId"] == [442]
    assert merged["evcEndPointZ"] == stored["evcEndPointZ"]
    for end in ("evcEndPointA", "evcEndPointZ"):
        assert merged[end]["ingressBandwidthProfilePerClassofServiceName"] == stored[end][
            "ingressBandwidthProfilePerClassofServiceName"]
    assert {k: v for k, v in merged.items() if k != "evcEndPointA"} == {
        k: v for k, v in stored.items() if k != "evcEndPointA"}
    assert ordering._vlans("evc", merged, POINTER) == [442, 450]
    assert ordering._vlans("access", _access(120), POINTER) == [120]
    assert ordering._vlans("evc", example_configuration(EPL_EVC), POINTER) == [None, None]


def test_the_service_order_item_of_a_modify_carries_the_new_ce_vlans_only_when_they_change() -> None:
    work = {"service_id": "svc-1", "mbps": 100, "product_kind": "evc", "vlans": [442, 440],
            "previous_vlans": [440, 440]}
    item = _modify_item(work)
    assert item["service"]["serviceConfiguration"][EVC_PLACEMENT] == {
        "bandwidthMbps": 100, "endPoints": [{"ceVlan": 442}, {"ceVlan": 440}]}
    same = _modify_item({**work, "vlans": [440, 440], "mbps": 200})
    assert same["service"]["serviceConfiguration"][EVC_PLACEMENT] == {"bandwidthMbps": 200}
    access = _modify_item({**work, "product_kind": "access", "vlans": [101], "previous_vlans": [100]})
    assert access["service"]["serviceConfiguration"] == {"@type": OVC_TYPE,
                                                         ACCESS_PLACEMENT: {"bandwidthMbps": 100, "ceVlan": 101}}


class _Probe:
    """The SOF's feasibility check as far as the BUS sees it: answers `found` and keeps the question."""

    def __init__(self, found: Feasibility) -> None:
        self.found = found
        self.asked: list[dict[str, Any]] = []

    def check_feasibility(self, check: dict[str, Any]) -> Feasibility:
        self.asked.append(check)
        return self.found


class _Prices:
    @staticmethod
    def lead_time_days(offering: str, off_net: bool) -> int:
        return 5


def _checked(vlans: list[int], before: list[int]) -> dict[str, Any]:
    return {"action": "modify", "productId": "prod-1", "serviceId": "svc-1", "offering": "evpl", "mbps": 100,
            "previousMbps": 100, "kind": "existing", "productKind": "evc", "vlans": vlans, "previousVlans": before}


def test_poq_of_a_vlan_change_asks_the_network_about_the_new_vlan_and_names_it_in_the_answer() -> None:
    taken = _Probe(Feasibility(False, "Network domain metro cannot carry it: CE-VLAN 442 is already in use on "
                                      "edge point uni-east-1-2"))
    found = assess_change(NetworkFeasibility(taken, ennis={}), _Prices(), _checked([442, 440], [440, 440]))
    assert taken.asked == [{"action": "modify", "serviceId": "svc-1", "bandwidthMbps": 100,
                            "endPoints": [{"ceVlan": 442}, {"ceVlan": 440}]}]
    assert not found.serviceable
    assert found.network is not None
    assert "CE-VLAN change of product prod-1 at end point A from 440 to 442" in found.network.reason
    assert "CE-VLAN 442 is already in use on edge point uni-east-1-2" in found.network.reason

    free = _Probe(Feasibility(True, None))
    ok = assess_change(NetworkFeasibility(free, ennis={}), _Prices(), _checked([443, 440], [440, 440]))
    assert ok.serviceable and ok.lead_time_days == 5
