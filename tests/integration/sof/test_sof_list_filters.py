"""LEGATO lists filter in the database before paging: an order or service older than the first
100 is found by its filter, and X-Total-Count counts the matches, not the rows read."""

from __future__ import annotations

from datetime import timedelta

from cadenza.core.ids import new_id
from cadenza.sof.rows import ServiceOrderItemRow, ServiceOrderRow, ServiceRow
from tests.integration.sof.conftest import SofLandscape
from tests.integration.sof.test_legato_on_net import evc_order

ORDERS = "/mefApi/legato/serviceOrderingManagement/v5/serviceOrder"
SERVICES = "/mefApi/legato/serviceInventory/v5/service"
NEWER = 130


def _copy(row: object, **changes: object) -> object:
    columns = {c.key: getattr(row, c.key) for c in type(row).__table__.columns}  # type: ignore[attr-defined]
    return type(row)(**{**columns, **changes})


def test_an_old_order_and_its_service_are_found_among_many_newer_ones(sof_landscape: SofLandscape) -> None:
    first = sof_landscape.legato.create_service_order(evc_order("uni-east-1-1", 100, "uni-west-3-1", 200, 50))
    done = sof_landscape.wait_for_order(first["id"], "completed", "failed")
    assert done["state"] == "completed", done
    service_id = done["serviceOrderItem"][0]["service"]["id"]

    # Many newer orders, each with its service, copied from the real one; a third of them failed.
    with sof_landscape.domain.database.transaction() as session:
        order = session.get(ServiceOrderRow, first["id"])
        [item] = session.query(ServiceOrderItemRow).filter_by(order_id=order.id).all()
        service = session.get(ServiceRow, service_id)
        for n in range(1, NEWER + 1):
            order_id, copy_id, later = new_id(), new_id(), timedelta(seconds=n)
            session.add(_copy(order, id=order_id, external_id=f"copy-{n}", order_date=order.order_date + later,
                              state="failed" if n % 3 == 0 else "completed"))
            session.add(_copy(item, order_id=order_id, service_id=copy_id))
            session.add(_copy(service, id=copy_id, created_at=service.created_at + later,
                              state="terminated" if n % 3 == 0 else "active",
                              order_items=[{"itemId": item.item_id, "serviceOrderId": order_id}]))
        # another party's orders count for nobody here
        for n in range(5):
            session.add(_copy(order, id=new_id(), party="someone-else", external_id="bus-42",
                              order_date=order.order_date + timedelta(seconds=n)))

    with sof_landscape.client("sp-bus", "bus-demo-secret") as bus:
        oldest = bus.get(ORDERS, params={"externalId": "bus-42"})
        assert oldest.status_code == 200, oldest.text
        assert [o["id"] for o in oldest.json()] == [first["id"]] and oldest.headers["X-Total-Count"] == "1"

        failed = bus.get(ORDERS, params={"state": "failed", "limit": 10, "offset": 40})
        assert failed.headers["X-Total-Count"] == str(NEWER // 3) == "43"
        assert len(failed.json()) == 3 and {o["state"] for o in failed.json()} == {"failed"}
        everything = bus.get(ORDERS, params={"limit": 1000})
        assert everything.headers["X-Total-Count"] == str(NEWER + 1) == str(len(everything.json()))

        by_order = bus.get(SERVICES, params={"serviceOrder.id": first["id"]})
        assert by_order.status_code == 200, by_order.text
        assert [s["id"] for s in by_order.json()] == [service_id] and by_order.headers["X-Total-Count"] == "1"

        active = bus.get(SERVICES, params={"state": "active", "limit": 100})
        assert active.headers["X-Total-Count"] == str(1 + NEWER - NEWER // 3) == "88"
        assert active.headers["X-Result-Count"] == "88" and {s["state"] for s in active.json()} == {"active"}
        page = bus.get(SERVICES, params={"state": "active", "offset": 80, "limit": 100})
        assert page.headers["X-Total-Count"] == "88" and len(page.json()) == 8
        ids = [s["id"] for s in active.json()]
        assert ids[0] == service_id and [s["id"] for s in page.json()] == ids[80:]
