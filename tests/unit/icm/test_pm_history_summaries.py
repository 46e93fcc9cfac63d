"""A PM history read with the delay figures kept at collection shows what the probes show, and
the packed steps a SOF unpacks are the stored ones, however narrow the ICM packed them; a view of
some figures has them as the whole view has them."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cadenza.core.clock import iso_at
from cadenza.icm.api.presto_pm_views import pm_history_view
from cadenza.icm.pm_bins import to_values_many
from cadenza.icm.pm_history import Availability, DirectionPm, read_history
from cadenza.icm.pm_rows import PmBinRow
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.adagio.contract import LOST_PROBE, PmInterval
from cadenza.interfaces.presto.models import INTERVAL_FIELDS, PmHistoryRequest
from cadenza.sof.performance.service_pm import SegmentSteps
from tests.helpers.pg import fresh_database, postgres_problem

_UUID, _INTERVAL_S, _STEP_S, _PROBES = "cs-1", 900, 10, 10
_FIRST = 1_960_000
_SPAN = (_FIRST * _INTERVAL_S, (_FIRST + 40) * _INTERVAL_S)
_SERVICE = ConnectivityServiceRow(uuid=_UUID, request={"a": {"element": "pe1", "port": "uni1", "sip": "sip-a"},
                                                       "z": {"element": "pe2", "port": "uni1", "sip": "sip-z"}})


def _bin(rng: np.random.Generator, element: str, far: str, number: int, *, lossy: bool = False,
         spread_us: int = 250, missing: int = 0) -> PmInterval:
    per = _INTERVAL_S // _STEP_S
    index = np.sort(rng.choice(per, per - missing, replace=False))
    offered = rng.integers(11_000, 13_000, len(index))
    rx = offered - np.where(rng.random(len(index)) < 0.05, rng.integers(0, 4, len(index)), 0)
    if lossy:  # most of the interval loses more than half: unavailable, across its border too
        rx = np.where(np.arange(len(index)) > 20, offered // 3, rx)
    delays = np.rint(rng.normal(3_000, spread_us, (len(index), _PROBES))).clip(1).astype(np.int64)
    delays[rng.random(delays.shape) < 0.01] = LOST_PROBE
    zeros = np.zeros(len(index), dtype=np.int64)
    return PmInterval.of(_UUID, element, "uni1", far, number, _INTERVAL_S, _STEP_S, step_index=index,
                         frames=np.array([offered, offered, zeros, zeros, rx, zeros]), delays_us=delays)


def _store(bins: list[PmInterval], url: str = "sqlite://") -> Engine:
    engine = create_engine(url)
    PmBinRow.__table__.create(engine)
    with Session(engine) as session, session.begin():
        session.execute(PmBinRow.__table__.insert(), to_values_many("metro", bins, datetime.now(UTC)))
    return engine


def _history(engine: Engine, availability: Availability = Availability()) -> list[DirectionPm]:
    with Session(engine) as session:
        return read_history(session, "metro", _UUID, start_s=_SPAN[0], end_s=_SPAN[1], availability=availability)


def _view(directions: list[DirectionPm], availability: Availability = Availability()) -> str:
    return json.dumps(pm_history_view(_SERVICE, directions, availability, start_s=_SPAN[0], end_s=_SPAN[1],
                                      include_steps=False))


def _forget_summaries(engine: Engine) -> None:
    """As bins stored before the delay figures were kept: read from their probes."""
    with Session(engine) as session, session.begin():
        session.execute(update(PmBinRow).values(fd_p99_ms=None, fdr_p99_ms=None, ifdv_p99_ms=None))


@pytest.fixture
def rng() -> Iterator[np.random.Generator]:
    yield np.random.default_rng(11)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield "sqlite://"
        return
    if problem := postgres_problem():
        pytest.skip(problem)
    with fresh_database() as url:
        yield url


@pytest.mark.parametrize("availability", [Availability(), Availability(60, 0.3, 5)])
def test_a_history_from_kept_delay_figures_is_the_history_from_the_probes(
        rng: np.random.Generator, availability: Availability, database: str) -> None:
    bins = [_bin(rng, element, far, _FIRST + i, missing=7 if i == 3 else 0)
            for element, far in (("pe1", "pe2:uni1"), ("pe2", "pe1:uni1")) for i in range(30) if i != 12]
    engine = _store(bins, database)
    try:
        kept = _view(_history(engine, availability), availability)
        _forget_summaries(engine)
        assert kept == _view(_history(engine, availability), availability)
        assert '"fd-1-fw-p99": null' not in kept
    finally:
        engine.dispose()


def test_the_kept_figures_are_what_an_available_interval_shows(rng: np.random.Generator) -> None:
    """Proof that they are used at all: a kept figure altered shows up in the view."""
    engine = _store([_bin(rng, "pe1", "pe2:uni1", _FIRST + i) for i in range(4)])
    with Session(engine) as session, session.begin():
        session.execute(update(PmBinRow).where(PmBinRow.number == _FIRST + 2).values(fd_p99_ms=7.25))
    [direction] = _history(engine)
    assert [pm.fd_p99_ms for pm in direction.intervals][2] == 7.25


def test_an_interval_that_was_unavailable_takes_its_figures_from_its_qualified_probes(
        rng: np.random.Generator) -> None:
    bins = [_bin(rng, "pe1", "pe2:uni1", _FIRST + i, lossy=i in (5, 6)) for i in range(12)]
    engine = _store(bins)
    with Session(engine) as session, session.begin():  # would show if they were taken
        session.execute(update(PmBinRow).values(fd_p99_ms=99.0, fdr_p99_ms=99.0, ifdv_p99_ms=99.0))
    [direction] = _history(engine)
    assert any(pm.availability_percent < 100 for pm in direction.intervals)
    assert all(pm.fd_p99_ms != 99.0 and not math.isnan(pm.fd_p99_ms) for pm in direction.intervals)
    _forget_summaries(engine)
    assert _view([direction]) == _view(_history(engine))


@pytest.mark.parametrize("spread_us", [250, 40_000], ids=["uint16 delays", "uint32 delays"])
def test_the_packed_steps_unpack_to_the_stored_steps(rng: np.random.Generator, spread_us: int) -> None:
    engine = _store([_bin(rng, "pe1", "pe2:uni1", _FIRST + i, spread_us=spread_us, missing=i) for i in range(5)])
    [direction] = _history(engine)
    view = pm_history_view(_SERVICE, [direction], Availability(), start_s=_SPAN[0], end_s=_SPAN[1],
                           include_steps=True)
    packed = json.loads(json.dumps(view))["direction"][0]["cadenza-steps"]
    assert packed["probe-delay-bytes"] == (2 if spread_us < 10_000 else 4)
    assert packed["count-bytes"] == 4
    steps = SegmentSteps.of(packed)
    stored = [pm.steps for pm in direction.intervals]
    delays = np.concatenate([s.delays_us for s in stored])
    assert np.array_equal(steps.interval, np.concatenate([np.full(len(s.index), pm.row.number)
                                                          for pm, s in zip(direction.intervals, stored, strict=True)]))
    assert np.array_equal(steps.index, np.concatenate([s.index for s in stored]))
    assert np.array_equal(steps.green_tx, np.concatenate([s.column("green") for s in stored]).astype(np.float64))
    assert np.array_equal(steps.green_rx, np.concatenate([s.column("rx_green") for s in stored]).astype(np.float64))
    assert np.array_equal(steps.delays_ms, np.where(delays == LOST_PROBE, np.nan, delays / 1000), equal_nan=True)
    assert np.isnan(steps.delays_ms).any()


def test_steps_packed_wide_by_an_earlier_icm_still_unpack() -> None:
    import base64

    def b64(values: list[int], dtype: str) -> str:
        return base64.b64encode(np.array(values, dtype=dtype).tobytes()).decode()

    steps = SegmentSteps.of({"first-interval": 7, "steps-per-interval": 2, "probes-per-step": 1,
                             "step": b64([0, 1, 3], "<u4"), "green-tx": b64([5, 6, 2**40], "<u8"),
                             "all-tx": b64([5, 6, 2**40], "<u8"), "green-rx": b64([5, 5, 2**40], "<u8"),
                             "probe-delay-us": b64([3000, 0xFFFF_FFFF, 70_000], "<u4")})
    assert steps.interval.tolist() == [7, 7, 8] and steps.index.tolist() == [0, 1, 1]
    assert steps.green_tx[2] == 2**40
    assert np.array_equal(steps.delays_ms[:, 0], [3.0, np.nan, 70.0], equal_nan=True)


def test_bins_without_a_probe_have_no_delay_figures() -> None:
    import numpy as np

    from cadenza.icm.pm_bins import delay_summaries

    assert delay_summaries(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 3, 0), dtype=np.int64), 90) == [
        (None, None, None), (None, None, None)]
    assert delay_summaries(np.zeros((1, 0), dtype=np.int64), np.zeros((1, 0, 10), dtype=np.int64), 90) == [
        (None, None, None)]


def test_each_interval_of_the_view_shows_its_bins_counters_and_delays_in_whole_microseconds(
        rng: np.random.Generator) -> None:
    bins = [_bin(rng, "pe1", "pe2:uni1", _FIRST + i, missing=3 if i == 1 else 0) for i in range(3)]
    engine = _store(bins)
    [direction] = _history(engine)
    view = json.loads(_view([direction]))["direction"][0]["interval"]
    for interval, shown, pm in zip(bins, view, direction.intervals, strict=True):
        delivered = interval.delays_us[interval.delays_us != LOST_PROBE]
        assert shown["interval-number"] == interval.number
        assert shown["suspect-interval-flag"] == (not interval.complete)
        assert shown["start"] == iso_at(interval.start) and shown["end"] == iso_at(interval.start + _INTERVAL_S)
        assert shown["all-frames-fw-tx"] == int(interval.green.sum()) + int(interval.frames[2].sum())
        assert shown["green-frames-fw-rx"] == int(interval.rx_green.sum())
        assert shown["soam-pm-frames-rx"] == delivered.size
        assert shown["fd-1-fw-min"] == int(delivered.min()) and shown["fd-1-fw-max"] == int(delivered.max())
        assert shown["fd-1-fw-p99"] == round(pm.fd_p99_ms * 1000)
        assert shown["flr-1-fw-mean"] == round(pm.flr_percent, 6)
        assert shown["flr-1-fw-max"] == round(100 * float(pm.delta_t_flr.max()), 6)
    assert view[1]["suspect-interval-flag"] and not view[0]["suspect-interval-flag"]


def test_a_view_of_some_figures_has_them_as_the_whole_view_has_them() -> None:
    """`cadenza-interval-fields`: the figures asked for, the same as in the view of all (and
    `interval-number` always); every figure of the whole view is one that can be asked for."""
    rng = np.random.default_rng(8)
    bins = [_bin(rng, element, far, _FIRST + i, lossy=i == 3, missing=5 if i == 6 else 0)
            for element, far in (("pe1", "pe2:uni1"), ("pe2", "pe1:uni1")) for i in range(10)]
    directions = _history(_store(bins))
    whole = json.loads(_view(directions))
    wanted = ["flr-1-fw-max", "suspect-interval-flag", "fd-1-fw-mean"]
    asked = PmHistoryRequest.model_validate({"service-id-or-name": _UUID, "cadenza-interval-fields": wanted})
    some = pm_history_view(_SERVICE, directions, Availability(), start_s=_SPAN[0], end_s=_SPAN[1],
                           include_steps=False, fields=asked.interval_fields)
    for all_of, part in zip(whole["direction"], some["direction"], strict=True):
        assert [list(i) for i in all_of["interval"]] == [list(INTERVAL_FIELDS)] * 10
        assert [list(i) for i in part["interval"]] == [
            ["interval-number", "suspect-interval-flag", "fd-1-fw-mean", "flr-1-fw-max"]] * 10
        assert part["interval"] == [{k: i[k] for k in part["interval"][0]} for i in all_of["interval"]]
    with pytest.raises(ValidationError):
        PmHistoryRequest.model_validate({"service-id-or-name": _UUID, "cadenza-interval-fields": ["fd-p42"]})
