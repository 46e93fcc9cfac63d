"""Two reservations asked at the same moment for the last capacity of a shared UNI get one yes
and one no, on SQLite and on PostgreSQL: the check and the new row are one serialised
transaction (sof/control/reservation.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.http import AllegroError
from cadenza.interfaces.allegro.reservation import ReservationClient
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.test_allegro_reservations import two_services_on_one_uni


def test_two_requests_for_the_last_capacity_get_one_yes_and_one_no(sof_landscape: SofLandscape) -> None:
    first, second = two_services_on_one_uni(sof_landscape)
    clients = [ReservationClient(sof_landscape.base_url,
                                 ClientCredentials(sof_landscape.base_url, "acme", "acme-demo-secret"))
               for _ in range(2)]
    start = datetime.now(UTC) + timedelta(minutes=5)

    def ask(n: int) -> dict[str, Any] | AllegroError:
        try:
            return clients[n].reserve((first, second)[n], 800, start, start + timedelta(minutes=5))
        except AllegroError as exc:
            return exc

    try:
        for client in clients:
            client.list()  # the tokens fetched first, so both requests leave together
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(ask, range(2)))
        yes = [a for a in answers if isinstance(a, dict)]
        no = [a for a in answers if isinstance(a, AllegroError)]
        assert len(yes) == 1 and len(no) == 1, answers
        assert no[0].status == 422 and no[0].body["reason"].startswith("capacity:"), no[0].body
        assert yes[0]["state"] == "scheduled"
        clients[0].cancel(yes[0]["id"])
    finally:
        for client in clients:
            client.close()
