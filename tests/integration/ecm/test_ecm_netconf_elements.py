"""Simulated elements over real NETCONF/SSH, driven with ncclient as any NETCONF client would."""

from __future__ import annotations

import pytest
from ecm_line import connect, construct
from lxml import etree
from ncclient.operations import RPCError

from cadenza.ecm.netconf_server import CAPABILITIES
from cadenza.ecm.runtime import TwinRuntime
from cadenza.ecm.xmlcodec import edits_to_xml, parse_data
from cadenza.interfaces.adagio.contract import BandwidthProfile, CosFlow, FcEndPoint, ForwardingConstruct


def test_the_element_advertises_candidate_and_its_yang_module(runtime: TwinRuntime) -> None:
    with connect(runtime.ports["n0"]) as m:
        assert set(CAPABILITIES) <= set(m.server_capabilities)


def test_edit_commit_and_get_config_round_trip(runtime: TwinRuntime) -> None:
    with connect(runtime.ports["n0"]) as m:
        with m.locked("candidate"):
            m.edit_config(target="candidate", config=edits_to_xml([construct()]))
            assert parse_data(m.get_config(source="running").data_ele).fcs == {}
            m.commit()
        data = parse_data(m.get_config(source="running").data_ele)
    assert data.fcs == {"svc-1": construct()}
    assert data.ports == {"uni": 1000, "west": 10000, "east": 10000}
    assert runtime.twin.element("n0").commits == 1


def test_an_invalid_edit_gets_an_rpc_error_naming_the_field(runtime: TwinRuntime) -> None:
    with connect(runtime.ports["n0"]) as m:
        with pytest.raises(RPCError) as refused:
            m.edit_config(target="candidate", config=edits_to_xml([construct(vlan=4095)]))
        assert refused.value.tag == "invalid-value"
        assert 'forwarding-construct[id="svc-1"]' in refused.value.message
        assert "vlan-id" in refused.value.message
        with pytest.raises(RPCError) as too_fast:
            m.edit_config(target="candidate", config=edits_to_xml([construct(cir_kbps=5_000_000)]))
        assert "cir-kbps exceeds" in too_fast.value.message
        assert parse_data(m.get_config(source="candidate").data_ele).fcs == {}


def test_a_malformed_value_is_refused_not_crashing_the_session(runtime: TwinRuntime) -> None:
    config = edits_to_xml([construct()])
    next(config.iter("{*}vlan-id")).text = "green"
    with connect(runtime.ports["n0"]) as m:
        with pytest.raises(RPCError, match="vlan-id"):
            m.edit_config(target="candidate", config=config)
        assert m.get_config(source="running").ok


def test_writing_running_directly_is_not_supported(runtime: TwinRuntime) -> None:
    with connect(runtime.ports["n0"]) as m, pytest.raises(RPCError) as refused:
        m.edit_config(target="running", config=edits_to_xml([construct()]))
    assert refused.value.tag == "operation-not-supported"


def test_a_lock_keeps_other_sessions_out_until_released(runtime: TwinRuntime) -> None:
    with connect(runtime.ports["n0"]) as first, connect(runtime.ports["n0"]) as second:
        first.lock("candidate")
        with pytest.raises(RPCError) as denied:
            second.lock("candidate")
        assert denied.value.tag == "lock-denied"
        with pytest.raises(RPCError):
            second.edit_config(target="candidate", config=edits_to_xml([construct()]))
        first.unlock("candidate")
        second.lock("candidate")
        second.unlock("candidate")


def test_uncommitted_changes_of_a_closed_session_are_discarded(runtime: TwinRuntime) -> None:
    with connect(runtime.ports["n0"]) as m:
        m.lock("candidate")
        m.edit_config(target="candidate", config=edits_to_xml([construct()]))
    with connect(runtime.ports["n0"]) as m:
        assert parse_data(m.get_config(source="candidate").data_ele).fcs == {}
        m.lock("candidate")


def test_a_subtree_filter_returns_only_the_asked_construct(runtime: TwinRuntime) -> None:
    with connect(runtime.ports["n0"]) as m:
        m.edit_config(target="candidate", config=edits_to_xml([construct("a", 1), construct("b", 2)]))
        m.commit()
        ns = "urn:cadenza:yang:cadenza-network-element"
        subtree = etree.fromstring(f'<forwarding-constructs xmlns="{ns}"><forwarding-construct><id>b</id>'
                                   f"</forwarding-construct></forwarding-constructs>")
        data = parse_data(m.get_config(source="running", filter=("subtree", subtree)).data_ele)
    assert list(data.fcs) == ["b"]
    assert data.ports == {}


def test_a_best_effort_profile_per_class_of_service_round_trips_over_netconf(runtime: TwinRuntime) -> None:
    flows = (CosFlow("low", cir_kbps=0, cbs_kbytes=0, eir_kbps=70_000, ebs_kbytes=40, envelope="env1", rank=1,
                     coupling_flag=True, color_mode="COLOR_BLIND"),
             CosFlow("high", cir_kbps=10_000, cbs_kbytes=16, envelope="env1", rank=2, coupling_flag=False))
    best_effort = ForwardingConstruct("svc-be", (FcEndPoint("uni", 300), FcEndPoint("east", 300)),
                                      BandwidthProfile(cir_kbps=10_000, cbs_kbytes=16, eir_kbps=70_000, ebs_kbytes=40,
                                                       per_cos=flows))
    with connect(runtime.ports["n0"]) as m:
        with m.locked("candidate"):
            m.edit_config(target="candidate", config=edits_to_xml([best_effort]))
            m.commit()
        data = parse_data(m.get_config(source="running").data_ele)
        assert data.fcs["svc-be"] == best_effort
        wrong = ForwardingConstruct("svc-bad", (FcEndPoint("uni", 301), FcEndPoint("east", 301)),
                                    BandwidthProfile(cir_kbps=0, per_cos=(CosFlow("low", color_mode="PURPLE"),)))
        with pytest.raises(RPCError, match="color-mode"):
            m.edit_config(target="candidate", config=edits_to_xml([wrong]))
