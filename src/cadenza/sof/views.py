"""Rendering SOF rows as LEGATO payloads (the same at the INTERLUDE paths)."""

from __future__ import annotations

from typing import Any

from cadenza.interfaces.legato.models import Service, ServiceOrder
from cadenza.interfaces.legato.paths import EVC_TYPE, OVC_TYPE
from cadenza.sof.channels import ORDERS, SERVICES
from cadenza.sof.rows import ServiceOrderItemRow, ServiceOrderRow, ServiceRow

__all__ = ["order_view", "service_view"]

# The @types whose schema (carrierEthernetCommon.yaml#/definitions/CarrierEthernetService) has
# an operationalState.
CARRIER_ETHERNET_TYPES = frozenset({EVC_TYPE, OVC_TYPE})


def _item(item: ServiceOrderItemRow, service: ServiceRow | None, interface: str) -> dict[str, Any]:
    value = {**item.service, "id": item.service_id, "href": SERVICES[interface].href("service", item.service_id)}
    if service is not None:
        value["state"] = service.state
    view: dict[str, Any] = {"id": item.item_id, "action": item.action, "state": item.state, "service": value}
    if item.termination_error:
        view["terminationError"] = item.termination_error
    return view


def order_view(order: ServiceOrderRow, items: list[ServiceOrderItemRow],
               services: dict[str, ServiceRow]) -> dict[str, Any]:
    body = {"id": order.id, "href": ORDERS[order.interface].href("serviceOrder", order.id), "state": order.state,
            "orderDate": order.order_date, "requestedStartDate": order.requested_start,
            "requestedCompletionDate": order.requested_completion, "startDate": order.start_date,
            "completionDate": order.completion_date, "description": order.description,
            "externalId": order.external_id, "note": order.notes or None,
            "serviceOrderItem": [_item(i, services.get(i.service_id), order.interface) for i in items]}
    return ServiceOrder.model_validate(body).model_dump(mode="json", by_alias=True, exclude_none=True)


def service_view(row: ServiceRow) -> dict[str, Any]:
    # Cadenza profile: what SOF built (segments, S-VLANs, partner leg) and the last activation
    # test travel in documented extra properties beside the MEF attributes.
    configuration = {**row.configuration, "cadenzaDesign": {
        "bandwidthMbps": row.bandwidth_mbps,
        "segments": row.design.get("segments", []),
        "junctions": row.design.get("junctions", []),
        "partner": row.design.get("partner"),
        "reason": row.reason}}
    if row.design.get("internet"):  # an Internet Access: its gateway and the addressing it was given
        configuration["cadenzaDesign"]["internet"] = row.design["internet"]
    if row.test is not None:
        configuration["cadenzaActivationTest"] = row.test
    if row.configuration.get("@type") in CARRIER_ETHERNET_TYPES:  # the IPVC schema has no operationalState
        configuration["operationalState"] = {"state": row.operational_state}
    body = {"id": row.id, "href": SERVICES[row.interface].href("service", row.id), "state": row.state,
            "serviceType": row.service_type, "externalId": row.external_id, "description": row.name,
            "startDate": row.start_date, "endDate": row.end_date, "serviceConfiguration": configuration,
            "serviceOrderItem": [{**ref, "serviceOrderHref": ORDERS[row.interface].href("serviceOrder",
                                                                                       ref["serviceOrderId"])}
                                 for ref in row.order_items]}
    return Service.model_validate(body).to_json()
