"""PRESTO `cadenza-measure` read into the plan the SOF's SLS makes (sof.sls.objectives); a Δτ
that is no whole number of probe spacings is answered with the steps, which the SOF refuses to
compose as it did before the ICM measured."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from cadenza.icm.api.presto_pm_views import pm_history_view
from cadenza.icm.pm_bins import to_values_many
from cadenza.icm.pm_history import Availability, read_history
from cadenza.icm.pm_measure import SlsParameters
from cadenza.icm.pm_rows import PmBinRow
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.interfaces.adagio.contract import PmInterval
from cadenza.interfaces.presto.models import MeasureParameters
from cadenza.sof.performance.service_pm import measure_request, service_pm
from cadenza.sof.rows import ServiceRow
from cadenza.sof.sls.objectives import CosObjectives, CountObjective, DelayObjective, IfdvObjective

_FIRST = 1_960_000


def test_the_icm_plans_what_the_sof_would_plan_of_the_same_sls() -> None:
    cos = CosObjectives("gold", 30, 0.2, 4, frame_delay=(DelayObjective(9, 99.9, ()), DelayObjective(8, 50.0, ()),
                                                         DelayObjective(7, 99.9, (("a", "z"),))),
                        frame_delay_range=(DelayObjective(3, 95.0, ()),),
                        ifdv=(IfdvObjective(2, 99.0, 3.0, ()), IfdvObjective(1, 50.0, 1.0, ())),
                        consecutive_high_loss_intervals=(CountObjective(4, (), p=3), CountObjective(2, (), p=2)))
    asked = SlsParameters.of(MeasureParameters.model_validate(measure_request(cos)))
    assert (asked.delta_t_s, asked.threshold_c, asked.consecutive_n) == (30, 0.2, 4)
    assert asked.plan(probe_spacing_s=0.5) == cos.plan(probe_spacing_s=0.5)
    assert asked.plan(probe_spacing_s=0.5).ifdv == ((50.0, 2), (99.0, 6))


def test_a_delta_tau_between_probes_sends_the_steps_for_the_sof_to_refuse_as_before() -> None:
    """Δτ 1.5 s between probes 1 s apart: no metrics, the steps instead; the SOF composing them
    raises the ValueError its own plan raised before the ICM measured."""
    rng = np.random.default_rng(3)
    bins = [PmInterval.of("cs-1", element, "uni1", far, _FIRST + i, 900, 10, step_index=np.arange(90),
                          frames=np.array([offered, offered, zeros, zeros, offered, zeros]),
                          delays_us=rng.integers(2_000, 4_000, (90, 10)))
            for element, far in (("pe1", "pe2:uni1"), ("pe2", "pe1:uni1")) for i in range(2)
            for offered, zeros in [(rng.integers(11_000, 13_000, 90), np.zeros(90, dtype=np.int64))]]
    engine = create_engine("sqlite://")
    PmBinRow.__table__.create(engine)
    with Session(engine) as session, session.begin():
        session.execute(PmBinRow.__table__.insert(), to_values_many("metro", bins, datetime.now(UTC)))
    ends = {"a": {"element": "pe1", "port": "uni1", "sip": "sip-a"}, "z": {"element": "pe2", "port": "uni1",
                                                                           "sip": "sip-z"}}
    cos = CosObjectives("rt", 10, 0.5, 10, ifdv=(IfdvObjective(2, 99.0, 1.5, ()),))
    span = (_FIRST * 900.0, (_FIRST + 2) * 900.0)

    def history(network_domain: str, uuid: str, start: str, end: str, *, include_steps: bool,
                measure: Mapping[str, Any] | None, fields: Sequence[str]) -> dict[str, Any]:
        with Session(engine) as session:
            directions = read_history(session, network_domain, uuid, start_s=span[0], end_s=span[1],
                                      availability=Availability())
        asked = None if measure is None else SlsParameters.of(MeasureParameters.model_validate(measure))
        return pm_history_view(ConnectivityServiceRow(uuid=uuid, request=ends), directions, Availability(),
                               start_s=span[0], end_s=span[1], include_steps=include_steps, measure=asked,
                               fields=fields)

    view = history("metro", "cs-1", "", "", include_steps=False, measure=measure_request(cos), fields=["start"])
    assert [sorted(d) for d in view["direction"]] == [sorted(["ingress", "egress", "ingress-service-interface-point",
                                                              "egress-service-interface-point", "interval",
                                                              "cadenza-steps"])] * 2
    row = ServiceRow(id="s-1", configuration={}, bandwidth_mbps=100, design={"segments": [
        {"networkDomain": "metro", "uuid": "cs-1", "a": {"edgePoint": "sip-a"}, "z": {"edgePoint": "sip-z"}}]})
    with pytest.raises(ValueError, match="not a whole number of probe spacings"):
        service_pm(row, history, start_s=span[0], end_s=span[1], cos=cos)


def test_percentiles_outside_0_to_100_are_refused() -> None:
    with pytest.raises(ValidationError):
        MeasureParameters.model_validate({"delta-t-seconds": 10, "threshold-c": 0.5, "consecutive-n": 10,
                                          "fd-percentiles": [100.5]})
