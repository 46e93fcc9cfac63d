"""How far an SLS assessment may go (§10.6 step 1): an interval that has ended by the network's
clock but that its ICM has not collected yet is left to the next assessment, not passed over as
assessed (it would never be assessed: each interval is assessed once); a gap before a later
interval is maintenance and is passed."""

from __future__ import annotations

from cadenza.sof.performance.service_pm import DirectionPm, ServicePm
from cadenza.sof.sls.assessor import collected_end
from cadenza.sof.sls.objectives import CosObjectives

COS = CosObjectives(cos_name="default", delta_t_s=10, threshold_c=0.5, consecutive_n=10)


def _pm(*numbers: list[int]) -> ServicePm:
    return ServicePm(service_id="svc-1", interval_s=900, step_s=1, cos=COS, network_time=None,
                     directions=[DirectionPm(direction=f"d{i}", numbers=list(n)) for i, n in enumerate(numbers)],
                     missing=[])


def test_an_interval_not_collected_yet_is_left_to_the_next_assessment() -> None:
    # intervals 100-103 ended; the ICM has collected up to 101 in both directions
    assert collected_end(_pm([100, 101], [100, 101]), 100, 104) == 102
    # one direction is behind the other: both wait for it
    assert collected_end(_pm([100, 101, 102], [100]), 100, 104) == 101
    # nothing collected since the last assessment: nothing is taken as assessed
    assert collected_end(_pm([], []), 100, 104) == 100


def test_a_gap_before_a_collected_interval_is_passed_and_the_end_is_never_later_than_asked() -> None:
    assert collected_end(_pm([100, 103], [103]), 100, 104) == 104
    assert collected_end(_pm([100, 101, 102, 103], [103]), 100, 102) == 102
