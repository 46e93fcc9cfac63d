"""An EVC with an off-net end may have an excess rate, also with nothing committed: the design
hands the EIR to the partner leg and our own segments police the product's profile; an Access
E-Line a buyer orders from us carries its profile into its segments; the partner is asked for
a committed or an excess rate of at least 1 Mbit/s."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from cadenza.core.errors import Unprocessable
from cadenza.interfaces.legato.partner_access import AccessRequest
from cadenza.interfaces.legato.placement import AccessPlacement, EvcPlacement
from cadenza.landscape.config import PartnerConfig, load_domain_config, sof_settings
from cadenza.sof.decomposition import NetworkMap
from cadenza.sof.design import access_design, evc_design, reserve

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"
CONFIG = sof_settings(load_domain_config(DEMO).model_copy(update={"partners": [PartnerConfig(
    party="partner-a", name="A", url="http://a", client_id="x", client_secret="y", enni="enni-partner-1",
    partner_enni="enni-a-1", ordering="sonata")]}))
NETWORK = NetworkMap(CONFIG)
OFF_NET = {"partner": "partner-a", "site": {"id": "s-1"}, "ceVlan": 7}
PROFILE = {"cirMbps": 0, "eirMbps": 200, "flows": [{"cosName": "H", "cirMbps": 0, "eirMbps": 200, "ebsKbytes": 40}]}


def _vlans(edge_points, wanted):  # noqa: ANN001, ANN202 - a VlanChooser
    return wanted or 300


def test_an_off_net_evc_with_cir_0_and_an_eir_asks_the_partner_for_the_eir_and_polices_it_at_home() -> None:
    placement = EvcPlacement.model_validate({"endPoints": [{"uni": "uni-east-1-1", "ceVlan": 9}, OFF_NET],
                                             "bandwidthMbps": 0, "bandwidthProfile": PROFILE})
    design = evc_design(CONFIG, NETWORK, placement, "/p")
    assert design["mbps"] == 0 and design["partner"]["eirMbps"] == 200
    reserved = reserve(design, "svc-1", NETWORK, _vlans)
    assert reserved["partner"]["eirMbps"] == 200
    assert reserved["segments"] and all(s["bandwidthProfile"]["eirMbps"] == 200 for s in reserved["segments"])


def test_an_off_net_evc_with_a_cir_and_no_profile_asks_the_partner_for_no_excess_rate() -> None:
    placement = EvcPlacement.model_validate({"endPoints": [OFF_NET, {"uni": "uni-east-1-1"}], "bandwidthMbps": 50})
    design = evc_design(CONFIG, NETWORK, placement, "/p")
    assert (design["mbps"], design["partner"]["eirMbps"]) == (50, 0) and "bandwidthProfile" not in design


def test_an_off_net_evc_with_neither_a_committed_nor_an_excess_rate_is_refused() -> None:
    placement = EvcPlacement.model_validate({"endPoints": [{"uni": "uni-east-1-1"}, OFF_NET], "bandwidthMbps": 0})
    with pytest.raises(Unprocessable) as refused:
        evc_design(CONFIG, NETWORK, placement, "/p")
    assert refused.value.property_path == "/p/bandwidthMbps" and "excess rate" in refused.value.reason


def test_an_access_eline_ordered_from_us_carries_its_profile_into_every_segment() -> None:
    placement = AccessPlacement.model_validate({"site": {"id": "site-east-1-1"}, "ceVlan": 100,
                                                "enni": "enni-partner-1", "sVlan": 1100, "bandwidthMbps": 50,
                                                "bandwidthProfile": {"cirMbps": 50, "eirMbps": 100}})
    reserved = reserve(access_design(CONFIG, NETWORK, placement, "/p"), "svc-2", NETWORK, _vlans)
    assert reserved["mbps"] == 50
    assert all(s["bandwidthProfile"] == {"cirMbps": 50, "eirMbps": 100, "flows": [], "envelopes": []}
               for s in reserved["segments"])


def test_an_access_request_takes_cir_0_with_an_eir_and_refuses_neither() -> None:
    body = TypeAdapter(AccessRequest)
    base = {"idempotency_key": "svc-1-access", "partner": "partner-a", "site": {"id": "s"}, "ce_vlan": None,
            "enni": "enni-a-1", "s_vlan": 1100}
    assert body.validate_python({**base, "bandwidth_mbps": 0, "eir_mbps": 200}).eir_mbps == 200
    assert body.validate_python({**base, "bandwidth_mbps": 50}).eir_mbps == 0
    with pytest.raises(ValidationError, match="committed rate .* or an excess rate"):
        body.validate_python({**base, "bandwidth_mbps": 0})
