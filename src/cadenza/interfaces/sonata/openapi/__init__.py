"""The official SONATA OpenAPI files Cadenza serves, verbatim from MEF LSO (Grace): the Seller's
management APIs (and Trouble Ticket, interfaces/sonata/trouble_ticket.py), and the product order
Notification API the Buyer listens on (below its callback)."""

from __future__ import annotations

from pathlib import Path

from cadenza.core.openapi_validation import ServedSpec
from cadenza.interfaces import product_openapi
from cadenza.interfaces.product_openapi import MANAGEMENT_APIS
from cadenza.interfaces.sonata import trouble_ticket, workforce

__all__ = ["SPEC_DIR", "MANAGEMENT_APIS", "NOTIFICATION_APIS", "served_specs"]

SPEC_DIR = Path(__file__).parent
NOTIFICATION_APIS = ("productApi/order/productOrderNotification.api.yaml",)


def served_specs() -> list[ServedSpec]:
    return [*product_openapi.served_specs(SPEC_DIR, notification_apis=NOTIFICATION_APIS),
            *trouble_ticket.served_specs(),
            *workforce.served_specs()]
