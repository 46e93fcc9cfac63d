"""ElementManager over NETCONF: idempotency, ADAGIO errors, restarts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ecm_line import construct, line_config

from cadenza.ecm.runtime import TwinRuntime, start_twin
from cadenza.interfaces.adagio.contract import ElementRefused, ElementUnreachable


def test_applying_twice_commits_once(runtime: TwinRuntime) -> None:
    manager = runtime.manager
    assert manager.apply("n0", construct()) is True
    assert manager.apply("n0", construct()) is False
    assert runtime.twin.element("n0").commits == 1
    assert manager.read("n0") == [construct()]
    assert manager.remove("n0", "svc-1") is True
    assert manager.remove("n0", "svc-1") is False
    assert runtime.twin.element("n0").commits == 2


def test_an_invalid_construct_is_element_refused(runtime: TwinRuntime) -> None:
    with pytest.raises(ElementRefused) as refused:
        runtime.manager.apply("n0", construct(cir_kbps=2_000_000))
    assert refused.value.element == "n0"
    assert "cir-kbps" in refused.value.reason


def test_a_refusing_element_is_element_refused_and_keeps_nothing(runtime: TwinRuntime) -> None:
    runtime.twin.element("n1").refuse_edits("firmware upgrade in progress")
    with pytest.raises(ElementRefused, match="firmware upgrade in progress"):
        runtime.manager.apply("n1", construct())
    assert runtime.twin.element("n1").get_config("candidate").fcs == {}
    runtime.twin.element("n1").refuse_edits(None)
    assert runtime.manager.apply("n1", construct()) is True


def test_a_down_element_is_unreachable_and_comes_back(runtime: TwinRuntime) -> None:
    runtime.manager.apply("n1", construct())  # a session is now open and kept
    runtime.twin.fail_element("n1")
    with pytest.raises(ElementUnreachable):
        runtime.manager.apply("n1", construct("svc-2", 200))
    with pytest.raises(ElementUnreachable):
        runtime.manager.read("n1")
    runtime.twin.restore_element("n1")
    assert runtime.manager.apply("n1", construct("svc-2", 200)) is True


def test_apply_many_configures_elements_in_parallel(runtime: TwinRuntime) -> None:
    results = runtime.manager.apply_many([("n0", construct()), ("n1", construct())])
    assert [(r.element, r.changed, r.error) for r in results] == [("n0", True, None), ("n1", True, None)]


def test_elements_keep_their_configuration_across_a_restart(tmp_path: Path) -> None:
    with start_twin(line_config(2), var_dir=tmp_path, base_port=0) as first:
        first.manager.apply("n0", construct())
    with start_twin(line_config(2), var_dir=tmp_path, base_port=0) as second:
        assert second.manager.read("n0") == [construct()]
        assert second.manager.apply("n0", construct()) is False
        assert second.twin.element("n0").commits == 1


def test_twenty_elements_start_quickly_and_answer(tmp_path: Path) -> None:
    started = time.perf_counter()
    with start_twin(line_config(20, persist=False), var_dir=tmp_path, base_port=0) as runtime:
        assert time.perf_counter() - started < 3
        results = runtime.manager.apply_many([(f"n{i}", construct()) for i in range(20)])
        assert all(r.changed for r in results)
    assert len(runtime.servers) == 20
