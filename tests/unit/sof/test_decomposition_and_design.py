"""Decomposition and design on the demo Service Provider network."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.placement import EvcPlacement
from cadenza.landscape.config import PartnerConfig, load_domain_config, sof_settings
from cadenza.sof.decomposition import NetworkMap, chain
from cadenza.sof.design import evc_design, reserve, segment_uuid

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"
CONFIG = sof_settings(load_domain_config(DEMO).model_copy(update={"partners": [PartnerConfig(
    party="partner-a", name="A", url="http://a", client_id="x", client_secret="y", enni="enni-partner-1",
    partner_enni="enni-a-1", ordering="interlude")]}))
NETWORK = NetworkMap(CONFIG)


def placement(a: dict, z: dict, mbps: int = 100) -> EvcPlacement:
    return EvcPlacement.model_validate({"endPoints": [a, z], "bandwidthMbps": mbps})


def test_innis_pair_by_name_across_network_domains() -> None:
    pairs = {(p.near.id, p.far.id) for p in NETWORK.pairs}
    assert ("inni-agg-e1", "inni-core-agg-e1") in pairs and ("inni-core-agg-w2", "inni-agg-w2") in pairs
    assert len(pairs) == 8  # four pairs, each seen from both sides


def test_two_unis_in_one_network_domain_need_no_junction() -> None:
    assert chain(NETWORK, NETWORK.edge_points["uni-east-1-1"], NETWORK.edge_points["uni-west-3-1"]) == []


def test_a_metro_uni_reaches_a_core_enni_through_the_nearest_inni_pair() -> None:
    [junction] = chain(NETWORK, NETWORK.edge_points["uni-west-3-1"], NETWORK.edge_points["enni-partner-1"])
    assert (junction.exit.id, junction.entry.id) == ("inni-agg-w2", "inni-core-agg-w2")
    assert junction.exit.network_domain == "metro" and junction.entry.network_domain == "core"


def test_an_off_net_end_is_designed_as_our_enni_plus_a_partner_leg_with_one_s_vlan() -> None:
    design = evc_design(CONFIG, NETWORK, placement(
        {"partner": "partner-a", "site": {"id": "s-1"}, "ceVlan": 7}, {"uni": "uni-east-1-1", "ceVlan": 9}), "/p")
    assert design["a"]["edgePoint"] == "uni-east-1-1" and design["z"]["edgePoint"] == "enni-partner-1"
    chosen = iter([1234, 555])
    held: list[tuple[str, ...]] = []

    def choose(edge_points, wanted):  # noqa: ANN001, ANN202
        held.append(tuple(edge_points))
        return next(chosen)

    reserved = reserve(design, "svc-1", NETWORK, choose)
    metro, core = reserved["segments"]
    assert held[0] == ("enni-partner-1",) and len(held[1]) == 2
    assert core["z"] == {"edgePoint": "enni-partner-1", "vlan": 1234}
    assert metro["z"]["vlan"] == core["a"]["vlan"] == 555
    assert reserved["partner"]["sVlan"] == 1234 and reserved["partner"]["ceVlan"] == 7
    assert metro["uuid"] == segment_uuid("svc-1", 0) != core["uuid"]


@pytest.mark.parametrize(("a", "z", "path"), [
    ({"uni": "nope"}, {"uni": "uni-east-1-1"}, "/p/endPoints/0/uni"),
    ({"uni": "inni-agg-e1"}, {"uni": "uni-east-1-1"}, "/p/endPoints/0/uni"),
    ({"uni": "uni-east-1-1"}, {"partner": "partner-z", "site": {"id": "s"}}, "/p/endPoints/1/partner"),
    ({"partner": "partner-a", "site": {"id": "s"}}, {"partner": "partner-a", "site": {"id": "t"}}, "/p/endPoints"),
])
def test_designs_that_cannot_be_built_say_where_the_problem_is(a: dict, z: dict, path: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        evc_design(CONFIG, NETWORK, placement(a, z), "/p")
    assert caught.value.property_path == path


def test_an_end_point_is_either_on_net_or_off_net() -> None:
    with pytest.raises(ValueError, match="either on-net"):
        placement({"uni": "u", "partner": "p", "site": {"id": "s"}}, {"uni": "v"})
    with pytest.raises(ValueError, match="needs the 'site'"):
        placement({"partner": "p"}, {"uni": "v"})
