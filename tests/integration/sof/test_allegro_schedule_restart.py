"""A scheduled change survives a restart of the domain: the domain stops while the change
waits for its time, starts again, and the change is applied at its time, once."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dbos import DBOS
from sqlalchemy import func, select

from cadenza.core.client_credentials import ClientCredentials
from cadenza.interfaces.allegro.ordering_client import ServiceOrderingClient, change_item, change_order
from cadenza.interfaces.legato.client import LegatoClient
from cadenza.interfaces.legato.paths import EVC_TYPE
from cadenza.landscape.domain import ProviderDomain
from cadenza.sof.rows import ServiceOrderRow
from tests.helpers.servers import reserve, start_server, wait_until
from tests.integration.sof.conftest import SofLandscape, sof_config
from tests.integration.sof.test_allegro_service_ordering import active_service


def _at(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def test_a_change_waiting_through_a_restart_is_applied_once_at_its_time(sqlite_url: str, tmp_path: Path) -> None:
    sock = reserve()
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    config = sof_config(base_url)

    def start(listening: socket.socket) -> tuple[ProviderDomain, object, object]:
        domain = ProviderDomain(config, database_url=sqlite_url, var_dir=tmp_path / "sp", netconf_base_port=0,
                                public_url=base_url)
        server, thread = start_server(domain.start(), listening)
        return domain, server, thread

    domain, server, thread = start(sock)
    legato = LegatoClient(base_url, ClientCredentials(base_url, "sp-bus", "bus-demo-secret"))
    acme = ServiceOrderingClient(base_url, ClientCredentials(base_url, "acme", "acme-demo-secret"))
    try:
        assert domain.business is not None
        service_id = active_service(SofLandscape(domain, domain.business.sof, base_url, legato),
                                    "uni-east-1-1", "uni-west-3-1", 460, "acme-corp")
        at = datetime.now(UTC) + timedelta(seconds=8)
        order_id = acme.create_order(change_order(change_item("1", service_id, EVC_TYPE, 200), start=at))["id"]

        server.should_exit = True  # the domain stops while the change waits
        thread.join(timeout=10)
        domain.stop()
        assert datetime.now(UTC) < at, "the restart began after the change's time: the test proves nothing"
        domain, server, thread = start(_at(port))

        done = wait_until(lambda: (o := acme.get_order(order_id))["state"] in ("completed", "failed") and o,
                          timeout=90, interval=0.3, what="the change to be applied after the restart")
        assert done["state"] == "completed", done
        began = datetime.fromisoformat(done["startDate"].replace("Z", "+00:00"))
        assert (began if began.tzinfo else began.replace(tzinfo=UTC)) >= at - timedelta(seconds=0.5), done
        design = legato.get_service(service_id)["serviceConfiguration"]["cadenzaDesign"]
        assert design["bandwidthMbps"] == 200
        segment = design["segments"][0]
        assert domain.business is not None
        assert domain.business.sof.presto.get_connectivity_service(segment["networkDomain"],
                                                                   segment["uuid"]).bandwidth_mbps == 200
        # once: one fulfilment run of the order, none restarted, and no second order
        assert DBOS.get_workflow_status(order_id).status == "SUCCESS"
        assert DBOS.get_workflow_status(f"{order_id}-restart-1") is None
        with domain.database.read() as session:
            assert session.scalar(select(func.count()).select_from(ServiceOrderRow)
                                  .where(ServiceOrderRow.interface == "allegro")) == 1
    finally:
        acme.close()
        legato.close()
        server.should_exit = True
        thread.join(timeout=10)
        domain.stop()
