"""Work orders and appointments as the spec's operations answer them: the whole resource when
retrieved, the `_Find` summary in a list (MEF 137 R30, R51), without what the seller keeps for
itself (`_seller`)."""

from __future__ import annotations

from typing import Any

__all__ = ["work_order_view", "work_order_find_view", "appointment_view", "appointment_find_view"]

_WORK_ORDER_FIND = ("id", "appointmentRequired", "place", "relatedEntity", "state")
_APPOINTMENT_FIND = ("id", "href", "relatedPlace", "status", "validFor", "workOrder")


def work_order_view(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if not k.startswith("_")}


def work_order_find_view(document: dict[str, Any]) -> dict[str, Any]:
    return {name: document[name] for name in _WORK_ORDER_FIND if name in document}


def appointment_view(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if not k.startswith("_")}


def appointment_find_view(document: dict[str, Any]) -> dict[str, Any]:
    return {name: document[name] for name in _APPOINTMENT_FIND if name in document}
