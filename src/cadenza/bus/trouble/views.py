"""A trouble ticket as the spec's operations answer it: the whole `TroubleTicket` when created
or retrieved (the stored document), the `TroubleTicket_Find` summary in a list (MEF 124 R23)."""

from __future__ import annotations

from typing import Any

__all__ = ["ticket_find_view"]

_FIND = ("id", "externalId", "description", "relatedEntity", "observedImpact", "priority", "sellerPriority",
         "severity", "sellerSeverity", "ticketType", "status", "creationDate", "expectedResolutionDate",
         "resolutionDate")


def ticket_find_view(document: dict[str, Any]) -> dict[str, Any]:
    # R23 puts each attribute in "if set": a ticket not yet resolved has no resolutionDate
    return {name: document[name] for name in _FIND if name in document}
