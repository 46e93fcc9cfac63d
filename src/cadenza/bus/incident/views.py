"""An incident as the spec's operations answer it: the whole `Incident` when retrieved (the
stored document), the `Incident_Find` summary in a list (MEF 124 R48)."""

from __future__ import annotations

from typing import Any

__all__ = ["incident_find_view"]

_FIND = ("id", "href", "relatedEntity", "description", "priority", "severity", "impact", "incidentType", "status",
         "creationDate", "situationStartDate", "expectedClosedDate", "closedDate")


def incident_find_view(document: dict[str, Any]) -> dict[str, Any]:
    return {name: document[name] for name in _FIND if name in document}
