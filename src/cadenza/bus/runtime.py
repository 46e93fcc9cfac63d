"""The Business Applications of one provider domain, as the workflows and routers see them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cadenza.bus.ordering import OfferingRules
from cadenza.bus.settings import BusSettings
from cadenza.core.db import Database
from cadenza.core.patience import Patience
from cadenza.interfaces.legato.client import LegatoClient

__all__ = ["Bus", "register", "bus_of"]


@dataclass
class Bus:
    config: BusSettings
    database: Database
    legato: LegatoClient  # to this domain's own SOF
    rules: OfferingRules
    wake: Callable[[], None]
    partners: Any  # cadenza.bus.partners.PartnerDirectory: SONATA clients and footprints
    # (offering, committed mbps, off_net, *, eir_mbps=0) -> charges for billing
    price: Callable[..., dict[str, Any]]
    public_url: str = ""  # where this domain answers: hrefs are absolute URIs, as the specs want
    services: dict[str, str] = field(default_factory=dict)  # service order id -> product order id, learned
    # per partner party: how work waits for it when it does not answer (default: Patience())
    partner_patience: dict[str, Patience] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def party(self) -> str:
        return self.config.party.id


_BUSES: dict[str, Bus] = {}


def register(bus: Bus) -> None:
    _BUSES[bus.name] = bus


def bus_of(name: str) -> Bus:
    return _BUSES[name]
