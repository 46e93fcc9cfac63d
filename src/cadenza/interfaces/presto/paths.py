"""PRESTO (MEF 60 NRP, TAPI 2.0 based) paths.

The spec's base path is `/restconf`; one provider domain runs one ICM per network domain, so
Cadenza mounts each ICM's RESTCONF tree under `/presto/{network-domain}` (docs/presto-profile.md).
"""

from __future__ import annotations

__all__ = ["icm_base", "events_api", "OPERATIONS", "DATA_CONTEXT", "SPEC_FILE", "LISTENER_BASE", "STATE_CHANGE_EVENT",
           "NODE_STATE_CHANGE_EVENT", "SIP_STATE_CHANGE_EVENT", "THRESHOLD_CROSSING_EVENT", "EVENT_TYPES", "ENABLED",
           "DISABLED", "PLANNED", "MODIFYING"]

SPEC_FILE = "presto/api/swagger/presto-nrp.yaml"

OPERATIONS = "/restconf/operations"
DATA_CONTEXT = "/restconf/data/context"


def icm_base(network_domain: str) -> str:
    return f"/presto/{network_domain}"


# Cadenza profile: TAPI notifications as MEF-style hub events (docs/presto-profile.md).
LISTENER_BASE = "/cadenza/presto/notification/v1"
STATE_CHANGE_EVENT = "connectivityServiceStateChangeEvent"
# The Cadenza `state` a connectivity service begins in, as its state change events carry it.
PLANNED = "planned"
# The state of a service whose change the ICM has decided and its elements are taking.
MODIFYING = "modifying"
# The operational state of the topology's nodes and edge points (TAPI object types NODE and
# SERVICE_INTERFACE_POINT), published when the network's faults change it.
NODE_STATE_CHANGE_EVENT = "nodeStateChangeEvent"
SIP_STATE_CHANGE_EVENT = "serviceInterfacePointStateChangeEvent"
# A TAPI THRESHOLD_CROSSING_ALERT (tapi-notification tca-info) on a connectivity service's PM.
THRESHOLD_CROSSING_EVENT = "connectivityServiceThresholdCrossingEvent"
# TAPI OperationalState (tapi-common.yang): whether the object can carry traffic now.
ENABLED = "ENABLED"
DISABLED = "DISABLED"
EVENT_TYPES = frozenset({STATE_CHANGE_EVENT, NODE_STATE_CHANGE_EVENT, SIP_STATE_CHANGE_EVENT, THRESHOLD_CROSSING_EVENT})


def events_api(network_domain: str) -> str:
    """The hub name under which an ICM's connectivity service events are subscribed."""
    return f"presto.{network_domain}"
