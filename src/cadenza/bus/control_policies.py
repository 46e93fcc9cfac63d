"""What a customer may change of each product itself, over ALLEGRO, and within which bounds
(MEF 55.0.1 §10.3 step 1: "dynamic behavior at the service level is derived from the customer
product contract"). Declared per offering here; a domain's YAML (`dynamic_control`) replaces
an offering's policy with its own. The BUS sends the policy with the LEGATO order of the
product's service (bus/fulfilment.py), and the SOF holds every change to it.

Wholesale offerings (SONATA) and UNIs have none: a buyer changes an Access E-Line by a
product order, and a UNI's port is what it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from cadenza.interfaces.legato.control_policy import BandwidthBounds, CeVlanChange, ControlPolicy

__all__ = ["DEFAULT_POLICIES", "control_policy"]

# An EVC's rate changes in 10 Mbit/s steps up to the 1 Gbit/s the catalog sells; each end point
# holds the same rate (one figure both ways), within a UNI port of 1 Gbit/s.
_EVC_RATE = BandwidthBounds(minMbps=10, maxMbps=1000, stepMbps=10)
_END_POINT_RATE = BandwidthBounds(minMbps=1, maxMbps=1000, stepMbps=1)

DEFAULT_POLICIES: Mapping[str, ControlPolicy] = {
    "evpl": ControlPolicy(bandwidth=_EVC_RATE, endPointBandwidth=_END_POINT_RATE,
                          ceVlanChange=CeVlanChange(allowed=True, lowest=2, highest=4094),
                          maxChangesPerDay=10, maxScheduleAheadDays=30),
    # port-based: every frame of the UNI is the customer's, there is no CE-VLAN to change
    "epl": ControlPolicy(bandwidth=_EVC_RATE, endPointBandwidth=_END_POINT_RATE, maxChangesPerDay=10,
                         maxScheduleAheadDays=30),
    "internet-access": ControlPolicy(bandwidth=_EVC_RATE, maxChangesPerDay=4, maxScheduleAheadDays=30),
}


def control_policy(offering_id: str | None, overrides: Mapping[str, ControlPolicy]) -> ControlPolicy | None:
    """The policy of `offering_id` in this domain: its YAML's, else the catalog's, else none."""
    if offering_id is None:
        return None
    return overrides.get(offering_id) or DEFAULT_POLICIES.get(offering_id)
