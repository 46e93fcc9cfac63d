"""The `icm_pm_bin` values of many bins computed together are those of each bin on its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import create_engine, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from cadenza.icm.pm_bins import _measured_summaries, decode_many, delay_summaries, delays_ms_of, to_values_many
from cadenza.icm.pm_collection import _figures, insert_bins
from cadenza.icm.pm_rows import PmBinRow
from cadenza.interfaces.adagio.contract import LOST_PROBE, PmInterval

AT = datetime(2026, 12, 3, tzinfo=UTC)


def _bin(rng: np.random.Generator, number: int, *, steps: int = 90, probes: int = 10, lost: float = 0.0) -> PmInterval:
    frames = rng.integers(10_000, 13_000, (6, steps))
    delays = rng.integers(2_500, 3_500, (steps, probes)).astype(np.uint32)
    delays[rng.random((steps, probes)) < lost] = LOST_PROBE
    return PmInterval.of(f"cs-{number}", "pe1", "uni1", "pe2:uni1", number, 900, 10, step_index=np.arange(steps),
                         frames=frames, delays_us=delays)


def _one_by_one(interval: PmInterval) -> dict[str, Any]:
    """The figures of one bin as they were computed before bins were summarised together."""
    raw = interval.delays_us
    lost = raw == LOST_PROBE
    delivered = delays_ms_of(raw)[~lost]
    return {"steps": len(interval.step_index), "probes": int(raw.size), "probes_lost": int(lost.sum()),
            **dict(zip(("offered", "green", "yellow", "red", "rx_green", "rx_yellow"),
                       interval.frames.sum(axis=1).tolist(), strict=True)),
            "delay_min_ms": float(delivered.min()) if delivered.size else None,
            "delay_mean_ms": float(delivered.mean()) if delivered.size else None,
            "delay_max_ms": float(delivered.max()) if delivered.size else None}


def test_bins_summarised_together_have_each_bins_own_figures_lossless_lossy_all_lost_and_partial() -> None:
    rng = np.random.default_rng(4)
    # (no bin of zero probes here: delay_summaries cannot lay out zero probes per step yet)
    bins = [_bin(rng, 1), _bin(rng, 2, lost=0.01), _bin(rng, 3, lost=1.0), _bin(rng, 4, steps=45), _bin(rng, 5)]
    values = to_values_many("metro", bins, AT)
    for interval, row in zip(bins, values, strict=True):
        assert {k: row[k] for k in _one_by_one(interval)} == _one_by_one(interval)
        assert (row["service_uuid"], row["number"], row["ingress"]) == (interval.fc_id, interval.number, "pe1:uni1")
        assert row["complete"] == interval.complete and row["start"] == interval.number * 900
    decoded = decode_many([row["step_data"] for row in values])
    for interval, steps in zip(bins, decoded, strict=True):
        assert np.array_equal(steps.counts, interval.frames) and np.array_equal(steps.delays_us, interval.delays_us)


def test_the_threshold_figures_of_many_bins_at_once_are_each_bins_loss_and_mean_delay() -> None:
    rng = np.random.default_rng(5)
    bins = [_bin(rng, 1), _bin(rng, 2, lost=0.2), _bin(rng, 3, lost=1.0), _bin(rng, 4, steps=30),
            _bin(rng, 5, probes=0)]
    figures = _figures(bins)
    for interval in bins:
        sent, received = int(interval.green.sum()), int(interval.rx_green.sum())
        delivered = interval.delays_us[interval.delays_us != LOST_PROBE]
        mean = int(delivered.sum(dtype=np.uint64)) / delivered.size / 1000 if delivered.size else None
        assert figures[id(interval)] == (100 * (sent - received) / sent, mean)
    assert figures[id(bins[2])][1] is None and figures[id(bins[4])][1] is None


def test_the_steps_of_many_bins_as_columns_are_each_bins_steps_end_to_end() -> None:
    from cadenza.icm.pm_bins import decode_columns

    rng = np.random.default_rng(6)
    one_layout = [_bin(rng, n, lost=0.01) for n in range(1, 5)]
    mixed = [*one_layout, _bin(rng, 5, steps=45), _bin(rng, 6, lost=1.0)]  # a layout of fewer steps among them
    for bins in (one_layout, mixed):
        blobs = [row["step_data"] for row in to_values_many("metro", bins, AT)]
        columns = decode_columns(blobs)
        own = decode_many(blobs)
        assert columns.bin.tolist() == [i for i, b in enumerate(bins) for _ in range(len(b.step_index))]
        assert np.array_equal(columns.index, np.concatenate([b.step_index for b in bins]))
        assert np.array_equal(columns.counts, np.concatenate([b.frames for b in bins], axis=1))
        assert np.array_equal(columns.column("rx_green"), np.concatenate([b.rx_green for b in bins]))
        assert np.array_equal(columns.delays_us, np.concatenate([b.delays_us for b in bins]))
        for mine, theirs in zip(columns.bins, own, strict=True):
            assert np.array_equal(mine.counts, theirs.counts) and np.array_equal(mine.delays_us, theirs.delays_us)

def test_the_delay_figures_of_whole_bins_picked_by_partition_are_those_measure_gives_ties_and_one_probe_too() -> None:
    rng = np.random.default_rng(6)
    index = np.tile(np.arange(90), (40, 1))
    for low, high, probes in ((2_500, 3_500, 10), (3_000, 3_003, 10), (100, 90_000, 1)):
        delays = rng.integers(low, high, (40, 90, probes)).astype(np.uint32)
        delays[5, 7, 0] = LOST_PROBE  # one bin lost a probe: it is measured, the others partitioned
        found = delay_summaries(index, delays, 90)
        assert found == _measured_summaries(delays, index, 90)
        assert all(None not in figures for figures in found)


def test_bins_inserted_through_the_driver_are_stored_as_sqlalchemys_insert_stores_them_and_each_once() -> None:
    rng = np.random.default_rng(7)
    values = to_values_many("metro", [_bin(rng, 1), _bin(rng, 2, lost=1.0), _bin(rng, 3, steps=45)], AT)
    stored = []
    for driver in (True, False):
        engine = create_engine("sqlite://")
        PmBinRow.__table__.create(engine)
        with Session(engine) as session, session.begin():
            if driver:
                assert insert_bins(session, values) == 3
                assert insert_bins(session, values[:2]) == 0, "a bin stored already is not stored again"
            else:
                session.execute(sqlite.insert(PmBinRow.__table__).on_conflict_do_nothing(), values)
        with engine.connect() as connection:
            stored.append(connection.execute(text("SELECT * FROM icm_pm_bin ORDER BY number")).all())
        with Session(engine) as session:
            assert session.scalars(select(PmBinRow.collected_at)).all() == [AT.replace(tzinfo=None)] * 3
    assert stored[0] == stored[1] and len(stored[0]) == 3
