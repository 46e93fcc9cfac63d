"""The trouble ticket's states move exactly as MEF 124 Figure 9 draws them
(troubleTicketStates.puml), with the spec's status names, and each move tells the buyer what
the spec asks (R62, R64, R66)."""

from __future__ import annotations

import yaml

from cadenza.bus.trouble import ticket
from cadenza.interfaces.cantata.trouble_ticket import TICKET_EVENT_TYPES
from tests.helpers.mef import MEF_LSO
from tests.unit.bus.test_order_state_diagrams import declared, diagram_edges

DIAGRAM = MEF_LSO / "cantata/documentation/productApi/troubleTicket/media/src/troubleTicketStates.puml"
SPEC = MEF_LSO / "cantata/productApi/troubleTicket/troubleTicketManagement.api.yaml"
NOTIFICATION = MEF_LSO / "cantata/productApi/troubleTicket/troubleTicketNotification.api.yaml"


def _diagram() -> dict[str, set[str]]:
    """The diagram's edges, with `a <-l- b` (which the shared parser does not read) as b -> a."""
    edges = diagram_edges(DIAGRAM)
    for line in DIAGRAM.read_text().splitlines():
        parts = line.split(":")[0].split()
        if len(parts) == 3 and parts[1].startswith("<-"):
            edges.setdefault(parts[2], set()).add(parts[0])
    return edges


def test_the_ticket_moves_as_the_mef_124_ticket_diagram_draws() -> None:
    drawn = _diagram()
    assert drawn["pending"] == {"inProgress", "assessingCancellation"}  # the backwards arrow, read right
    assert declared(ticket.TRANSITIONS) == drawn
    schemas = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    assert set(ticket.TRANSITIONS) == set(schemas["TroubleTicketStatusType"]["enum"])
    assert {"closed", "cancelled"} == ticket.TERMINAL


def test_the_event_types_are_the_notification_files() -> None:
    schemas = yaml.safe_load(NOTIFICATION.read_text())["components"]["schemas"]
    assert set(TICKET_EVENT_TYPES) == set(schemas["TroubleTicketEventType"]["enum"])
