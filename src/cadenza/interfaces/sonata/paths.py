"""SONATA (MEF LSO Grace) base paths, listener paths and event types, as the specs write them.

Management APIs live on the Seller; Notification APIs on the Buyer, whose listener paths are
`{callback}{NOTIFICATION base}/listener/{eventType}`. CANTATA uses the same payloads under
its own base paths, so `cantata_*` siblings sit here too for code serving both families.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "Family",
    "POQ_BASE",
    "POQ_LISTENER_BASE",
    "QUOTE_BASE",
    "QUOTE_LISTENER_BASE",
    "PRODUCT_ORDER_BASE",
    "PRODUCT_ORDER_LISTENER_BASE",
    "PRODUCT_INVENTORY_BASE",
    "POQ_EVENTS",
    "QUOTE_EVENTS",
    "PRODUCT_ORDER_EVENTS",
    "POQ_SPEC",
    "QUOTE_SPEC",
    "poq_base",
    "poq_listener_base",
    "quote_base",
    "quote_listener_base",
    "poq_spec",
    "quote_spec",
]

Family = Literal["cantata", "sonata"]

POQ_BASE = "/mefApi/sonata/productOfferingQualification/v7"
POQ_LISTENER_BASE = "/mefApi/sonata/productOfferingQualificationNotification/v7"
QUOTE_BASE = "/mefApi/sonata/quoteManagement/v8"
QUOTE_LISTENER_BASE = "/mefApi/sonata/quoteNotification/v8"
PRODUCT_ORDER_BASE = "/mefApi/sonata/productOrderingManagement/v10"
PRODUCT_ORDER_LISTENER_BASE = "/mefApi/sonata/productOrderingNotification/v10"
PRODUCT_INVENTORY_BASE = "/mefApi/sonata/productInventory/v7"

_CANTATA_POQ_BASE = "/mefApi/cantata/productOfferingQualification/v1"
_CANTATA_POQ_LISTENER_BASE = "/mefApi/cantata/productOfferingQualificationNotification/v1"
_CANTATA_QUOTE_BASE = "/mefApi/cantata/quoteManagement/v2"
_CANTATA_QUOTE_LISTENER_BASE = "/mefApi/cantata/quoteNotification/v2"

# Event types of each Notification spec (its `...EventType` enum).
POQ_EVENTS = ("poqCreateEvent", "poqStateChangeEvent", "poqItemStateChangeEvent")
QUOTE_EVENTS = ("quoteStateChangeEvent", "quoteItemStateChangeEvent")
PRODUCT_ORDER_EVENTS = (
    "productOrderStateChangeEvent",
    "productOrderItemStateChangeEvent",
    "productOrderItemExpectedCompletionDateSet",
    "productSpecificProductOrderItemMilestoneEvent",
    "cancelProductOrderStateChangeEvent",
    "chargeCreateEvent",
    "chargeStateChangeEvent",
    "chargeTimeoutEvent",
    "modifyProductOrderItemRequestedDeliveryDateStateChangeEvent",
)

# The spec files, relative to the mef-lso root (for conformance tests).
POQ_SPEC = "sonata/productApi/serviceability/offeringQualification/productOfferingQualificationManagement.api.yaml"
QUOTE_SPEC = "sonata/productApi/quote/quoteManagement.api.yaml"


def poq_base(family: Family) -> str:
    return POQ_BASE if family == "sonata" else _CANTATA_POQ_BASE


def poq_listener_base(family: Family) -> str:
    return POQ_LISTENER_BASE if family == "sonata" else _CANTATA_POQ_LISTENER_BASE


def quote_base(family: Family) -> str:
    return QUOTE_BASE if family == "sonata" else _CANTATA_QUOTE_BASE


def quote_listener_base(family: Family) -> str:
    return QUOTE_LISTENER_BASE if family == "sonata" else _CANTATA_QUOTE_LISTENER_BASE


def poq_spec(family: Family) -> str:
    return POQ_SPEC.replace("sonata/", f"{family}/", 1)


def quote_spec(family: Family) -> str:
    return QUOTE_SPEC.replace("sonata/", f"{family}/", 1)
