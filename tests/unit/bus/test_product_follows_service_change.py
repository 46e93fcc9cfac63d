"""The product's configuration follows a change the customer made to its service over ALLEGRO
(bus/service_change.py): the committed rate of every flow scaled to the new rate, each class
of service keeping its share, and the CE-VLAN of VLAN-based end points; nothing else moves."""

from __future__ import annotations

import copy

from cadenza.bus import mapping
from cadenza.bus.product_schemas import EPL_EVC, EVPL_EVC, example_configuration
from cadenza.bus.service_change import with_rate, with_vlans


def _evpl(*rates: float) -> dict:
    config = copy.deepcopy(example_configuration(EVPL_EVC))
    for end in ("evcEndPointA", "evcEndPointZ"):
        flows = config[end]["ingressBandwidthProfilePerClassofServiceName"]
        template = flows[0]
        config[end]["ingressBandwidthProfilePerClassofServiceName"] = [
            {**copy.deepcopy(template), "bwpFlow": {**copy.deepcopy(template["bwpFlow"]),
                                                    "cir": {"irValue": rate, "irUnits": "MBPS"}}}
            for rate in rates]
    return config


def test_every_flow_is_scaled_to_the_new_rate_keeping_its_share() -> None:
    stored = _evpl(60, 40)
    changed = with_rate(stored, 300)
    assert mapping.bandwidth(changed, pointer="").cir_mbps == 300
    rates = [f["bwpFlow"]["cir"] for f in changed["evcEndPointA"]["ingressBandwidthProfilePerClassofServiceName"]]
    assert rates == [{"irValue": 180, "irUnits": "MBPS"}, {"irValue": 120, "irUnits": "MBPS"}]
    assert stored["evcEndPointA"]["ingressBandwidthProfilePerClassofServiceName"][0]["bwpFlow"]["cir"][
        "irValue"] == 60  # the stored document is left as it was
    unchanged = {k: v for k, v in changed.items() if k not in ("evcEndPointA", "evcEndPointZ")}
    assert unchanged == {k: v for k, v in stored.items() if k not in ("evcEndPointA", "evcEndPointZ")}


def test_rates_in_other_units_are_rewritten_in_mbps_and_the_same_rate_changes_nothing() -> None:
    stored = _evpl(100)
    for end in ("evcEndPointA", "evcEndPointZ"):
        stored[end]["ingressBandwidthProfilePerClassofServiceName"][0]["bwpFlow"]["cir"] = {
            "irValue": 0.1, "irUnits": "GBPS"}
    assert with_rate(stored, 100) is stored
    assert mapping.bandwidth(with_rate(stored, 250), pointer="").cir_mbps == 250


def test_a_best_effort_product_commits_the_new_rate_on_every_flow() -> None:
    assert mapping.bandwidth(with_rate(_evpl(0), 50), pointer="").cir_mbps == 50


def test_vlans_change_only_at_vlan_based_end_points() -> None:
    evpl = _evpl(100)
    evpl["evcEndPointA"]["evcEndPointMap"]["vlanId"] = [10]
    evpl["evcEndPointZ"]["evcEndPointMap"]["vlanId"] = [20]
    moved = with_vlans(evpl, [11, None])
    assert mapping.evc_vlans(moved) == (11, 20) and mapping.evc_vlans(evpl) == (10, 20)
    assert with_vlans(evpl, [10, 20]) is evpl
    epl = example_configuration(EPL_EVC)
    assert with_vlans(epl, [5, 6]) == epl  # port-based: no CE-VLAN to set
