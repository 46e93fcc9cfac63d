"""Where one family's work orders and appointments are served and heard of: CANTATA for the
SP's customers, SONATA for a provider buying from this domain (as the trouble tickets,
bus/trouble/ticket.py: a work order belongs to the family and the buyer of its ticket)."""

from __future__ import annotations

from dataclasses import dataclass

from cadenza.interfaces.cantata import workforce as cantata
from cadenza.interfaces.sonata import workforce as sonata

__all__ = ["WorkforceApi", "CANTATA_WORKFORCE", "SONATA_WORKFORCE", "workforce_api"]


@dataclass(frozen=True, slots=True)
class WorkforceApi:
    family: str
    work_order_base: str
    work_order_listener_base: str
    work_order_api: str
    appointment_base: str
    appointment_listener_base: str
    appointment_api: str
    scope: str


CANTATA_WORKFORCE = WorkforceApi("cantata", cantata.WORK_ORDER_BASE, cantata.WORK_ORDER_LISTENER_BASE,
                                 cantata.WORK_ORDER_API, cantata.APPOINTMENT_BASE, cantata.APPOINTMENT_LISTENER_BASE,
                                 cantata.APPOINTMENT_API, "cantata")
SONATA_WORKFORCE = WorkforceApi("sonata", sonata.SONATA_WORK_ORDER_BASE, sonata.SONATA_WORK_ORDER_LISTENER_BASE,
                                sonata.SONATA_WORK_ORDER_API, sonata.SONATA_APPOINTMENT_BASE,
                                sonata.SONATA_APPOINTMENT_LISTENER_BASE, sonata.SONATA_APPOINTMENT_API, "sonata")


def workforce_api(family: str) -> WorkforceApi:
    return {"cantata": CANTATA_WORKFORCE, "sonata": SONATA_WORKFORCE}[family]
