"""Where a breach is located (§10.6 step 3) and which links a reroute keeps off (step 4): a link
down in the SP's network leaves the partner's segment nothing to carry, so the tie goes to the
SP's segment the ICM can move, not to whichever name sorts last; a link down is unhealthy."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from cadenza.sof.sls.assessor import _located, _unhealthy

AVAILABILITY = SimpleNamespace(metric="oneWayAvailabilityPmMetric")
DELAY = SimpleNamespace(metric="oneWayMeanFrameDelayPmMetric")


def _direction(**segments: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(numbers=[7], segments=[SimpleNamespace(name=name, intervals={7: figures})
                                                  for name, figures in segments.items()])


def _at(direction: SimpleNamespace, breached: list[SimpleNamespace], partner: str | None = "partner-b") -> str:
    return _located(SimpleNamespace(missing=[]), direction, 0, breached, partner)  # type: ignore[arg-type]


def test_the_least_available_segment_is_the_cause_and_a_tie_goes_to_the_providers_own() -> None:
    # a link down in metro: metro unavailable, and the partner, given nothing, loses nothing
    down_in_metro = _direction(metro={"availability-percent": 0.0, "flr-1-fw-mean": None}, core={},
                               **{"partner-b": {"availability-percent": 100.0, "flr-1-fw-mean": 0.0}})
    assert _at(down_in_metro, [AVAILABILITY]) == "metro"
    nothing_measured = _direction(metro={"flr-1-fw-mean": None}, **{"partner-b": {"flr-1-fw-mean": None}})
    assert _at(nothing_measured, [AVAILABILITY]) == "metro"
    partner_lossy = _direction(metro={"availability-percent": 100.0, "flr-1-fw-mean": 0.0},
                               **{"partner-b": {"availability-percent": 100.0, "flr-1-fw-mean": 3.0}})
    assert _at(partner_lossy, [AVAILABILITY]) == "partner-b"
    slow = _direction(metro={"fd-1-fw-mean": 2.0}, core={"fd-1-fw-mean": 9.0})
    assert _at(slow, [DELAY], None) == "core"


def test_a_link_down_is_unhealthy_as_a_lossy_or_slow_one_is() -> None:
    design = {"loss-ratio": 0.0, "delay-ms": 1.5, "design-loss-ratio": 0.0, "design-delay-ms": 1.5}
    assert not _unhealthy({**design, "operational-state": "ENABLED"})
    assert _unhealthy({**design, "operational-state": "DISABLED"})
    assert _unhealthy({**design, "loss-ratio": 0.05, "operational-state": "ENABLED"})
    assert not _unhealthy({})
