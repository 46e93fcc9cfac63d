"""Operational state over NETCONF `<get>`: PM history bins and alarms, valid against the state YANG module."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import libyang
import pytest
from ecm_line import connect, construct, line_config
from lxml import etree

from cadenza.ecm.model import MODULE
from cadenza.ecm.runtime import TwinRuntime, start_twin
from cadenza.ecm.state_xml import STATE_MODULE, alarms_filter, pm_filter, pm_filter_many
from cadenza.interfaces.adagio.contract import BandwidthProfile, ElementUnreachable, FcEndPoint, ForwardingConstruct


def _service(runtime: TwinRuntime) -> None:
    far = ForwardingConstruct("svc-1", (FcEndPoint("west", 100), FcEndPoint("uni", 100)),
                              BandwidthProfile(cir_kbps=20_000))
    results = runtime.manager.apply_many([("n0", construct()), ("n1", far)])
    assert all(r.ok for r in results)


def _two_intervals_later(runtime: TwinRuntime) -> int:
    """Stop time, move it past two interval ends; the number of the last bin that has ended."""
    twin = runtime.twin
    twin.set_clock(scale=0)
    twin.set_clock(advance_s=1800)
    return int(twin.clock() // 900) - 1


def _valid_state(reply_xml: str) -> None:
    context = libyang.Context(str(files("cadenza.ecm") / "yang"))
    context.load_module(MODULE)
    context.load_module(STATE_MODULE)
    data = etree.fromstring(reply_xml.encode())
    for top in data:
        tree = context.parse_data_mem(etree.tostring(top), "xml", strict=True, validate_present=True)
        assert tree is not None
        tree.free()


def test_pm_bins_read_over_netconf_are_the_twins_figures_and_valid_yang(runtime: TwinRuntime) -> None:
    _service(runtime)
    last = _two_intervals_later(runtime)
    [read] = runtime.manager.pm_intervals("n0", "svc-1", "uni", [last])
    [direct] = runtime.twin.pm_intervals("n0", "svc-1", "uni", [last])
    assert read == direct
    assert read.complete and read.far_end == "n1:uni"
    assert sum(read.green) > 0 and all(g <= o for g, o in zip(read.green, read.offered, strict=True))
    assert all(len(probes) == 10 for probes in read.delays_us)
    with connect(runtime.ports["n0"]) as m:
        _valid_state(m.get(filter=("subtree", pm_filter("svc-1", "uni", [last]))).data_xml)


def test_every_session_of_an_element_is_read_in_one_get_as_the_twin_reports_each_and_valid_yang(
        runtime: TwinRuntime) -> None:
    for i in (1, 2):
        far = ForwardingConstruct(f"svc-{i}", (FcEndPoint("west", 100 + i), FcEndPoint("uni", 100 + i)),
                                  BandwidthProfile(cir_kbps=20_000))
        assert all(r.ok for r in runtime.manager.apply_many([("n0", construct(f"svc-{i}", 100 + i)), ("n1", far)]))
    last = _two_intervals_later(runtime)
    items = [("n0", "svc-1", "uni", [last - 1, last]), ("n1", "svc-2", "uni", [last]),
             ("n0", "svc-2", "uni", [last]), ("n0", "none", "uni", [last])]
    read = runtime.manager.pm_intervals_many(items)
    assert read == [runtime.twin.pm_intervals(e, fc_id, port, numbers) for e, fc_id, port, numbers in items]
    assert [len(bins) for bins in read] == [2, 1, 1, 0]  # type: ignore[arg-type] - no element failed
    sessions = [(fc_id, port, numbers) for element, fc_id, port, numbers in items if element == "n0"]
    with connect(runtime.ports["n0"]) as m:
        _valid_state(m.get(filter=("subtree", pm_filter_many(sessions))).data_xml)


def test_a_bin_that_has_not_ended_is_not_reported(runtime: TwinRuntime) -> None:
    _service(runtime)
    last = _two_intervals_later(runtime)
    assert runtime.manager.pm_intervals("n0", "svc-1", "uni", [last + 1]) == []


def test_a_failed_link_raises_link_down_at_both_ends_and_loss_of_continuity_at_each_edge(runtime: TwinRuntime) -> None:
    _service(runtime)
    runtime.twin.fail_link("n0", "n1")
    n0 = {(a.resource, a.alarm_type): a for a in runtime.manager.alarms("n0")}
    n1 = {(a.resource, a.alarm_type): a for a in runtime.manager.alarms("n1")}
    assert set(n0) == {("east", "link-down"), ("svc-1", "loss-of-continuity")}
    assert set(n1) == {("west", "link-down"), ("svc-1", "loss-of-continuity")}
    assert n0[("svc-1", "loss-of-continuity")].severity == "critical"
    with connect(runtime.ports["n0"]) as m:
        _valid_state(m.get(filter=("subtree", alarms_filter())).data_xml)
    runtime.twin.restore_link("n0", "n1")
    assert runtime.manager.alarms("n0") == []


def test_a_failed_element_answers_nothing_and_its_neighbour_loses_the_signal(runtime: TwinRuntime) -> None:
    _service(runtime)
    runtime.twin.fail_element("n1")
    [signal, continuity] = sorted(runtime.manager.alarms("n0"), key=lambda a: a.alarm_type)
    assert (signal.resource, signal.alarm_type) == ("east", "link-down") and "n1" in signal.text
    assert continuity.alarm_type == "loss-of-continuity"
    with pytest.raises(ElementUnreachable):
        runtime.manager.alarms("n1")


def test_a_failed_link_raises_loss_of_continuity_on_every_service_across_it_and_on_no_other(
        tmp_path: Path) -> None:
    def hop(fc_id: str, a: str, z: str, vlan: int) -> ForwardingConstruct:
        return ForwardingConstruct(fc_id, (FcEndPoint(a, vlan), FcEndPoint(z, vlan)), BandwidthProfile(cir_kbps=10_000))

    with start_twin(line_config(3), var_dir=tmp_path, base_port=0) as running:
        across = [("n0", hop("across", "uni", "east", 10)), ("n1", hop("across", "west", "east", 10)),
                  ("n2", hop("across", "west", "uni", 10))]
        beside = [("n1", hop("beside", "uni", "east", 20)), ("n2", hop("beside", "west", "uni", 20))]
        assert all(r.ok for r in running.manager.apply_many(across + beside))
        running.twin.fail_link("n0", "n1")
        lost = {(a.element, a.resource) for e in ("n0", "n1", "n2") for a in running.manager.alarms(e)
                if a.alarm_type == "loss-of-continuity"}
        assert lost == {("n0", "across"), ("n2", "across")}
