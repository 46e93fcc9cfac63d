"""Service Function Testing v3 (Mplify 149): base paths, the hub's API name, the event types,
the spec files and the configuration and result types Cadenza's tests use
(docs/allegro-profile.md, "Service Function Testing v3")."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SFT_BASE", "SFT_LISTENER_BASE", "SFT_HUB", "SCOPE", "SFT_EVENT_TYPES", "SFT_MANAGEMENT_SPEC",
           "SFT_NOTIFICATION_SPEC", "PROFILE_CONFIGURATION_TYPE", "JOB_CONFIGURATION_TYPE", "RESULT_TYPE",
           "job_href", "profile_href", "result_href", "process_href"]

_SPECS = Path(__file__).parent / "openapi/serviceApi/sft"
SFT_MANAGEMENT_SPEC = _SPECS / "serviceFunctionTest.api.yaml"
SFT_NOTIFICATION_SPEC = _SPECS / "serviceFunctionTestNotification.api.yaml"

SFT_BASE = "/mefApi/allegro/serviceFunctionTesting/v3"
# The management file's callback text and the Notification file's server agree on this one.
SFT_LISTENER_BASE = "/mefApi/allegro/serviceFunctionTestingNotification/v3"
SFT_HUB = "allegro.serviceFunctionTesting"
SCOPE = "allegro"

SFT_EVENT_TYPES = (
    "testJobCreateEvent", "testJobAttributeValueChangeEvent", "testJobStateChangeEvent",
    "cancelTestJobStateChangeEvent", "modifyTestJobStateChangeEvent", "suspendTestJobStateChangeEvent",
    "resumeTestJobStateChangeEvent", "testProfileCreateEvent", "testProfileAttributeValueChangeEvent",
    "testProfileLifecycleStateChangeEvent", "testProfileDeleteEvent", "testResultCreateEvent",
)

# The spec's three extension points are tagged by `@type`; MEF publishes no Carrier Ethernet
# test schema for them, so Cadenza names its own (the test is the activation test measured on
# the network: frame delay, frame loss, information rate).
PROFILE_CONFIGURATION_TYPE = "urn:cadenza:sft:service-activation-test-profile:v1"
JOB_CONFIGURATION_TYPE = "urn:cadenza:sft:service-activation-test-job:v1"
RESULT_TYPE = "urn:cadenza:sft:service-activation-test-result:v1"


def job_href(job_id: str) -> str:
    return f"{SFT_BASE}/testJob/{job_id}"


def profile_href(profile_id: str) -> str:
    return f"{SFT_BASE}/testProfile/{profile_id}"


def result_href(result_id: str) -> str:
    return f"{SFT_BASE}/testResult/{result_id}"


def process_href(kind: str, process_id: str) -> str:
    """`kind`: cancel | suspend | resume | modify."""
    return f"{SFT_BASE}/{kind}TestJob/{process_id}"
