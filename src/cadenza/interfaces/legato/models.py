"""LEGATO service order and service inventory payloads, with the spec's names
(serviceOrderingManagement.api.yaml and serviceInventoryManagement.api.yaml, Legato v5).

Requests are parsed into these models; responses are rendered through them, so a field the
spec does not know never leaks out. `serviceConfiguration` and `place` are open objects
discriminated by `@type`, as in the spec.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ServiceActionType",
    "ServiceOrderStateType",
    "ServiceStateType",
    "NoteBusSof",
    "TerminationError",
    "ServiceRef",
    "ServiceRelationship",
    "RelatedPlaceRefOrValue",
    "MefServiceConfiguration",
    "ServiceValue",
    "ServiceOrderItemCreate",
    "ServiceOrderCreate",
    "ServiceOrderItem",
    "ServiceOrder",
    "ServiceOrderItemRef",
    "Service",
]

ServiceActionType = Literal["add", "modify", "delete"]
ServiceOrderStateType = Literal["acknowledged", "rejected", "pending", "held", "inProgress", "completed", "failed",
                                "partial"]
ServiceStateType = Literal["feasibilityChecked", "designed", "reserved", "inactive", "active", "terminated"]


class _Spec(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class _Open(BaseModel):
    """An object whose shape depends on its `@type`: every property is kept."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")


class NoteBusSof(_Spec):
    author: str
    date: datetime
    id: str
    source: Literal["bus", "sof"]
    text: str


class TerminationError(_Spec):
    code: str | None = None
    propertyPath: str | None = None
    value: str | None = None


class ServiceRef(_Spec):
    id: str
    href: str | None = None


class ServiceRelationship(_Spec):
    relationshipType: str
    service: ServiceRef


class RelatedPlaceRefOrValue(_Open):
    type: str = Field(alias="@type")
    role: str


class MefServiceConfiguration(_Open):
    type: str = Field(alias="@type")


class ServiceValue(_Spec):
    id: str | None = None
    href: str | None = None
    description: str | None = None
    externalId: str | None = None
    name: str | None = None
    serviceType: str | None = None
    state: ServiceStateType | None = None
    startDate: datetime | None = None
    endDate: datetime | None = None
    note: list[NoteBusSof] | None = None
    place: list[RelatedPlaceRefOrValue] | None = None
    serviceRelationship: list[ServiceRelationship] | None = None
    serviceConfiguration: MefServiceConfiguration | None = None
    relatedContactInformation: list[dict[str, Any]] | None = None


class ServiceOrderItemCreate(_Spec):
    id: str = Field(min_length=1, max_length=100)
    action: ServiceActionType
    service: ServiceValue
    note: list[NoteBusSof] | None = None


class ServiceOrderCreate(_Spec):
    serviceOrderItem: list[ServiceOrderItemCreate] = Field(min_length=1)
    requestedStartDate: datetime
    requestedCompletionDate: datetime
    description: str | None = None
    externalId: str | None = None
    note: list[NoteBusSof] | None = None


class ServiceOrderItem(_Spec):
    id: str
    action: ServiceActionType
    service: ServiceValue
    state: ServiceOrderStateType
    terminationError: list[TerminationError] | None = None
    note: list[NoteBusSof] | None = None


class ServiceOrder(_Spec):
    id: str
    href: str | None = None
    state: ServiceOrderStateType
    orderDate: datetime
    requestedStartDate: datetime
    requestedCompletionDate: datetime
    startDate: datetime | None = None
    completionDate: datetime | None = None
    description: str | None = None
    externalId: str | None = None
    note: list[NoteBusSof] | None = None
    serviceOrderItem: list[ServiceOrderItem]


class ServiceOrderItemRef(_Spec):
    itemId: str
    serviceOrderId: str | None = None
    serviceOrderHref: str | None = None


class Service(_Spec):
    """The inventory's Service. The spec lists no `id`; Cadenza adds `id` and `href` (the
    resource is retrieved by id), which the schema allows."""

    id: str
    href: str | None = None
    description: str | None = None
    externalId: str | None = None
    serviceType: str | None = None
    state: ServiceStateType | None = None
    startDate: datetime | None = None
    endDate: datetime | None = None
    serviceDate: str | None = None
    place: list[RelatedPlaceRefOrValue] | None = None
    serviceOrderItem: list[ServiceOrderItemRef] | None = None
    serviceRelationship: list[ServiceRelationship] | None = None
    serviceConfiguration: MefServiceConfiguration | None = None
    note: list[NoteBusSof] | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
