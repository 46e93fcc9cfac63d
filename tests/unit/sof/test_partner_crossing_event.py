"""Cadenza's INTERLUDE crossing event (docs/interlude-profile.md, "Threshold crossings"): what the
seller sends carries the ICM's crossing whole, the buyer reads it back in the ICM's words, and
an event lacking what a crossing needs is not taken."""

from __future__ import annotations

from types import SimpleNamespace

from cadenza.sof.partner_crossings import crossing_payload, in_icm_words

ICM_BODY = {"id": "seg-1", "threshold-crossing": "THRESHOLD_ABOVE", "threshold-parameter": "frame-loss-ratio",
            "threshold-value": 1.0, "measured-value": 5.02, "measurement-interval": "2026-12-03T16:15:00.000Z",
            "ingress": "uni-west-2-1", "egress": "enni-partner-2", "perceived-severity": "WARNING"}


def test_the_seller_names_the_buyers_service_and_the_buyer_reads_the_icms_crossing_back() -> None:
    payload = crossing_payload(SimpleNamespace(id="ovc-7"), ICM_BODY)  # type: ignore[arg-type]
    assert payload["id"] == "ovc-7" and payload["href"] == "/mefApi/interlude/serviceInventory/v1/service/ovc-7"
    assert (payload["thresholdCrossing"], payload["performanceMetricName"], payload["performanceMetricValue"],
            payload["thresholdValue"], payload["fromEndPoint"], payload["toEndPoint"]) == (
        "THRESHOLD_ABOVE", "frame-loss-ratio", 5.02, 1.0, "uni-west-2-1", "enni-partner-2")
    back = in_icm_words(payload)
    assert back == {**{k: v for k, v in ICM_BODY.items() if k != "perceived-severity"}, "id": "ovc-7"}


def test_an_event_without_the_figures_of_a_crossing_is_not_taken() -> None:
    payload = crossing_payload(SimpleNamespace(id="ovc-7"), ICM_BODY)  # type: ignore[arg-type]
    for missing in ("id", "thresholdCrossing", "performanceMetricName", "performanceMetricValue", "thresholdValue",
                    "measurementIntervalStart"):
        assert in_icm_words({k: v for k, v in payload.items() if k != missing}) is None, missing
    assert in_icm_words({**payload, "performanceMetricValue": "lots"}) is None
