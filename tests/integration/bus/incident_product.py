"""acme's CANTATA EVPL between two sites, realised by the SOF's service `svc-1`, with acme and
globex listening at the trouble ticket hub: what the incident and trouble desk tests work on;
and the events queued for a listener there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cadenza.bus.product_inventory import new_product
from cadenza.core.db import Database
from cadenza.core.notifications.rows import EventSubscriptionRow, OutboxEventRow
from cadenza.core.notifications.store import HubStore
from cadenza.interfaces.cantata.trouble_ticket import TROUBLE_TICKET_API
from tests.integration.sof.openapi import assert_valid

__all__ = ["acme_evpl", "queued"]

NOTIFICATION = "cantata/productApi/troubleTicket/troubleTicketNotification.api.yaml"


def acme_evpl(database: Database, sites: tuple[str, ...] = ("site-east-1-1", "site-west-1-1")) -> str:
    """The product's id."""
    hubs = HubStore(database)
    for party in ("acme-corp", "globex"):
        hubs.subscribe(api=TROUBLE_TICKET_API, party=party, callback=f"https://{party}.example", query=None,
                       event_types=[])
    item = {"id": "1", "product": {"productOffering": {"id": "evpl"}, "productConfiguration": {}, "place": [
        {"@type": "GeographicSiteRef", "id": site} for site in sites]}}
    with database.transaction() as session:
        row = new_product(session, family="cantata", owner="acme-corp", base="/mefApi/cantata/productInventory/v1",
                          order_id="o-1", item=item)
        row.external_key = "svc-1"
        return row.id


def queued(database: Database, party: str, schema: str, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """(eventType, body) of each event whose type starts with `prefix` queued for `party`'s
    listener, in order; each body checked against the notification file's `schema`."""
    with database.read() as session:
        rows = session.execute(select(OutboxEventRow.event_type, OutboxEventRow.body).join(
            EventSubscriptionRow, EventSubscriptionRow.id == OutboxEventRow.subscription_id).where(
            EventSubscriptionRow.party == party, OutboxEventRow.event_type.like(f"{prefix}%")).order_by(
            OutboxEventRow.created_at, OutboxEventRow.id))
        found = []
        for event_type, body in rows:
            assert_valid(NOTIFICATION, schema, body)
            found.append((event_type, body))
        return found
