"""A twin restarted on the same directory is the network it was: faults survive the restart."""

from __future__ import annotations

from pathlib import Path

from ecm_chain import chain

from cadenza.ecm.twin import NetworkTwin


def test_cut_links_failed_elements_and_ports_and_degradations_survive_a_restart(tmp_path: Path) -> None:
    first = NetworkTwin(chain(persist=True), var_dir=tmp_path)
    first.fail_link("pe1", "p1")
    first.degrade_link("p1", "pe2", delay_ms=9.5, loss_ratio=0.2, capacity_mbps=100)
    first.fail_element("pe2")
    first.fail_port("pe1", "uni1")

    again = NetworkTwin(chain(persist=True), var_dir=tmp_path)
    faults = again.faults()
    assert [(link.a, link.b) for link in faults.down_links] == [("pe1", "p1")]
    assert faults.down_elements == frozenset({"pe2"})
    assert faults.down_ports == (("pe1", "uni1"),)
    degraded = again.link("p1", "pe2")
    assert (degraded.delay_ms, degraded.loss_ratio, degraded.capacity_mbps, degraded.up) == (9.5, 0.2, 100, True)


def test_what_is_repaired_before_a_restart_stays_repaired(tmp_path: Path) -> None:
    first = NetworkTwin(chain(persist=True), var_dir=tmp_path)
    first.fail_link("pe1", "p1")
    first.fail_element("p1")
    first.fail_port("pe2", "uni1")
    first.restore_link("pe1", "p1")
    first.restore_element("p1")
    first.restore_port("pe2", "uni1")

    again = NetworkTwin(chain(persist=True), var_dir=tmp_path)
    faults = again.faults()
    assert (faults.down_links, faults.down_elements, faults.down_ports) == ((), frozenset(), ())
    assert again.link("pe1", "p1").state() == first.link("pe1", "p1").state()


def test_a_twin_that_does_not_persist_starts_from_the_configured_network(tmp_path: Path) -> None:
    first = NetworkTwin(chain(persist=False), var_dir=tmp_path)
    first.fail_link("pe1", "p1")
    assert NetworkTwin(chain(persist=False), var_dir=tmp_path).faults().down_links == ()
