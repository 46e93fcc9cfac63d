"""ALLEGRO Service Function Testing v3 over HTTP against a running SP domain: a customer tests
its own service with the provider's profile or its own (the activation test measured on the
twin over PRESTO: frame delay, loss, information rate), a failed link under the service fails
the test, the job's states follow the spec's table (scheduled, suspended, modified, resumed,
cancelled, completed) with their events on the customer's hub, another customer and the BUS
see none of it, and bad input is refused with the spec's error bodies and a reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from cadenza.core.client_credentials import ClientCredentials
from cadenza.core.clock import now
from cadenza.interfaces.allegro.ordering_client import ServiceOrderingClient, change_item, change_order
from cadenza.interfaces.allegro.sft_client import AllegroError, ServiceFunctionTestingClient, job_request
from cadenza.interfaces.allegro.sft_paths import (
    PROFILE_CONFIGURATION_TYPE,
    RESULT_TYPE,
    SFT_BASE,
    SFT_EVENT_TYPES,
    SFT_LISTENER_BASE,
)
from cadenza.interfaces.legato.builders import add_evc_item, evc_configuration, off_net, on_net, service_order
from cadenza.sof.function_testing import execution
from tests.helpers.hub_listener import Heard, hub_listener
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.openapi import assert_valid
from tests.integration.sof.test_allegro_alarms import _active_service, _links
from tests.integration.sof.test_allegro_service_ordering import active_service

MANAGEMENT = "allegro/serviceApi/sft/serviceFunctionTest.api.yaml"
NOTIFICATION = "allegro/serviceApi/sft/serviceFunctionTestNotification.api.yaml"
EVC_PROFILE = "cadenza-sft-evc-activation"
EVC = "urn:mef:lso:spec:legato:carrier-ethernet-evc:v0.0.1:all"
EVENT_SCHEMAS = {name: name[0].upper() + name[1:] for name in SFT_EVENT_TYPES} | {
    f"{kind}TestJobStateChangeEvent": f"{kind.title()}TestJobProcessStateChangeEvent"
    for kind in ("cancel", "suspend", "resume", "modify")}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """What is tested is the API, its states and the measurement on the twin."""
    return sqlite_url


def at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def later(seconds: float) -> str:
    return at(now().timestamp() + seconds)


def _states(heard: Heard, job_id: str) -> list[str]:
    return [e["event"]["state"] for e in heard.of("testJobStateChangeEvent", job_id)]


@pytest.fixture
def customers(sof_landscape: SofLandscape) -> Iterator[tuple[ServiceFunctionTestingClient,
                                                             ServiceFunctionTestingClient]]:
    base = sof_landscape.base_url
    acme = ServiceFunctionTestingClient(base, ClientCredentials(base, "acme", "acme-demo-secret"))
    globex = ServiceFunctionTestingClient(base, ClientCredentials(base, "globex", "globex-demo-secret"))
    try:
        yield acme, globex
    finally:
        acme.close()
        globex.close()


def _wait_job(client: ServiceFunctionTestingClient, job_id: str, *states: str) -> dict[str, Any]:
    return wait_until(lambda: (j := client.get_job(job_id))["state"] in states and j, timeout=60, interval=0.2,
                      what=f"test job {job_id} to be {states}")


def _only_result(client: ServiceFunctionTestingClient, job_id: str) -> dict[str, Any]:
    listed = client.list_results(testJobId=job_id)
    assert len(listed) == 1, listed
    assert_valid(MANAGEMENT, "TestResult_Common", listed, many=True)
    result = client.get_result(listed[0]["id"])
    assert_valid(MANAGEMENT, "TestResult", result)
    return result


def _refused(call: Any, status: int = 422) -> Any:  # noqa: ANN401
    with pytest.raises(AllegroError) as refused:
        call()
    assert refused.value.status == status, refused.value.body
    return refused.value.body


def test_a_customer_tests_its_service_on_the_network_and_a_failed_link_fails_the_test(
        sof_landscape: SofLandscape,
        customers: tuple[ServiceFunctionTestingClient, ServiceFunctionTestingClient]) -> None:
    acme, globex = customers
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 440, "acme-corp")
    offered = acme.list_profiles(relatedServiceSpecificationId=EVC)
    assert_valid(MANAGEMENT, "TestProfile", offered, many=True)
    assert [p["id"] for p in offered] == [EVC_PROFILE] and offered[0]["lifecycleState"] == "available"
    with hub_listener(acme, SFT_LISTENER_BASE, SFT_EVENT_TYPES) as heard, \
            hub_listener(globex, SFT_LISTENER_BASE, SFT_EVENT_TYPES) as globex_heard:
        job = acme.create_job(job_request(service["id"], EVC_PROFILE, end=later(600)))
        assert_valid(MANAGEMENT, "TestJob", job)
        assert job["state"] == "inProgress" and job["href"].startswith("http")
        done = _wait_job(acme, job["id"], "completed")
        assert done["actualStartDateTime"] <= done["actualEndDateTime"]
        result = _only_result(acme, job["id"])
        passed = result["serviceSpecificTestResultConfiguration"]
        assert passed["@type"] == RESULT_TYPE
        assert passed["result"] == "PASS", passed
        # as the twin measured it on the service's route: a few ms of fibre, no loss, the CIR through
        assert 0 < passed["frameDelayMs"] < 20 and passed["frameLossRatio"] < 0.001
        assert passed["cirMbps"] == 50 and passed["informationRateMbps"] >= 0.95 * 50
        [segment] = passed["segments"]
        assert segment["route"] and segment["reachable"]
        assert result["relatedServiceFrom"]["id"] == service["id"] and result["testJob"]["id"] == job["id"]

        link = sorted(_links(sof_landscape, service))[0]
        twin = sof_landscape.domain.twin.twin
        twin.fail_link(*link.split("|"))
        try:
            broken = acme.create_job(job_request(service["id"], EVC_PROFILE, name="after the fibre cut",
                                                 end=later(600)))
            _wait_job(acme, broken["id"], "completed")
        finally:
            twin.restore_link(*link.split("|"))
        failed = _only_result(acme, broken["id"])["serviceSpecificTestResultConfiguration"]
        assert failed["result"] == "FAIL", failed
        named = link.replace("|", "-")  # the twin's walk names a link by its two ends
        assert any(f"far end not reachable: link {named} is down" in f for f in failed["failures"]), failed
        assert [r["testJob"]["id"] for r in acme.list_results(relatedServiceIdFrom=service["id"])] \
            == [job["id"], broken["id"]]

        wait_until(lambda: _states(heard, broken["id"])[-1:] == ["completed"], what="the completion event")
        assert _states(heard, job["id"]) == ["inProgress", "completed"]
        assert heard.of("testJobCreateEvent", job["id"])
        assert len(heard.of("testResultCreateEvent", result["id"])) == 1
        for event in list(heard.events):
            assert_valid(NOTIFICATION, EVENT_SCHEMAS[event["eventType"]], event)

        # another customer sees none of it and cannot test the service
        assert globex.list_jobs() == [] and globex.list_results() == []
        for call in (lambda: globex.get_job(job["id"]), lambda: globex.get_result(result["id"])):
            assert _refused(call, 404)["code"] == "notFound"
        problem = _refused(lambda: globex.create_job(job_request(service["id"], EVC_PROFILE, end=later(60))))[0]
        assert (problem["code"], problem["propertyPath"]) == ("referenceNotFound", "/relatedServiceFrom/id")
        assert globex_heard.events == []
    # the BUS's token (LEGATO scope) is not a customer's: refused, whatever it asks
    bus = ClientCredentials(sof_landscape.base_url, "sp-bus", "bus-demo-secret")()
    answer = httpx.get(f"{sof_landscape.base_url}{SFT_BASE}/testJob", headers={"Authorization": f"Bearer {bus}"})
    assert answer.status_code == 403 and answer.json()["code"] in ("accessDenied", "forbiddenRequester")


def test_a_job_goes_through_the_states_of_the_specs_table_and_holds_its_profile(
        sof_landscape: SofLandscape,
        customers: tuple[ServiceFunctionTestingClient, ServiceFunctionTestingClient]) -> None:
    acme, _ = customers
    service = _active_service(sof_landscape, "uni-east-2-1", "uni-east-3-1", 441, "acme-corp")
    with hub_listener(acme, SFT_LISTENER_BASE, SFT_EVENT_TYPES) as heard:
        profile = acme.create_profile({"name": "tight delay", "isBundled": False, "lifecycleStatus": "approved",
                                       "validFor": later(86_400), "relatedServiceSpecification": {"id": EVC},
                                       "serviceSpecificTestProfileConfiguration": {
                                           "@type": PROFILE_CONFIGURATION_TYPE, "maxFrameDelayMs": 0.001}})
        assert_valid(MANAGEMENT, "TestProfile", profile)
        assert profile["lifecycleState"] == "available"
        job = acme.create_job(job_request(service["id"], profile["id"], start=later(3600), end=later(7200)))
        assert job["state"] == "scheduled"
        assert acme.get_profile(profile["id"])["lifecycleState"] == "assigned"
        assert "not over" in _refused(lambda: acme.modify_profile(profile["id"], {"description": "x"}), 409)["reason"]
        assert "not over" in _refused(lambda: acme.delete_profile(profile["id"]))[0]["reason"]
        assert "can be resumed" in _refused(lambda: acme.request("resume", job["id"]))[0]["reason"]

        suspended = acme.request("suspend", job["id"], suspensionReason="the change window moved")
        assert_valid(MANAGEMENT, "SuspendTestJob", suspended)
        assert suspended["state"] == "accepted" and acme.get_job(job["id"])["state"] == "suspended"
        modified = acme.request("modify", job["id"], name="now", requestedStartDateTime=later(-5))
        assert_valid(MANAGEMENT, "ModifyTestJob", modified)
        changed = acme.get_job(job["id"])
        assert (changed["state"], changed["name"]) == ("suspended", "now")  # a modification leaves it suspended
        acme.request("resume", job["id"])
        done = _wait_job(acme, job["id"], "completed")
        # the customer's own objective: 1 µs end to end cannot be met over fibre
        verdict = _only_result(acme, done["id"])["serviceSpecificTestResultConfiguration"]
        assert verdict["result"] == "FAIL" and verdict["objectives"]["maxFrameDelayMs"] == 0.001
        assert any("exceeds the objective 0.001 ms" in f for f in verdict["failures"]), verdict
        assert "can be cancelled" in _refused(lambda: acme.request("cancel", job["id"]))[0]["reason"]
        wait_until(lambda: acme.get_profile(profile["id"])["lifecycleState"] == "available",
                   what="the profile to be available again")

        second = acme.create_job(job_request(service["id"], profile["id"], start=later(3600), end=later(7200)))
        cancelled = acme.request("cancel", second["id"], cancellationReason="no longer needed")
        assert_valid(MANAGEMENT, "CancelTestJob", cancelled)
        assert cancelled["state"] == "accepted" and acme.get_job(second["id"])["state"] == "cancelled"
        assert [c["id"] for c in acme.list_requests("cancel", testJobId=second["id"])] == [cancelled["id"]]

        recurring = acme.create_job(job_request(service["id"], EVC_PROFILE, end=later(11),
                                             recurrence={"amount": 5, "units": "seconds"}))
        _wait_job(acme, recurring["id"], "completed")
        assert len(acme.list_results(testJobId=recurring["id"])) == 3  # at 0, 5 and 10 s

        wait_until(lambda: _states(heard, second["id"])[-1:] == ["cancelled"], what="the cancellation event")
        assert _states(heard, job["id"]) == ["scheduled", "suspended", "assessingModification", "suspended",
                                             "inProgress", "completed"]
        assert _states(heard, second["id"]) == ["scheduled", "assessingCancellation", "cancelled"]
        assert [e["event"]["state"] for e in heard.of("suspendTestJobStateChangeEvent", suspended["id"])] \
            == ["acknowledged", "accepted"]
        assert heard.of("testJobAttributeValueChangeEvent", job["id"])
        lifecycle = [e["event"]["lifecycleState"]
                     for e in heard.of("testProfileLifecycleStateChangeEvent", profile["id"])]
        assert lifecycle[:2] == ["assigned", "available"]
        acme.delete_profile(profile["id"])
        assert _refused(lambda: acme.get_profile(profile["id"]), 404)["code"] == "notFound"
        wait_until(lambda: heard.of("testProfileDeleteEvent", profile["id"]), what="the delete event")
        for event in list(heard.events):
            assert_valid(NOTIFICATION, EVENT_SCHEMAS[event["eventType"]], event)


def test_what_cannot_be_tested_is_refused_with_the_reason(
        sof_landscape: SofLandscape,
        customers: tuple[ServiceFunctionTestingClient, ServiceFunctionTestingClient]) -> None:
    acme, _ = customers
    service = _active_service(sof_landscape, "uni-west-1-1", "uni-west-2-1", 442, "acme-corp")
    other = _active_service(sof_landscape, "uni-east-2-1", "uni-west-3-1", 443, "acme-corp")
    good = job_request(service["id"], EVC_PROFILE, end=later(600))
    cases = [
        ({**good, "relatedServiceTo": {"id": other["id"]}}, "/relatedServiceTo/id", "one service end to end"),
        ({**good, "serviceSpecificTestJobConfiguration": {"@type": "urn:example:twamp"}},
         "/serviceSpecificTestJobConfiguration/@type", "must be urn:cadenza:sft"),
        ({**good, "testProfile": {"@type": "TestProfileRef", "id": "cadenza-sft-ipvc-activation"}}, "/testProfile/id",
         "choose a profile for it"),
        ({**good, "testProfile": {"@type": "TestProfileRef", "id": "nope"}}, "/testProfile/id", "GET /testProfile"),
        ({**good, "recurrencePeriod": {"amount": 1, "units": "businessDays"}}, "/recurrencePeriod/units",
         "no fixed length"),
        ({**good, "testProfile": {"@type": "TestProfileValue", "serviceSpecificTestProfileConfiguration": {
            "@type": PROFILE_CONFIGURATION_TYPE, "maxFrameLossRatio": 3}}},
         "/testProfile/serviceSpecificTestProfileConfiguration/maxFrameLossRatio", "at most 1"),
    ]
    for body, pointer, words in cases:
        problems = _refused(lambda b=body: acme.create_job(b))
        assert_valid(MANAGEMENT, "Error422", problems, many=True)
        assert problems[0]["propertyPath"] == pointer and words in problems[0]["reason"], problems
    stale = acme.create_job({**good, "requestedEndDateTime": later(-60)})
    assert stale["state"] == "rejected"
    assert stale["terminationError"][0]["propertyPath"] == "/requestedEndDateTime"
    missing = _refused(lambda: acme.create_job({"name": "no service"}))  # the official file's own check
    assert {(p["code"], p["propertyPath"]) for p in missing} >= {("missingProperty", "/relatedServiceFrom")}
    bundle = _refused(lambda: acme.create_profile({"name": "b", "isBundled": True, "lifecycleStatus": "approved",
                                                   "validFor": later(60),
                                                   "relatedServiceSpecification": {"id": EVC}}))
    assert bundle[0]["propertyPath"] == "/isBundled"
    assert "offered by the provider" in _refused(lambda: acme.modify_profile(EVC_PROFILE, {"name": "mine"}),
                                                 403)["reason"]
    # a job without a stored profile, with the customer's objectives in it (the spec's "w/o Test Profile")
    valued = acme.create_job({**good, "testProfile": {"@type": "TestProfileValue",
                                                      "serviceSpecificTestProfileConfiguration": {
                                                          "@type": PROFILE_CONFIGURATION_TYPE,
                                                          "minInformationRatePercent": 50}}})
    _wait_job(acme, valued["id"], "completed")
    judged = _only_result(acme, valued["id"])["serviceSpecificTestResultConfiguration"]
    assert judged["result"] == "PASS" and judged["objectives"]["minInformationRatePercent"] == 50


def test_a_job_accepted_when_the_domain_died_is_run_at_its_next_start(
        sof_landscape: SofLandscape,
        customers: tuple[ServiceFunctionTestingClient, ServiceFunctionTestingClient]) -> None:
    acme, _ = customers
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-east-3-1", 444, "acme-corp")
    # accepted and stored, but its workflow never started (the process died in between)
    row = execution.create_job(sof_landscape.sof, job_request(service["id"], EVC_PROFILE, end=later(600)),
                               "acme-corp")
    assert acme.get_job(row.id)["state"] == "inProgress" and acme.list_results(testJobId=row.id) == []
    execution.resume_all(sof_landscape.sof)
    _wait_job(acme, row.id, "completed")
    assert _only_result(acme, row.id)["serviceSpecificTestResultConfiguration"]["result"] == "PASS"
    execution.resume_all(sof_landscape.sof)  # a job that is over is not run again
    assert len(acme.list_results(testJobId=row.id)) == 1


def test_an_off_net_service_is_tested_across_the_providers_domains_and_the_partners_leg_is_named_untested(
        sof_landscape: SofLandscape,
        customers: tuple[ServiceFunctionTestingClient, ServiceFunctionTestingClient]) -> None:
    acme, _ = customers
    item = add_evc_item("evc", evc_configuration(on_net("uni-east-3-1", 312),
                                                 off_net("partner-a", site_id="site-pa-7", ce_vlan=412),
                                                 bandwidth_mbps=100))
    item["service"]["relatedContactInformation"] = [{"role": "customer", "organization": "acme-corp",
                                                     "name": "acme-corp", "emailAddress": "", "number": ""}]
    created = sof_landscape.legato.create_service_order(service_order(item, external_id="sft-off-net"))
    assert sof_landscape.wait_for_order(created["id"], "completed", "failed")["state"] == "completed"
    service_id = created["serviceOrderItem"][0]["service"]["id"]
    job = acme.create_job(job_request(service_id, EVC_PROFILE, end=later(600)))
    _wait_job(acme, job["id"], "completed")
    tested = _only_result(acme, job["id"])["serviceSpecificTestResultConfiguration"]
    assert tested["result"] == "PASS", tested
    assert [s["name"].split("/")[0] for s in tested["segments"]] == ["metro", "core"]
    # in series: the delays add up, the rate is the slower segment's
    assert tested["frameDelayMs"] == pytest.approx(sum(s["frameDelayMs"] for s in tested["segments"]), abs=1e-3)
    assert tested["informationRateMbps"] == pytest.approx(min(s["informationRateMbps"] for s in tested["segments"]),
                                                          abs=1e-3)
    assert tested["untestedSegments"] == ["partner/partner-a: Service Function Testing over INTERLUDE is not built"]


def test_after_changing_its_bandwidth_the_customer_tests_the_service_at_the_new_rate(
        sof_landscape: SofLandscape,
        customers: tuple[ServiceFunctionTestingClient, ServiceFunctionTestingClient]) -> None:
    acme, _ = customers
    service_id = active_service(sof_landscape, "uni-west-1-1", "uni-west-3-1", 445, "acme-corp")
    token = ClientCredentials(sof_landscape.base_url, "acme", "acme-demo-secret")
    orders = ServiceOrderingClient(sof_landscape.base_url, token)
    try:
        change = orders.create_order(change_order(change_item("1", service_id, EVC, 200)))
        done = wait_until(lambda: (o := orders.get_order(change["id"]))["state"] in ("completed", "failed") and o,
                          what="the change to finish")
    finally:
        orders.close()
    assert done["state"] == "completed", done
    job = acme.create_job(job_request(service_id, EVC_PROFILE, name="after the change", end=later(600)))
    _wait_job(acme, job["id"], "completed")
    tested = _only_result(acme, job["id"])["serviceSpecificTestResultConfiguration"]
    assert tested["result"] == "PASS", tested
    assert tested["cirMbps"] == 200 and tested["informationRateMbps"] >= 0.95 * 200
