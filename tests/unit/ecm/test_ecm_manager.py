"""ElementManager over the scale driver: idempotent apply/remove and the ADAGIO errors."""

from __future__ import annotations

import pytest
from ecm_chain import fc, path_fcs

from cadenza.ecm.manager import ElementManager
from cadenza.ecm.twin import NetworkTwin
from cadenza.interfaces.adagio.contract import ElementRefused, ElementUnreachable


def test_applying_twice_configures_the_element_once(manager: ElementManager, twin: NetworkTwin) -> None:
    assert manager.apply("pe1", fc()) is True
    assert manager.apply("pe1", fc()) is False
    assert twin.element_state("pe1").commits == 1
    assert manager.read("pe1") == [fc()]


def test_changing_a_construct_is_one_more_commit(manager: ElementManager, twin: NetworkTwin) -> None:
    manager.apply("pe1", fc())
    assert manager.apply("pe1", fc(cir_kbps=60_000)) is True
    assert twin.element_state("pe1").commits == 2


def test_removing_twice_changes_the_element_once(manager: ElementManager, twin: NetworkTwin) -> None:
    manager.apply("pe1", fc())
    assert manager.remove("pe1", "svc-1") is True
    assert manager.remove("pe1", "svc-1") is False
    assert twin.element_state("pe1").commits == 2
    assert manager.read("pe1") == []


def test_an_invalid_construct_is_refused_by_the_element(manager: ElementManager) -> None:
    with pytest.raises(ElementRefused) as refused:
        manager.apply("pe1", fc(a=("uni1", 5000)))
    assert refused.value.element == "pe1"
    assert "vlan-id" in refused.value.reason


def test_a_refusing_element_is_reported_with_its_reason(manager: ElementManager, twin: NetworkTwin) -> None:
    twin.element("pe1").refuse_edits("out of TCAM")
    with pytest.raises(ElementRefused, match="out of TCAM"):
        manager.apply("pe1", fc())
    assert twin.element("pe1").get_config("candidate").fcs == {}


def test_a_down_element_is_unreachable(manager: ElementManager, twin: NetworkTwin) -> None:
    twin.fail_element("p1")
    with pytest.raises(ElementUnreachable):
        manager.apply("p1", fc("svc-1", ("west", 1), ("east", 1)))
    with pytest.raises(ElementUnreachable):
        manager.read("nowhere")


def test_apply_many_reports_each_element(manager: ElementManager, twin: NetworkTwin) -> None:
    twin.fail_element("pe2")
    results = manager.apply_many(path_fcs())
    assert [(r.element, r.changed, r.ok) for r in results] == [("pe1", True, True), ("p1", True, True),
                                                                ("pe2", False, False)]
    assert isinstance(results[2].error, ElementUnreachable)
    removed = manager.remove_many([("pe1", "svc-1"), ("p1", "svc-1")])
    assert all(r.changed for r in removed)


def test_elements_and_links_are_listed(manager: ElementManager) -> None:
    manager.apply("pe1", fc())
    states = {e.name: e for e in manager.elements()}
    assert states["pe1"].forwarding_constructs == ("svc-1",)
    assert [(link.a, link.b) for link in manager.links()] == [("pe1", "p1"), ("p1", "pe2")]
