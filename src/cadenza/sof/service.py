"""The SOF service layer: accepting service orders (LEGATO from the BUS, INTERLUDE from a
buyer SOF), reading orders and services, and holding the S-VLANs it chooses.

An order is checked completely before it is stored: a bad one is answered 422 at once and
never exists; an accepted one is `acknowledged` and handed to its durable workflow
(`cadenza.sof.fulfilment`), whose id is the order id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cadenza.core.clock import now
from cadenza.core.db import Database
from cadenza.core.errors import Conflict, NotFound, Unprocessable
from cadenza.core.ids import new_id
from cadenza.core.patience import Patience
from cadenza.core.wakeups import WAKEUPS
from cadenza.interfaces.legato.control_policy import CONTROL_POLICY
from cadenza.interfaces.legato.models import ServiceOrderCreate, ServiceOrderItemCreate
from cadenza.interfaces.legato.paths import EVC_TYPE, IPVC_TYPE, OPERATIONAL_DISABLED, OVC_TYPE
from cadenza.interfaces.legato.placement import (
    ACCESS_PLACEMENT,
    EVC_PLACEMENT,
    INTERNET_PLACEMENT,
    AccessPlacement,
    EvcPlacement,
    InternetPlacement,
    ServiceChange,
)
from cadenza.interfaces.legato.usage import LegatoUsage
from cadenza.interfaces.presto.client import PrestoClient
from cadenza.sof import service_inventory as inventory
from cadenza.sof import service_order as orders
from cadenza.sof.alarms.alarm import Reporter
from cadenza.sof.channels import LEGATO
from cadenza.sof.control import store as control
from cadenza.sof.decomposition import NetworkMap
from cadenza.sof.design import access_design, evc_design, internet_design
from cadenza.sof.partner_access import PartnerAccess
from cadenza.sof.rows import ServiceOrderItemRow, ServiceOrderRow, ServiceRow, VlanChoiceRow
from cadenza.sof.segment_readings import SegmentReadings
from cadenza.sof.settings import SofSettings

__all__ = ["Sof", "cancel_news"]


def cancel_news(order_id: str) -> str:
    """The wake-up key a cancel of service order `order_id` notifies."""
    return f"sof-cancel:{order_id}"

S_VLANS = range(100, 4095)  # 1-99 stay free for operators' own use on INNIs and ENNIs


def _placement_error(exc: ValidationError, pointer: str) -> Unprocessable:
    first = exc.errors()[0]
    where = pointer + "".join(f"/{p}" for p in first["loc"])
    return Unprocessable(f"{where}: {first['msg']}", code="missingProperty" if first["type"] == "missing"
                         else "invalidValue", property_path=where)


class Sof:
    """One Service Orchestration Function: the provider's services across its network domains."""

    def __init__(self, *, name: str, config: SofSettings, database: Database, presto: PrestoClient,
                 partner_access: Mapping[str, PartnerAccess], wake: Callable[[], None] | None = None,
                 poll_interval_s: float = 0.2, activation_timeout_s: float = 120.0,
                 pm_interval_s: int = 60, partner_patience: Mapping[str, Patience] | None = None,
                 partner_names: Mapping[str, str] | None = None, public_url: str = "",
                 usage: LegatoUsage | None = None) -> None:
        """`public_url`: where the domain answers, the root of the hrefs the SOF renders;
        `usage`: where the usage events of changes go (its BUS over LEGATO; None: nowhere)."""
        self.name = name
        self.public_url = public_url.rstrip("/")
        self.alarm_reporter = Reporter(name, self.public_url)
        self.config = config
        self.database = database
        self.presto = presto
        self.readings = SegmentReadings(lambda nd, uuid: self.presto.get_connectivity_service(nd, uuid))
        self.partner_access = dict(partner_access)
        self.wake = wake
        self.network = NetworkMap(config)
        self.poll_interval_s = poll_interval_s
        self.activation_timeout_s = activation_timeout_s
        self.pm_interval_s = pm_interval_s
        # per partner party: how its segment is waited for when it does not answer, and its name
        self.partner_patience = dict(partner_patience or {})
        self.partner_names = dict(partner_names or {})
        self.usage = usage

    # -- reads ----------------------------------------------------------------------------
    def order(self, session: Session, order_id: str, party: str | None,
              interface: str | None = None) -> ServiceOrderRow:
        row = session.get(ServiceOrderRow, order_id)
        if row is None or (party is not None and row.party != party) or (interface and row.interface != interface):
            raise NotFound(f"No service order '{order_id}'")
        return row

    def items(self, session: Session, order_id: str) -> list[ServiceOrderItemRow]:
        return list(session.scalars(select(ServiceOrderItemRow).where(ServiceOrderItemRow.order_id == order_id)
                                    .order_by(ServiceOrderItemRow.position)))

    def orders(self, party: str | None, interface: str, filters: Mapping[str, Any]) -> Select[tuple[ServiceOrderRow]]:
        """The orders matching `filters`, oldest first, as one query: the database filters, then pages."""
        query = select(ServiceOrderRow).where(ServiceOrderRow.interface == interface)
        if party is not None:
            query = query.where(ServiceOrderRow.party == party)
        if filters.get("state"):
            query = query.where(ServiceOrderRow.state == filters["state"])
        if filters.get("externalId"):
            query = query.where(ServiceOrderRow.external_id == filters["externalId"])
        return query.order_by(ServiceOrderRow.order_date, ServiceOrderRow.id)

    def service(self, session: Session, service_id: str, party: str | None,
                interface: str | None = None) -> ServiceRow:
        row = session.get(ServiceRow, service_id)
        if row is None or (party is not None and row.party != party) or (interface and row.interface != interface):
            raise NotFound(f"No service '{service_id}'")
        return row

    def services(self, party: str | None, interface: str, filters: Mapping[str, Any]) -> Select[tuple[ServiceRow]]:
        """The services matching `filters`, oldest first, as one query: the database filters, then pages."""
        query = select(ServiceRow).where(ServiceRow.interface == interface)
        if party is not None:
            query = query.where(ServiceRow.party == party)
        for key, column in (("state", ServiceRow.state), ("serviceType", ServiceRow.service_type),
                            ("externalId", ServiceRow.external_id)):
            if filters.get(key):
                query = query.where(column == filters[key])
        if filters.get("serviceOrder.id"):
            # Each item of an order names the service it created or changed (`order_items` too).
            query = query.where(ServiceRow.id.in_(select(ServiceOrderItemRow.service_id).where(
                ServiceOrderItemRow.order_id == filters["serviceOrder.id"])))
        return query.order_by(ServiceRow.created_at, ServiceRow.id)

    # -- writes ---------------------------------------------------------------------------
    def accept(self, interface: str, party: str, request: ServiceOrderCreate) -> ServiceOrderRow:
        ids = [item.id for item in request.serviceOrderItem]
        if len(set(ids)) != len(ids):
            raise Unprocessable("Service order item ids must be unique within the order",
                                property_path="/serviceOrderItem")
        moment = now()
        with self.database.transaction() as session:
            order = ServiceOrderRow(
                id=new_id(), interface=interface, party=party, state=orders.ACKNOWLEDGED,
                external_id=request.externalId, description=request.description,
                notes=[n.model_dump(mode="json") for n in request.note or []], order_date=moment,
                requested_start=request.requestedStartDate, requested_completion=request.requestedCompletionDate,
                cancel_requested=False)
            session.add(order)
            for position, item in enumerate(request.serviceOrderItem):
                pointer = f"/serviceOrderItem/{position}/service"
                service_id = self._item_service(session, interface, party, order, item, pointer)
                session.add(ServiceOrderItemRow(
                    order_id=order.id, item_id=item.id, position=position, action=item.action,
                    state=orders.ACKNOWLEDGED, service_id=service_id, termination_error=None,
                    service=item.service.model_dump(mode="json", by_alias=True, exclude_none=True)))
            session.flush()
            orders.announce_created(session, order, wake=self.wake)
        return order

    def _item_service(self, session: Session, interface: str, party: str, order: ServiceOrderRow,
                      item: ServiceOrderItemCreate, pointer: str) -> str:
        config = item.service.serviceConfiguration
        if item.action == "add":
            if config is None:
                raise Unprocessable("An 'add' item needs service/serviceConfiguration", code="missingProperty",
                                    property_path=f"{pointer}/serviceConfiguration")
            design, mbps = self._design(interface, config.model_dump(by_alias=True), f"{pointer}/serviceConfiguration")
            moment = now()
            row = ServiceRow(
                id=new_id(), interface=interface, party=party, state=inventory.DESIGNED, reason=None,
                customer=_customer(item.service.relatedContactInformation),
                service_type=item.service.serviceType or {EVC_TYPE: "EVC", IPVC_TYPE: "IPVC"}.get(config.type, "OVC"),
                name=item.service.name, external_id=item.service.externalId,
                # what is ordered as operationalState is no state: the SOF derives it (sof/operational.py);
                # the bounds of dynamic control are kept beside the service (sof/control)
                configuration=config.model_dump(mode="json", by_alias=True,
                                                exclude={"operationalState", CONTROL_POLICY}),
                design=design, bandwidth_mbps=mbps, operational_state=OPERATIONAL_DISABLED,
                test=None, order_items=[{"itemId": item.id, "serviceOrderId": order.id}],
                start_date=None, end_date=None, created_at=moment, updated_at=moment)
            session.add(row)
            control.keep(session, row.id, config.model_dump(mode="json", by_alias=True),
                         f"{pointer}/serviceConfiguration")
            session.flush()
            inventory.announce_created(session, row, wake=self.wake)
            return row.id
        if item.service.id is None:
            raise Unprocessable(f"A '{item.action}' item needs service/id: the service it acts on",
                                code="missingProperty", property_path=f"{pointer}/id")
        try:
            row = self.service(session, item.service.id, party, interface)
        except NotFound as exc:
            raise Unprocessable(exc.reason, code="referenceNotFound", property_path=f"{pointer}/id") from exc
        # held until the order is stored (SELECT ... FOR UPDATE): a concurrent change of the
        # service, over LEGATO or ALLEGRO, waits and then finds this one under way
        session.refresh(row, with_for_update=True)
        if row.state != inventory.ACTIVE:
            raise Unprocessable(f"Service {row.id} is {row.state}: only an active service can be changed or "
                                "deleted", property_path=f"{pointer}/id")
        busy = session.scalars(select(ServiceOrderItemRow).where(
            ServiceOrderItemRow.service_id == row.id,
            ServiceOrderItemRow.state.in_([orders.ACKNOWLEDGED, orders.IN_PROGRESS, orders.HELD]))).first()
        if busy is not None:
            raise Conflict(f"Service {row.id} is being changed by service order {busy.order_id}; wait for it")
        if item.action == "modify":
            if config is None:
                raise Unprocessable("A 'modify' item needs service/serviceConfiguration with the new bandwidth",
                                    code="missingProperty", property_path=f"{pointer}/serviceConfiguration")
            self.read_change(row, config.model_dump(by_alias=True), f"{pointer}/serviceConfiguration")
        elif config is not None:
            raise Unprocessable("A 'delete' item must not carry serviceConfiguration", code="unexpectedProperty",
                                property_path=f"{pointer}/serviceConfiguration")
        row.order_items = [*row.order_items, {"itemId": item.id, "serviceOrderId": order.id}]
        return row.id

    def _design(self, interface: str, config: dict[str, Any], pointer: str) -> tuple[dict[str, Any], int]:
        # Over LEGATO the BUS orders EVCs for its customers and, when it sells an Access E-Line
        # over SONATA, the OVC behind it; over INTERLUDE a buying provider only gets OVCs.
        accepted = {EVC_TYPE: EVC_PLACEMENT, OVC_TYPE: ACCESS_PLACEMENT, IPVC_TYPE: INTERNET_PLACEMENT} \
            if interface == LEGATO else {OVC_TYPE: ACCESS_PLACEMENT}
        wanted_type = config.get("@type")
        if wanted_type not in accepted:
            raise Unprocessable(f"This SOF fulfils {' or '.join(sorted(accepted))} services here, not '{wanted_type}'",
                                property_path=f"{pointer}/@type")
        key = accepted[wanted_type]
        if key not in config:
            raise Unprocessable(f"Give the placement of the service in '{key}' (docs/{interface}-profile.md)",
                                code="missingProperty", property_path=f"{pointer}/{key}")
        try:
            if wanted_type == IPVC_TYPE:
                internet = InternetPlacement.model_validate(config[key])
                return internet_design(self.network, internet, f"{pointer}/{key}"), internet.bandwidthMbps
            if wanted_type == OVC_TYPE:
                access = AccessPlacement.model_validate(config[key])
                return access_design(self.config, self.network, access, f"{pointer}/{key}"), access.bandwidthMbps
            evc = EvcPlacement.model_validate(config[key])
            return evc_design(self.config, self.network, evc, f"{pointer}/{key}"), evc.bandwidthMbps
        except ValidationError as exc:
            raise _placement_error(exc, f"{pointer}/{key}") from exc

    @staticmethod
    def read_change(row: ServiceRow, config: dict[str, Any], pointer: str) -> dict[str, Any]:
        """What a modify of service `row` changes: `{"mbps": new bandwidth, "vlans": {UNI edge
        point: new CE-VLAN} for each on-net end whose VLAN changes, "partnerCeVlan": the new
        CE-VLAN at the partner's UNI when that changes}` (docs/legato-profile.md)."""
        own = {EVC_TYPE: EVC_PLACEMENT, OVC_TYPE: ACCESS_PLACEMENT, IPVC_TYPE: INTERNET_PLACEMENT}.get(
            row.configuration.get("@type"), EVC_PLACEMENT)
        key = next((k for k in (own, EVC_PLACEMENT, ACCESS_PLACEMENT, INTERNET_PLACEMENT) if k in config), own)
        hints = config.get(key)
        if not isinstance(hints, dict) or not isinstance(hints.get("bandwidthMbps"), int) \
                or not 1 <= hints["bandwidthMbps"] <= 100_000:
            raise Unprocessable(f"Give the new bandwidth (1..100000 Mbit/s) in {own}/bandwidthMbps",
                                code="missingProperty", property_path=f"{pointer}/{own}/bandwidthMbps")
        try:
            change = ServiceChange.model_validate(hints)
        except ValidationError as exc:
            raise _placement_error(exc, f"{pointer}/{key}") from exc
        design = row.design
        vlans: dict[str, int | None] = {}
        found: dict[str, Any] = {"mbps": change.bandwidthMbps, "vlans": vlans}

        def moved(current: int | None, wanted: int | None, where: str) -> bool:
            if current == wanted:
                return False
            if current is None or wanted is None:
                raise Unprocessable(f"{where} is {'port-based' if current is None else 'VLAN-based'} and stays so: "
                                    "only the CE-VLAN of a VLAN-based end point changes in place",
                                    property_path=f"{pointer}/{key}")
            return True

        if change.endPoints is not None:
            ordered = (row.configuration.get(EVC_PLACEMENT) or {}).get("endPoints") or []
            if len(ordered) != 2:
                raise Unprocessable(f"Service {row.id} is not an EVC: give its new CE-VLAN in {own}/ceVlan",
                                    property_path=f"{pointer}/{key}/endPoints")
            for end, was in zip(change.endPoints, ordered, strict=True):
                if "ceVlan" not in end.model_fields_set:
                    continue
                if was.get("uni"):
                    current = next(p["vlan"] for p in (design["a"], design["z"]) if p["edgePoint"] == was["uni"])
                    if moved(current, end.ceVlan, f"End point {was['uni']}"):
                        vlans[was["uni"]] = end.ceVlan
                elif moved((design.get("partner") or {}).get("ceVlan"), end.ceVlan,
                           f"The end point at partner {was.get('partner')}"):
                    found["partnerCeVlan"] = end.ceVlan
        if "ceVlan" in change.model_fields_set:
            if row.configuration.get("@type") == EVC_TYPE:
                raise Unprocessable("An EVC's CE-VLANs change per end point: give endPoints [{ceVlan}, {ceVlan}]",
                                    property_path=f"{pointer}/{key}/ceVlan")
            uni = design["a"]["edgePoint"]
            if moved(design["a"]["vlan"], change.ceVlan, f"End point {uni}"):
                vlans[uni] = change.ceVlan
        return found

    def cancel(self, order_id: str, party: str | None, interface: str) -> ServiceOrderRow:
        with self.database.transaction() as session:
            order = self.order(session, order_id, party, interface)
            if order.state in orders.FINAL:
                raise Conflict(f"Service order {order_id} is already {order.state}")
            order.cancel_requested = True
        WAKEUPS.notify(cancel_news(order_id))  # an item waiting for a partner stops waiting now
        return order

    # -- S-VLANs --------------------------------------------------------------------------
    def choose_vlan(self, service_id: str, edge_points: Sequence[str], wanted: int | None) -> int:
        """Hold a VLAN free on every edge point (`wanted` if given) for `service_id`; idempotent."""
        with self.database.transaction() as session:
            held = session.scalars(select(VlanChoiceRow).where(VlanChoiceRow.service_id == service_id,
                                                               VlanChoiceRow.edge_point.in_(edge_points))).all()
            if held and {h.edge_point for h in held} == set(edge_points):
                return held[0].vlan_id
        for _attempt in range(5):
            try:
                with self.database.transaction() as session:
                    vlan = self._free_vlan(session, edge_points, wanted)
                    for edge_point in edge_points:
                        session.add(VlanChoiceRow(edge_point=edge_point, vlan_id=vlan, service_id=service_id))
                    session.flush()
                    return vlan
            except IntegrityError:
                continue  # another service took it between our read and our write: look again
        raise Conflict(f"Could not hold an S-VLAN on {', '.join(edge_points)}: too much contention, retry")

    @staticmethod
    def _free_vlan(session: Session, edge_points: Sequence[str], wanted: int | None) -> int:
        taken = set(session.scalars(select(VlanChoiceRow.vlan_id).where(VlanChoiceRow.edge_point.in_(edge_points))))
        if wanted is not None:
            if wanted in taken:
                raise Conflict(f"S-VLAN {wanted} is already in use on {', '.join(edge_points)}")
            return wanted
        vlan = next((v for v in S_VLANS if v not in taken), None)
        if vlan is None:
            raise Conflict(f"No S-VLAN left on {', '.join(edge_points)}")
        return vlan

    def release_vlans(self, session: Session, service_id: str) -> None:
        for row in session.scalars(select(VlanChoiceRow).where(VlanChoiceRow.service_id == service_id)):
            session.delete(row)


def _customer(contacts: list[dict[str, Any]] | None) -> str | None:
    """The organization of the contact with role `customer` (docs/legato-profile.md)."""
    return next((c.get("organization") for c in contacts or [] if c.get("role") == "customer"), None)
