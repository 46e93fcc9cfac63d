"""A service of one SP segment is composed from that segment's own probes (no copy of them),
and its figures are those of the general composition: a second segment that adds no delay and
loses nothing changes none of them."""

from __future__ import annotations

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
from cadenza.icm.pm_rows import PmBinRow
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.adagio.contract import LOST_PROBE, PmInterval
from cadenza.sof.performance.service_pm import ServicePm, service_pm
from cadenza.sof.rows import ServiceRow

_FIRST, _INTERVALS, _PER, _PROBES = 1_960_000, 12, 90, 10
_SPAN = (_FIRST * 900.0, (_FIRST + _INTERVALS) * 900.0)


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


def _composed(segments: list[str], missing: int) -> ServicePm:
    ends = {"a": {"element": "pe1", "port": "uni1", "sip": "sip-a"}, "z": {"element": "pe2", "port": "uni1",
                                                                           "sip": "sip-z"}}
    domains = {name: _domain(name, transparent=name != "metro", missing=missing) for name in segments}

    def history(network_domain: str, uuid: str, start: str, end: str) -> dict[str, Any]:
        with Session(domains[network_domain]) as session:
            directions = read_history(session, network_domain, uuid, start_s=datetime.fromisoformat(start).timestamp(),
                                      end_s=datetime.fromisoformat(end).timestamp(), availability=Availability())
        return pm_history_view(ConnectivityServiceRow(uuid=uuid, request=ends), directions, Availability(),
                               start_s=_SPAN[0], end_s=_SPAN[1], include_steps=True)

    row = ServiceRow(id="s-1", configuration={}, bandwidth_mbps=100, design={"segments": [
        {"networkDomain": name, "uuid": name, "a": {"edgePoint": "sip-a"}, "z": {"edgePoint": "sip-z"}}
        for name in segments]})
    pm = service_pm(row, history, start_s=_SPAN[0], end_s=_SPAN[1])
    assert not pm.missing
    return pm


def _figures(metrics: IntervalMetrics | None) -> list[Any]:
    assert metrics is not None
    return [metrics.availability_percent, metrics.flr_percent, metrics.hli_count, metrics.mean_fd_ms,
            metrics.final, metrics.qualified_probes, *metrics.fd_ms.values(), *metrics.fdr_ms.values(),
            *metrics.ifdv_ms.values(), *metrics.chli_count.values()]


@pytest.mark.parametrize("missing", [0, 7], ids=["every step", "steps missing"])
def test_one_segment_has_the_figures_of_the_same_segment_composed_with_one_that_adds_nothing(missing: int) -> None:
    alone, composed = _composed(["metro"], missing), _composed(["metro", "clear"], missing)
    assert [d.direction for d in alone.directions] == [d.direction for d in composed.directions] == [
        "a-to-z", "z-to-a"]
    for mine, theirs in zip(alone.directions, composed.directions, strict=True):
        assert mine.numbers == theirs.numbers and len(mine.numbers) == _INTERVALS
        for a, b in zip(_figures(mine.metrics), _figures(theirs.metrics), strict=True):
            assert np.array_equal(a, b, equal_nan=True)
        assert mine.utilisation_percent == theirs.utilisation_percent
    assert (alone.directions[0].metrics.flr_percent > 0).any()  # type: ignore[union-attr] - losses composed
    delays = alone.directions[0].metrics.fd_ms  # type: ignore[union-attr]
    assert delays and all(np.isfinite(v).all() and (v > 2).all() for v in delays.values())
