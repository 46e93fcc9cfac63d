"""LEGATO (MEF 99 Legato v5) base paths, event types and the MEF service schema `@type`s
Cadenza's SOF accepts (docs/legato-profile.md)."""

from __future__ import annotations

__all__ = [
    "ORDERING_BASE",
    "INVENTORY_BASE",
    "ORDER_LISTENER_BASE",
    "INVENTORY_LISTENER_BASE",
    "ORDER_EVENT_TYPES",
    "ORDER_CREATE_EVENT",
    "SERVICE_EVENT_TYPES",
    "ORDER_SPEC_FILE",
    "INVENTORY_SPEC_FILE",
    "EVC_TYPE",
    "OVC_TYPE",
    "IPVC_TYPE",
    "WAITING_NOTE_PREFIX",
    "OPERATIONAL_ENABLED",
    "OPERATIONAL_DISABLED",
]

ORDERING_BASE = "/mefApi/legato/serviceOrderingManagement/v5"
INVENTORY_BASE = "/mefApi/legato/serviceInventory/v5"
# The BUS serves these (the Notification specs' own base paths), below its hub callback.
ORDER_LISTENER_BASE = "/mefApi/legato/serviceOrderingNotification/v5"
INVENTORY_LISTENER_BASE = "/mefApi/legato/serviceInventoryNotification/v5"

ORDER_CREATE_EVENT = "serviceOrderCreateEvent"
ORDER_EVENT_TYPES = (ORDER_CREATE_EVENT, "serviceOrderStateChangeEvent", "serviceOrderItemStateChangeEvent",
                     "serviceOrderInformationRequiredEvent")
SERVICE_EVENT_TYPES = ("serviceCreateEvent", "serviceDeleteEvent", "serviceStateChangeEvent",
                       "serviceAttributeValueChangeEvent")

ORDER_SPEC_FILE = "legato/serviceApi/order/serviceOrderingManagement.api.yaml"
INVENTORY_SPEC_FILE = "legato/serviceApi/inventory/serviceInventoryManagement.api.yaml"

# The `$id`s of legato/serviceSchema/carrierEthernet/carrierEthernetEvc.yaml and ...Ovc.yaml.
EVC_TYPE = "urn:mef:lso:spec:legato:carrier-ethernet-evc:v0.0.1:all"
OVC_TYPE = "urn:mef:lso:spec:legato:carrier-ethernet-ovc:v0.0.1:all"
# The `$id` of legato/serviceSchema/ip/ipvc.yaml: an Internet Access is an IPVC (MEF 69.1).
IPVC_TYPE = "urn:mef:lso:spec:legato:ipvc:v0.0.4:all"

# A `held` service order carries a note (source "sof") whose id starts with this, saying what
# its held item waits for (docs/legato-profile.md, "Held orders").
WAITING_NOTE_PREFIX = "sof-waiting-"

# carrierEthernetCommon.yaml#/definitions/OperationalState (ITU-T X.731), the `state` of an EVC's
# or OVC's `operationalState`: whether the service can carry traffic now.
OPERATIONAL_ENABLED = "ENABLED"
OPERATIONAL_DISABLED = "DISABLED"
