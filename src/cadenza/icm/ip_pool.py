"""IPv4 addressing for Internet Access: one subnet of a gateway's pool per service.

An Internet gateway's edge point declares its pool (`ipv4_pool`, e.g. 203.0.113.0/24) and the
size of each service's subnet (`ipv4_subnet_length`, /30 by default). A service gets the
lowest subnet nobody holds: the gateway takes its first host address, the subscriber the next
(handed out by DHCP, MEF 69.1 Basic Internet Access). The allocation is a row of its own,
unique per subnet, written in the same transaction as the service's other resources and
given back with them (`ResourceInventory.release`), so the subnet is free again once the service is gone.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadenza.icm.resources import ResourceUnavailable
from cadenza.icm.rows import IpAllocationRow
from cadenza.icm.topology import EdgePoint
from cadenza.interfaces.adagio.contract import IpInterface

__all__ = ["IpAssignment", "allocate"]


@dataclass(frozen=True, slots=True)
class IpAssignment:
    edge_point: str
    prefix: str  # the subscriber's subnet, e.g. 203.0.113.4/30
    gateway_address: str
    subscriber_address: str

    def interface(self, end_point: str) -> IpInterface:
        return IpInterface(end_point, self.gateway_address, self.prefix_length, self.subscriber_address)

    @property
    def prefix_length(self) -> int:
        return ipaddress.IPv4Network(self.prefix).prefixlen

    def to_json(self) -> dict[str, str]:
        return {"edge_point": self.edge_point, "prefix": self.prefix, "gateway_address": self.gateway_address,
                "subscriber_address": self.subscriber_address}


def _assignment(edge: EdgePoint, subnet: ipaddress.IPv4Network) -> IpAssignment:
    gateway, subscriber = list(subnet.hosts())[:2]
    return IpAssignment(edge.id, str(subnet), str(gateway), str(subscriber))


def allocate(session: Session, domain: str, edge: EdgePoint, service_uuid: str) -> IpAssignment:
    """The lowest free subnet of the gateway's pool, held for `service_uuid` from commit on
    (a concurrent holder of the same subnet fails the commit: the caller plans again)."""
    assert edge.ipv4_pool is not None
    held = set(session.scalars(select(IpAllocationRow.prefix).where(
        IpAllocationRow.network_domain == domain, IpAllocationRow.edge_point == edge.id)))
    held |= {row.prefix for row in session.new  # planned in this transaction, not yet written
             if isinstance(row, IpAllocationRow) and row.network_domain == domain and row.edge_point == edge.id}
    for subnet in ipaddress.IPv4Network(edge.ipv4_pool).subnets(new_prefix=edge.ipv4_subnet_length):
        if str(subnet) not in held:
            session.add(IpAllocationRow(network_domain=domain, edge_point=edge.id, prefix=str(subnet),
                                        service_uuid=service_uuid))
            return _assignment(edge, subnet)
    raise ResourceUnavailable(f"Every /{edge.ipv4_subnet_length} of Internet gateway {edge.id}'s pool "
                              f"{edge.ipv4_pool} is in use", property_path="/input/end-point")

