"""Reservations (MEF 55.0.1 §10.3 "reservations", Cadenza's profile): a customer reserves
bandwidth on its own service for a window; it is applied at the window's start and released at
its end; one the network cannot hold beside the others in that window is refused with a 422
naming the capacity; a cancel releases it (before the window nothing is changed)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.reservation import ReservationClient
from tests.helpers.servers import wait_until
from tests.integration.sof import test_allegro_service_ordering as ordering
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.test_allegro_service_ordering import active_service, refused

database_url = ordering.database_url  # SQLite here; the race for the last capacity runs on both
# up to the UNI's 1000 Mbit/s, so the shared port is what runs out
WIDE = {**ordering.POLICY, "bandwidth": {"minMbps": 10, "maxMbps": 1000, "stepMbps": 10}}


@pytest.fixture
def reservations(sof_landscape: SofLandscape) -> Iterator[tuple[ReservationClient, ReservationClient]]:
    acme = ReservationClient(sof_landscape.base_url,
                             ClientCredentials(sof_landscape.base_url, "acme", "acme-demo-secret"))
    globex = ReservationClient(sof_landscape.base_url,
                               ClientCredentials(sof_landscape.base_url, "globex", "globex-demo-secret"))
    yield acme, globex
    acme.close()
    globex.close()


def two_services_on_one_uni(landscape: SofLandscape) -> tuple[str, str]:
    """Two 50 Mbit/s EVCs of acme's sharing the 1000 Mbit/s UNI uni-east-1-1."""
    return (active_service(landscape, "uni-east-1-1", "uni-west-3-1", 470, "acme-corp", policy=WIDE),
            active_service(landscape, "uni-east-1-1", "uni-west-1-1", 471, "acme-corp", policy=WIDE))


def mbps(landscape: SofLandscape, service_id: str) -> int | None:
    """The service's rate where inventory and its segment agree; None while a change is under way
    (the segment already changed and being tested, inventory not yet)."""
    design = landscape.legato.get_service(service_id)["serviceConfiguration"]["cadenzaDesign"]
    segment = design["segments"][0]
    network = landscape.sof.presto.get_connectivity_service(segment["networkDomain"], segment["uuid"]).bandwidth_mbps
    return design["bandwidthMbps"] if network == design["bandwidthMbps"] else None


def test_a_reservation_is_applied_in_its_window_and_one_beyond_the_capacity_is_refused(
        sof_landscape: SofLandscape, reservations: tuple[ReservationClient, ReservationClient]) -> None:
    acme, globex = reservations
    first, second = two_services_on_one_uni(sof_landscape)
    start = datetime.now(UTC) + timedelta(seconds=4)
    held = acme.reserve(first, 800, start, start + timedelta(seconds=6))
    assert held["state"] == "scheduled" and held["bandwidthMbps"] == 800 and held["service"]["id"] == first
    assert held["href"].endswith(f"/reservation/{held['id']}")

    # 800 of the UNI's 1000 are held for the window: the other service cannot have 800 beside it
    full = refused(acme.reserve, second, 800, start + timedelta(seconds=1), start + timedelta(seconds=20))
    assert full.status == 422 and full.body["propertyPath"] == "/bandwidthMbps", full.body
    assert full.body["reason"].startswith("capacity:") and "leaves 150 Mbit/s free" in full.body["reason"], full.body
    assert "other reservations take 750 Mbit/s more" in full.body["reason"], full.body
    # the same after the window is free
    later = acme.reserve(second, 800, start + timedelta(seconds=30), start + timedelta(seconds=40))
    # ... and then taken, so the first service cannot have it then, until that one is cancelled
    assert "capacity:" in refused(acme.reserve, first, 800, start + timedelta(seconds=35),
                                  start + timedelta(seconds=45)).body["reason"]
    assert acme.cancel(later["id"])["state"] == "cancelled"
    again = acme.reserve(first, 800, start + timedelta(seconds=35), start + timedelta(seconds=45))
    assert acme.cancel(again["id"])["state"] == "cancelled"
    gone = refused(acme.cancel, again["id"])
    assert gone.status == 409 and "already cancelled" in gone.body["reason"]

    # what a customer may not reserve
    assert refused(globex.reserve, first, 800, start, start + timedelta(seconds=5)).status == 422  # not its service
    assert refused(globex.get, held["id"]).status == 404
    assert [r["id"] for r in globex.list()] == []
    assert "above the maximum 1000" in refused(acme.reserve, first, 1200, start, start + timedelta(seconds=5)).body[
        "reason"]
    below = refused(acme.reserve, first, 40, start, start + timedelta(seconds=5))
    assert below.body["propertyPath"] == "/bandwidthMbps" and "already runs at 50" in below.body["reason"]
    assert refused(acme.reserve, first, 300, start, start - timedelta(seconds=1)).body["propertyPath"] == "/endDate"

    # honoured: the bandwidth in the window, released after it
    active = wait_until(lambda: (r := acme.get(held["id"]))["state"] != "scheduled" and r, timeout=30,
                        what="the reservation's window to begin")
    assert active["state"] == "active", active
    assert mbps(sof_landscape, first) == 800 and mbps(sof_landscape, second) == 50
    done = wait_until(lambda: (r := acme.get(held["id"]))["state"] not in ("scheduled", "active") and r, timeout=30,
                      what="the reservation's window to end")
    assert done["state"] == "completed", done
    assert mbps(sof_landscape, first) == 50
    assert [r["state"] for r in acme.list()] == ["completed", "cancelled", "cancelled"]


def test_a_reservation_cancelled_in_its_window_puts_the_bandwidth_back_at_once(
        sof_landscape: SofLandscape, reservations: tuple[ReservationClient, ReservationClient]) -> None:
    acme, _ = reservations
    service_id = active_service(sof_landscape, "uni-east-2-1", "uni-west-2-1", 472, "acme-corp", policy=WIDE)
    held = acme.reserve(service_id, 600, datetime.now(UTC), datetime.now(UTC) + timedelta(minutes=10))
    wait_until(lambda: acme.get(held["id"])["state"] == "active", timeout=30, what="the reservation to apply")
    assert mbps(sof_landscape, service_id) == 600
    assert acme.cancel(held["id"])["state"] == "cancelled"
    wait_until(lambda: mbps(sof_landscape, service_id) == 50, timeout=30, what="the bandwidth to go back")
    time.sleep(0.5)
    assert acme.get(held["id"])["state"] == "cancelled"
