"""A service as its customer sees it over ALLEGRO Service Inventory v2: what was ordered and
its state, without how the provider built it.

The MEF service configuration travels as ordered, with the operational state read from the
segments for Carrier Ethernet services; the design (segments, S-VLANs, the partner leg) stays
the provider's and is shown only over LEGATO. Order references are left out: the service was
ordered through the customer's product order (CANTATA), not an ALLEGRO service order.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from cadenza.core.clock import iso
from cadenza.sof.channels import CUSTOMER_SERVICES
from cadenza.sof.rows import ServiceRow
from cadenza.sof.views import CARRIER_ETHERNET_TYPES

__all__ = ["customer_service_view"]


def customer_service_view(row: ServiceRow) -> dict[str, Any]:
    configuration = dict(row.configuration)
    if configuration.get("@type") in CARRIER_ETHERNET_TYPES:
        configuration["operationalState"] = {"state": row.operational_state}
    body: dict[str, Any] = {"id": row.id, "href": CUSTOMER_SERVICES.href("service", row.id), "state": row.state,
                            "serviceType": row.service_type, "serviceConfiguration": configuration}
    if row.start_date is not None:
        body["startDate"] = iso(row.start_date.astimezone(UTC))
    if row.end_date is not None:
        body["endDate"] = iso(row.end_date.astimezone(UTC))
    return body
