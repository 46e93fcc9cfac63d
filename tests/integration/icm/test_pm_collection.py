"""ICM PM collection: the elements' ended bins are stored once each, with no gap between
collections, and a direction that crosses a threshold (and later clears) is told on the hub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from cadenza.core.schedules import run_now
from cadenza.icm.pm_bins import steps_of
from cadenza.icm.pm_collection import FRAME_LOSS, collect
from cadenza.icm.pm_rows import PmBinRow
from cadenza.icm.pm_schedule import schedule_name
from cadenza.icm.settings import PmSettings
from cadenza.interfaces.presto.paths import THRESHOLD_CROSSING_EVENT
from cadenza.sof.performance.service_pm import SegmentSteps
from tests.helpers.servers import wait_until
from tests.integration.icm.conftest import Landscape
from tests.integration.icm.test_presto_operational_state import Listener, create, hub_listener, links_of, twin

SETTINGS = PmSettings(catch_up_bins=4)


@pytest.fixture
def alerts(landscape: Landscape) -> Iterator[Listener]:
    with hub_listener(landscape) as listener:
        yield listener


def _bins(landscape: Landscape, uuid: str) -> list[PmBinRow]:
    with landscape.domain.database.transaction() as session:
        return list(session.scalars(select(PmBinRow).where(PmBinRow.service_uuid == uuid)
                                    .order_by(PmBinRow.ingress, PmBinRow.number)))


def _advance(landscape: Landscape, seconds: float) -> None:
    twin(landscape, "clock", {"scale": 0, "advanceSeconds": seconds})


def test_collections_store_each_ended_bin_once_and_leave_no_gap(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 121, 100)
    icm = landscape.domain.icms["metro"]
    _advance(landscape, 1900)  # two interval ends at least
    first = collect(icm, SETTINGS)
    stored = _bins(landscape, service["uuid"])
    ingresses = {row.ingress for row in stored}
    assert len(ingresses) == 2, "both directions, each from the element at its ingress"
    assert first.bins == len(stored) >= 2 and first.unreachable == []
    assert collect(icm, SETTINGS).bins == 0, "nothing ended since: nothing stored twice"

    _advance(landscape, 900)
    assert collect(icm, SETTINGS).bins == 2
    for ingress in ingresses:
        numbers = [row.number for row in _bins(landscape, service["uuid"]) if row.ingress == ingress]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), "consecutive: no gap"
    latest = _bins(landscape, service["uuid"])[-1]
    steps = steps_of(latest)
    assert latest.complete and len(steps.index) == 90 and steps.delays_ms.shape == (90, 10)
    assert latest.green == int(steps.column("green").sum()) > 0
    assert 0 < latest.delay_min_ms <= latest.delay_mean_ms <= latest.delay_max_ms


def test_a_lossy_link_raises_a_threshold_crossing_and_its_repair_clears_it(landscape: Landscape,
                                                                            alerts: Listener) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 122, 100)
    icm = landscape.domain.icms["metro"]
    _advance(landscape, 1900)
    collect(icm, SETTINGS)
    assert alerts.about(service["uuid"], THRESHOLD_CROSSING_EVENT) == []
    a, b = sorted(links_of(service))[0].split("|")
    twin(landscape, "links/degrade", {"a": a, "b": b, "loss_ratio": 0.05})
    _advance(landscape, 1800)
    assert collect(icm, SETTINGS).crossings >= 1
    above = wait_until(lambda: alerts.about(service["uuid"], THRESHOLD_CROSSING_EVENT),
                       what="a threshold crossing event")[0]["event"]
    assert (above["threshold-crossing"], above["threshold-parameter"]) == ("THRESHOLD_ABOVE", FRAME_LOSS)
    assert above["measured-value"] > SETTINGS.tca_frame_loss_percent  # the bin the degradation began in
    twin(landscape, "links/degrade", {"a": a, "b": b, "loss_ratio": 0.0})
    _advance(landscape, 1800)
    collect(icm, SETTINGS)
    cleared = wait_until(lambda: [e for e in alerts.about(service["uuid"], THRESHOLD_CROSSING_EVENT)
                                  if e["event"]["threshold-crossing"] == "CLEARED"], what="the crossing cleared")
    assert cleared[0]["event"]["threshold-parameter"] == FRAME_LOSS


def test_the_scheduled_collection_stores_the_bins_by_itself(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 123, 100)
    _advance(landscape, 1900)
    run_now(schedule_name("metro"))  # one period now, as the schedule runs it
    wait_until(lambda: len({row.ingress for row in _bins(landscape, service["uuid"])}) == 2,
               what="the scheduled collection to store both directions' bins")


def test_the_pm_history_over_presto_gives_each_direction_its_intervals_and_mef_metrics(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 124, 100)
    _advance(landscape, 2800)
    collect(landscape.domain.icms["metro"], SETTINGS)
    reply = landscape.op("cadenza-get-pm-history", {"input": {"service-id-or-name": service["uuid"],
                                                              "include-steps": True}})
    assert reply.status_code == 200, reply.text
    history = reply.json()["output"]["pm-history"]
    assert (history["interval-seconds"], history["step-seconds"]) == (900, 10)
    assert len(history["direction"]) == 2
    interval = history["direction"][0]["interval"][-1]
    assert interval["green-frames-fw-tx"] >= interval["green-frames-fw-rx"] > 0
    assert interval["availability-percent"] == 100 and interval["unavailable-intervals-fw"] == 0
    assert interval["fd-1-fw-min"] <= interval["fd-1-fw-mean"] <= interval["fd-1-fw-p99"] <= interval["fd-1-fw-max"]
    steps = SegmentSteps.of(history["direction"][0]["cadenza-steps"])
    last = steps.interval == interval["interval-number"]
    assert last.sum() == 90 and steps.delays_ms.shape[1] == 10
    assert steps.green_tx[last].sum() == interval["green-frames-fw-tx"]


def test_a_pm_history_with_an_impossible_delta_t_is_refused_with_its_path(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 125, 100)
    _advance(landscape, 1900)
    collect(landscape.domain.icms["metro"], SETTINGS)
    reply = landscape.op("cadenza-get-pm-history", {"input": {"service-id-or-name": service["uuid"],
                                                              "availability": {"delta-t-seconds": 7}}})
    assert reply.status_code == 422 and "delta-t-seconds" in reply.json()["reason"]


def test_a_collection_deletes_the_bins_older_than_the_retention_and_keeps_the_rest(landscape: Landscape) -> None:
    service = create(landscape, "uni-east-1-1", "uni-west-3-1", 122, 100)
    icm = landscape.domain.icms["metro"]
    _advance(landscape, 2800)  # three interval ends at least
    collect(icm, SETTINGS)
    stored = _bins(landscape, service["uuid"])
    assert len({row.number for row in stored}) >= 3
    sim_now = icm.adagio.pm_clock()[0]
    newest = max(row.start for row in stored)
    # a retention that reaches back to just after the newest bin's start but one: the older ones go
    horizon = newest - 1
    settings = PmSettings(catch_up_bins=4, retention_days=(sim_now - horizon) / 86_400)
    expired = collect(icm, settings).expired
    kept = _bins(landscape, service["uuid"])
    assert expired == sum(1 for row in stored if row.start < horizon) >= 4, "both directions' older bins"
    assert {row.start for row in kept} == {newest} and len(kept) == 2
