"""A service of one SP segment is measured by its ICM with the SLS's parameters (PRESTO
`cadenza-measure`, over JSON as on the wire), from that segment's own probes (no copy of them),
and its figures are those of the general composition of steps by the SOF: a second segment that
adds no delay and loses nothing changes none of them, for the offering's SLS and for one asking
other Δt, C, n, percentiles, Δτ and p."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cadenza.core.pm.metrics import IntervalMetrics
from cadenza.icm.api.presto_pm_views import pm_history_view
from cadenza.icm.pm_bins import to_values_many
from cadenza.icm.pm_history import Availability, read_history
from cadenza.icm.pm_measure import SlsParameters
from cadenza.icm.pm_rows import PmBinRow
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.adagio.contract import LOST_PROBE, PmInterval
from cadenza.interfaces.presto.models import MeasureParameters, PmHistoryRequest
from cadenza.sof.performance.service_pm import ServicePm, service_pm
from cadenza.sof.rows import ServiceRow
from cadenza.sof.sls.objectives import (
    CosObjectives,
    CountObjective,
    DelayObjective,
    IfdvObjective,
    RatioObjective,
    offering_defaults,
)

_FIRST, _INTERVALS, _PER, _PROBES = 1_960_000, 12, 90, 10
_SPAN = (_FIRST * 900.0, (_FIRST + _INTERVALS) * 900.0)
_OFFERED = next(iter(offering_defaults().by_cos.values()))
# another Δt (three steps), C, n, two FD percentiles, FDR, IFDV two probes apart, CHLI with p
_OTHER = CosObjectives("gold", 30, 0.1, 3, frame_delay=(DelayObjective(10, 99.0, ()), DelayObjective(12, 50.0, ())),
                       mean_frame_delay=(DelayObjective(5, None, ()),),
                       frame_delay_range=(DelayObjective(5, 99.0, ()),), ifdv=(IfdvObjective(2, 99.0, 2.0, ()),),
                       frame_loss_ratio=(RatioObjective(0.1, ()),), availability=(RatioObjective(99.9, ()),),
                       high_loss_intervals=(CountObjective(5, ()),),
                       consecutive_high_loss_intervals=(CountObjective(5, (), p=2),))


def _bin(rng: np.random.Generator, uuid: str, element: str, far: str, number: int, *, transparent: bool,
         missing: int) -> PmInterval:
    index = np.sort(rng.choice(_PER, _PER - missing, replace=False))
    offered = rng.integers(11_000, 13_000, len(index))
    if transparent:
        rx, delays = offered, np.zeros((len(index), _PROBES), dtype=np.int64)
    else:
        rx = offered - np.where(rng.random(len(index)) < 0.3, rng.integers(0, 9_000, len(index)), 0)
        delays = np.rint(rng.normal(3_000, 250, (len(index), _PROBES))).clip(1).astype(np.int64)
        delays[rng.random(delays.shape) < 0.01] = LOST_PROBE
    zeros = np.zeros(len(index), dtype=np.int64)
    return PmInterval.of(uuid, element, "uni1", far, number, 900, 10, step_index=index,
                         frames=np.array([offered, offered, zeros, zeros, rx, zeros]), delays_us=delays)


def _domain(uuid: str, *, transparent: bool, missing: int) -> Engine:
    rng = np.random.default_rng(21)
    bins = [_bin(rng, uuid, element, far, _FIRST + i, transparent=transparent, missing=missing if i == 4 else 0)
            for element, far in (("pe1", "pe2:uni1"), ("pe2", "pe1:uni1")) for i in range(_INTERVALS)]
    engine = create_engine("sqlite://")
    PmBinRow.__table__.create(engine)
    with Session(engine) as session, session.begin():
        session.execute(PmBinRow.__table__.insert(), to_values_many(uuid, bins, datetime.now(UTC)))
    return engine


def _composed(segments: list[str], missing: int, cos: CosObjectives = _OFFERED) -> ServicePm:
    ends = {"a": {"element": "pe1", "port": "uni1", "sip": "sip-a"}, "z": {"element": "pe2", "port": "uni1",
                                                                           "sip": "sip-z"}}
    domains = {name: _domain(name, transparent=name != "metro", missing=missing) for name in segments}

    def history(network_domain: str, uuid: str, start: str, end: str, *, include_steps: bool,
                measure: Mapping[str, Any] | None, fields: Sequence[str]) -> dict[str, Any]:
        with Session(domains[network_domain]) as session:
            directions = read_history(session, network_domain, uuid, start_s=datetime.fromisoformat(start).timestamp(),
                                      end_s=datetime.fromisoformat(end).timestamp(), availability=Availability())
        asked = None if measure is None else SlsParameters.of(MeasureParameters.model_validate(json.loads(
            json.dumps(measure))))
        wanted = PmHistoryRequest.model_validate({"service-id-or-name": uuid, "cadenza-interval-fields": fields})
        view = pm_history_view(ConnectivityServiceRow(uuid=uuid, request=ends), directions, Availability(),
                               start_s=_SPAN[0], end_s=_SPAN[1], include_steps=include_steps, measure=asked,
                               fields=wanted.interval_fields)
        return json.loads(json.dumps(view, allow_nan=False))  # as the wire carries it

    row = ServiceRow(id="s-1", configuration={}, bandwidth_mbps=100, design={"segments": [
        {"networkDomain": name, "uuid": name, "a": {"edgePoint": "sip-a"}, "z": {"edgePoint": "sip-z"}}
        for name in segments]})
    pm = service_pm(row, history, start_s=_SPAN[0], end_s=_SPAN[1], cos=cos)
    assert not pm.missing
    return pm


def _figures(metrics: IntervalMetrics | None) -> list[Any]:
    assert metrics is not None
    return [metrics.availability_percent, metrics.flr_percent, metrics.hli_count, metrics.mean_fd_ms,
            metrics.final, metrics.qualified_probes, *metrics.fd_ms.values(), *metrics.fdr_ms.values(),
            *metrics.ifdv_ms.values(), *metrics.chli_count.values()]


@pytest.mark.parametrize("cos", [_OFFERED, _OTHER], ids=["offered SLS", "other SLS"])
@pytest.mark.parametrize("missing", [0, 7], ids=["every step", "steps missing"])
def test_one_segment_has_the_figures_of_the_same_segment_composed_with_one_that_adds_nothing(
        missing: int, cos: CosObjectives) -> None:
    alone, composed = _composed(["metro"], missing, cos), _composed(["metro", "clear"], missing, cos)
    assert [d.direction for d in alone.directions] == [d.direction for d in composed.directions] == [
        "a-to-z", "z-to-a"]
    for mine, theirs in zip(alone.directions, composed.directions, strict=True):
        # the one segment measured by its ICM, the two composed from their steps here
        assert mine.segments[0].measured is not None and mine.segments[0].steps is None
        assert all(s.steps is not None and s.measured is None for s in theirs.segments)
        assert mine.numbers == theirs.numbers and len(mine.numbers) == _INTERVALS
        assert mine.metrics is not None and theirs.metrics is not None
        assert [dict(m.fd_ms).keys() for m in (mine.metrics, theirs.metrics)] == [
            dict(theirs.metrics.fd_ms).keys()] * 2
        assert list(mine.metrics.ifdv_ms) == list(theirs.metrics.ifdv_ms)
        assert list(mine.metrics.chli_count) == list(theirs.metrics.chli_count)
        for a, b in zip(_figures(mine.metrics), _figures(theirs.metrics), strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
        assert mine.utilisation_percent == theirs.utilisation_percent
        assert mine.peak_utilisation_percent == theirs.peak_utilisation_percent
    assert (alone.directions[0].metrics.flr_percent > 0).any()  # type: ignore[union-attr] - losses composed
    delays = alone.directions[0].metrics.fd_ms  # type: ignore[union-attr]
    assert delays and all(np.isfinite(v).all() and (v > 2).all() for v in delays.values())
    if cos is _OTHER:  # the other SLS's own figures: IFDV two probes apart, runs of two high-loss Δt's
        other = alone.directions[0].metrics
        assert other is not None and list(other.ifdv_ms) == [(99.0, 2)] and list(other.chli_count) == [2]
        assert (other.hli_count > 0).any() and np.isfinite(other.fdr_ms[99.0]).all()


def test_an_icm_answer_without_measured_metrics_leaves_the_service_unmeasured() -> None:
    """An ICM that measured nothing (no `cadenza-metrics`) and sent no steps: no figures made up."""
    row = ServiceRow(id="s-1", configuration={}, bandwidth_mbps=100, design={"segments": [
        {"networkDomain": "metro", "uuid": "metro", "a": {"edgePoint": "sip-a"}, "z": {"edgePoint": "sip-z"}}]})
    view = {"interval-seconds": 900, "step-seconds": 10, "direction": [{
        "ingress-service-interface-point": "sip-a", "interval": [{"interval-number": _FIRST}]}]}
    pm = service_pm(row, lambda *_args, **_kwargs: view, start_s=_SPAN[0], end_s=_SPAN[1])
    assert [d.numbers for d in pm.directions] == [[_FIRST]] and pm.directions[0].metrics is None
