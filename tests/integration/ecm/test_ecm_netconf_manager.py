"""ElementManager over NETCONF: idempotency, ADAGIO errors, restarts."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
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


def test_concurrent_changes_to_one_element_share_commits(runtime: TwinRuntime) -> None:
    element = runtime.twin.element("n0")
    element.commit_delay_ms = 150  # a slow commit: the others queue behind the first transaction
    wanted = [construct(f"svc-{n}", 100 + n) for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda fc: runtime.manager.apply("n0", fc), wanted)) == [True] * 8
    assert sorted(fc.fc_id for fc in runtime.manager.read("n0")) == sorted(fc.fc_id for fc in wanted)
    assert element.writes == 8  # every construct written once ...
    assert element.commits < 8  # ... in fewer commits than constructs: they were grouped
    with ThreadPoolExecutor(8) as pool:  # applying them all again changes nothing
        assert list(pool.map(lambda fc: runtime.manager.apply("n0", fc), wanted)) == [False] * 8
    assert element.writes == 8


def test_a_refused_construct_in_a_group_fails_alone(runtime: TwinRuntime) -> None:
    element = runtime.twin.element("n0")
    element.commit_delay_ms = 150
    good = [construct(f"svc-{n}", 100 + n) for n in range(6)]
    bad = construct("svc-bad", 300, cir_kbps=2_000_000)  # more than the 1 Gbit/s UNI
    with ThreadPoolExecutor(7) as pool:
        futures = [pool.submit(runtime.manager.apply, "n0", fc) for fc in [*good[:3], bad, *good[3:]]]
        results = [f.exception() or f.result() for f in futures]
    refused = results.pop(3)
    assert isinstance(refused, ElementRefused) and "cir-kbps" in refused.reason
    assert results == [True] * 6
    assert sorted(fc.fc_id for fc in runtime.manager.read("n0")) == sorted(fc.fc_id for fc in good)
    assert element.writes == 6
