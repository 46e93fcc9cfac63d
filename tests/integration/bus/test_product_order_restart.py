"""A product order whose workflow ended without finishing (a step raised what it should not
have) is not left in progress for ever: the next start runs it again under a new id, the new
run finds the service order it had placed (by its externalId), and nothing is ordered twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dbos import DBOS
from sqlalchemy import func, select

from cadenza.bus import fulfilment
from cadenza.core.client_credentials import ClientCredentials
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.landscape.config import load_domain_config
from cadenza.landscape.domain import ProviderDomain
from cadenza.sof.rows import ServiceOrderRow
from tests.e2e.conftest import CONTACT, ORDERS, epl, item, site
from tests.helpers.servers import reserve, start_server, wait_until

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"


@pytest.fixture
def sp(database_url: str, tmp_path: Path) -> Iterator[tuple[ProviderDomain, httpx.Client]]:
    sock = reserve()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    domain = ProviderDomain(load_domain_config(DEMO), database_url=database_url, var_dir=tmp_path / "sp",
                            netconf_base_port=0, public_url=base_url)
    server, thread = start_server(domain.start(), sock)
    token = ClientCredentials(base_url, "acme", "acme-demo-secret")()
    acme = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    try:
        yield domain, acme
    finally:
        acme.close()
        server.should_exit = True
        thread.join(timeout=10)
        domain.stop()


def test_a_product_order_whose_workflow_ended_in_error_is_run_again_at_start(
        sp: tuple[ProviderDomain, httpx.Client], monkeypatch: pytest.MonkeyPatch) -> None:
    domain, acme = sp

    def broken(*_args: object) -> None:
        raise RuntimeError("billing bug")

    monkeypatch.setattr(fulfilment, "finish_product_order", broken)  # delivered, then the workflow fails
    placed = acme.post(f"{ORDERS}/productOrder", json={"relatedContactInformation": CONTACT, "productOrderItem": [
        item("epl", "epl", epl(100), site("site-east-1-1"), site("site-west-1-1"))]})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    workflow = fulfilment.workflow_id(order_id)
    wait_until(lambda: (s := DBOS.get_workflow_status(workflow)) is not None and s.status == "ERROR",
               timeout=90, what="the order's workflow to end in ERROR")
    assert acme.get(f"{ORDERS}/productOrder/{order_id}").json()["state"] == "inProgress"

    monkeypatch.undo()
    assert domain.business is not None
    domain.business.after_launch()  # what the next start does
    done = wait_until(lambda: (o := acme.get(f"{ORDERS}/productOrder/{order_id}").json())["state"]
                      in ("completed", "failed") and o, timeout=90, what="the order to finish")
    assert done["state"] == "completed", done
    # the order's state is written by the workflow's last step, a moment before the workflow ends
    wait_until(lambda: DBOS.get_workflow_status(f"{workflow}-restart-1").status == "SUCCESS", timeout=30,
               what="the restarted workflow to end")
    with domain.database.read() as session:
        assert session.scalar(select(func.count()).select_from(ServiceOrderRow)) == 1, "ordered twice"
        assert session.scalar(select(func.count()).select_from(ConnectivityServiceRow)) == 1, "configured twice"
