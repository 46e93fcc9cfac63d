"""The operational state the SOF keeps of a service follows the network, not what an event
claims: a change whose event was lost is found by the SOF's reading of every segment
(`reconcile`), and an event saying something the ICM does not confirm changes nothing."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from cadenza.interfaces.legato.builders import delete_item, service_order
from cadenza.interfaces.presto.paths import events_api
from cadenza.sof import operational
from cadenza.sof.rows import SegmentStateRow
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.test_legato_on_net import evc_order


def _active_service(landscape: SofLandscape, a: str, z: str, vlan: int) -> dict:
    created = landscape.legato.create_service_order(evc_order(a, vlan, z, vlan, 100))
    done = landscape.wait_for_order(created["id"], "completed", "failed")
    assert done["state"] == "completed", done
    return landscape.legato.get_service(created["serviceOrderItem"][0]["service"]["id"])


def _operational(landscape: SofLandscape, service_id: str) -> str:
    return landscape.legato.get_service(service_id)["serviceConfiguration"]["operationalState"]["state"]


def test_a_link_failure_whose_event_was_lost_is_found_by_reading_the_segments(
        sof_landscape: SofLandscape) -> None:
    service = _active_service(sof_landscape, "uni-east-1-1", "uni-west-3-1", 310)
    assert service["serviceConfiguration"]["operationalState"] == {"state": operational.ENABLED}
    segment = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]
    hubs, party = sof_landscape.domain.hubs, sof_landscape.domain.config.party.id
    for subscription in hubs.subscriptions(api=events_api("metro"), party=party):  # the SOF hears nothing now
        hubs.unsubscribe(api=events_api("metro"), party=party, subscription_id=subscription.id)
    link = sorted(sof_landscape.presto("metro", segment["uuid"])["cadenza-activation"]["s-vlans"])[0]
    a, b = link.split("|")
    twin = sof_landscape.domain.twin.twin
    twin.fail_link(a, b)
    try:
        sof = sof_landscape.sof
        assert sof.presto.get_connectivity_service("metro", segment["uuid"]).operational_state == "DISABLED"
        assert _operational(sof_landscape, service["id"]) == operational.ENABLED  # unheard so far
        assert operational.reconcile(sof) == 1
        assert _operational(sof_landscape, service["id"]) == operational.DISABLED
        assert operational.reconcile(sof) == 0  # nothing new
    finally:
        twin.restore_link(a, b)
    assert operational.reconcile(sof_landscape.sof) == 1
    assert _operational(sof_landscape, service["id"]) == operational.ENABLED


def test_an_event_the_network_does_not_confirm_changes_nothing(sof_landscape: SofLandscape) -> None:
    service = _active_service(sof_landscape, "uni-east-2-1", "uni-west-2-1", 320)
    uuid = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]["uuid"]
    operational.follow_segment(sof_landscape.sof, uuid, "DISABLED")  # a forged or stale claim: read again
    assert _operational(sof_landscape, service["id"]) == operational.ENABLED
    with sof_landscape.domain.database.read() as session:
        assert session.get(SegmentStateRow, uuid).operational_state == "ENABLED"


def test_an_event_heard_before_a_recorded_reading_of_every_segment_is_not_read_again(
        sof_landscape: SofLandscape) -> None:
    service = _active_service(sof_landscape, "uni-east-3-1", "uni-west-1-1", 330)
    uuid = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]["uuid"]
    sof = sof_landscape.sof
    heard = time.monotonic()
    operational.reconcile(sof)  # began after the event arrived, and recorded
    taken = sof.readings.taken
    operational.follow_segment(sof, uuid, "DISABLED", heard)
    assert sof.readings.taken == taken  # what the event could tell, the reading showed
    operational.follow_segment(sof, uuid, "DISABLED")  # heard after it: read again
    assert sof.readings.taken == taken + 1
    assert _operational(sof_landscape, service["id"]) == operational.ENABLED


def test_with_many_events_waiting_one_list_of_the_network_domain_answers_them(
        sof_landscape: SofLandscape, monkeypatch: pytest.MonkeyPatch) -> None:
    service = _active_service(sof_landscape, "uni-east-3-1", "uni-west-2-1", 340)
    uuid = service["serviceConfiguration"]["cadenzaDesign"]["segments"][0]["uuid"]
    sof = sof_landscape.sof
    monkeypatch.setattr(operational, "MANY_WAITING", 0)  # as if a failed link had told of many at once
    taken = sof.readings.taken
    link = sorted(sof_landscape.presto("metro", uuid)["cadenza-activation"]["s-vlans"])[0]
    a, b = link.split("|")
    twin = sof_landscape.domain.twin.twin
    twin.fail_link(a, b)
    try:
        operational.follow_segment(sof, uuid, "DISABLED")
        assert sof.readings.taken == taken  # listed with its domain, not read alone
        assert _operational(sof_landscape, service["id"]) == operational.DISABLED
        operational.follow_segment(sof, uuid, "DISABLED")  # the same news: nothing more to read
        assert sof.readings.taken == taken
    finally:
        twin.restore_link(a, b)
    operational.follow_segment(sof, uuid, "ENABLED")
    assert _operational(sof_landscape, service["id"]) == operational.ENABLED


def test_a_deleted_service_is_disabled_and_its_segments_are_no_longer_followed(sof_landscape: SofLandscape) -> None:
    service = _active_service(sof_landscape, "uni-east-3-1", "uni-west-1-1", 330)
    deleted = sof_landscape.legato.create_service_order(service_order(delete_item("1", service["id"])))
    assert sof_landscape.wait_for_order(deleted["id"], "completed", "failed")["state"] == "completed"
    after = sof_landscape.legato.get_service(service["id"])
    assert after["state"] == "terminated"
    assert after["serviceConfiguration"]["operationalState"] == {"state": operational.DISABLED}
    with sof_landscape.domain.database.read() as session:
        assert session.scalars(select(SegmentStateRow).where(SegmentStateRow.service_id == service["id"])).all() == []
