"""An order whose workflow ended without finishing (a step raised what it should not have) is
not left in progress for ever: the next start runs it again under a new id, the new run skips
what is done, and nothing is configured or reserved twice."""

from __future__ import annotations

from typing import Any

import pytest
from dbos import DBOS
from sqlalchemy import func, select

from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.sof import fulfilment, steps
from tests.helpers.servers import wait_until
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.test_legato_on_net import evc_order


def test_an_order_whose_workflow_ended_in_error_is_run_again_at_start(sof_landscape: SofLandscape,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_sof_name: str, _order_id: str, _last_item: dict[str, Any] | None = None) -> str:
        raise RuntimeError("service inventory bug")

    # every item is delivered, then the workflow fails (before recording the last item's end)
    monkeypatch.setattr(steps, "finish_order", broken)
    created = sof_landscape.legato.create_service_order(evc_order("uni-east-1-2", 110, "uni-west-3-2", 210, 100))
    order_id = created["id"]
    wait_until(lambda: (s := DBOS.get_workflow_status(order_id)) is not None and s.status == "ERROR",
               timeout=60, what="the order's workflow to end in ERROR")
    assert sof_landscape.legato.get_service_order(order_id)["state"] == "inProgress"

    monkeypatch.undo()
    assert fulfilment.resume_all(sof_landscape.sof) == 1
    done = sof_landscape.wait_for_order(order_id, "completed", "failed")
    assert done["state"] == "completed", done
    # the order's state is written by the workflow's last step, a moment before the workflow ends
    wait_until(lambda: DBOS.get_workflow_status(f"{order_id}-restart-1").status == "SUCCESS", timeout=30,
               what="the restarted workflow to end")
    service = sof_landscape.legato.get_service(created["serviceOrderItem"][0]["service"]["id"])
    assert service["state"] == "active"
    with sof_landscape.domain.database.read() as session:
        assert session.scalar(select(func.count()).select_from(ConnectivityServiceRow)) == 1, "configured twice"
    assert fulfilment.resume_all(sof_landscape.sof) == 0
