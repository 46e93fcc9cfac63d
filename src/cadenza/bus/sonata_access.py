"""The partner's part of a service bought over SONATA (MEF 55.0.1 step 9b, option b:
SOF-sp -> BUS-sp -> SONATA -> BUS-partner): an Access E-Line product order at the partner.

The partner's product order id is the reference. The order's `externalId` is our idempotency
key and is looked up before anything is ordered, so a repeated step never orders twice. The
partner's notifications (registered at its hub) keep a local copy of its orders fresh; the
copy is re-read from the partner only when it is older than `max_age_s`, a safety net for a
lost notification rather than the way we learn of progress.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from typing import Any

from cadenza.bus.product_schemas import ACCESS_ELINE_OVC, example_configuration
from cadenza.bus.store import ResourceStore
from cadenza.core.db import Database
from cadenza.core.wakeups import WAKEUPS
from cadenza.interfaces.legato.partner_access import (
    AccessRequest,
    AccessStatus,
    PartnerAccessError,
    SegmentTestResult,
    partner_news,
)
from cadenza.interfaces.sonata.client import SonataClient
from cadenza.interfaces.sonata.errors import SonataError, SonataHttpError

__all__ = ["SonataAccess", "partner_orders", "access_eline_item", "TEST_MILESTONE"]

log = logging.getLogger(__name__)
partner_orders = ResourceStore("partnerOrder", label="order placed with a partner")
TEST_MILESTONE = "serviceActivationTest"
_DONE = {"completed": "active", "failed": "failed", "rejected": "failed", "cancelled": "failed", "partial": "failed"}


def access_eline_item(item_id: str, *, site: dict[str, Any], ce_vlan: int | None, s_vlan: int,
                      mbps: int, eir_mbps: int = 0) -> dict[str, Any]:
    """The Access E-Line product order item: its flows commit `mbps` (0: nothing committed) and
    allow `eir_mbps` beyond it, each burst sized only where its rate is above 0 (MEF 10.4)."""
    config = copy.deepcopy(example_configuration(ACCESS_ELINE_OVC))
    for flow in _flows(config):
        flow["cir"] = {"irValue": mbps, "irUnits": "MBPS"}
        flow["eir"] = {"irValue": eir_mbps, "irUnits": "MBPS"}
        if not mbps:
            flow["cbs"] = {"dataSizeValue": 0, "dataSizeUnits": "KBYTES"}
        if eir_mbps:
            flow["ebs"] = {"dataSizeValue": 40, "dataSizeUnits": "KBYTES"}
    uni_map = config["uniEp"]["ovcEndPointMap"]
    if ce_vlan is None:
        config["uniEp"]["ovcEndPointMap"] = {"mapType": "FORM_U", "ovcEndPointMapFormU": list(range(1, 4095))}
    else:
        uni_map["ovcEndPointMapFormU"] = [ce_vlan]
    config["enniEp"]["ovcEndPointMap"]["ovcEndPointMapFormE"] = [s_vlan]
    place = ({"@type": "GeographicSiteRef", "role": "INSTALL_LOCATION", "id": site["id"]} if site.get("id")
             else {"@type": "FieldedAddress", "role": "INSTALL_LOCATION", **site})
    return {"id": item_id, "action": "add", "product": {"productOffering": {"id": "access-eline"},
                                                        "productConfiguration": config, "place": [place]}}


def _flows(config: dict[str, Any]) -> list[dict[str, Any]]:
    flows = []
    for end in ("uniEp", "enniEp"):
        for per_cos in config.get(end, {}).get("ingressBandwidthProfilePerClassOfServiceName", []) or []:
            flows.append(per_cos["bwpFlow"])
    return flows


def _test_result(order: dict[str, Any]) -> SegmentTestResult | None:
    for item in order.get("productOrderItem", []):
        for milestone in item.get("milestone", []) or []:
            if milestone.get("name") == TEST_MILESTONE:
                fields = dict(re.findall(r"(\w+)=([^ ;]+)", milestone.get("note", "")))
                return SegmentTestResult(passed=fields.get("result") == "PASS",
                                         delay_ms=float(fields.get("frameDelayMs", 0)),
                                         loss_ratio=float(fields.get("frameLossRatio", 1)),
                                         rate_mbps=float(fields.get("informationRateMbps", 0)))
    return None


class SonataAccess:
    notifies = True  # the BUS listens at the partner's hub and `remember`s each order it hears of

    def __init__(self, *, party: str, client: SonataClient, database: Database, contact: dict[str, Any],
                 max_age_s: float = 15.0) -> None:
        self.party = party
        self._client = client
        self._db = database
        self._contact = contact
        self._max_age_s = max_age_s
        self._read_at: dict[str, float] = {}
        self._changes: dict[str, str] = {}  # a modify order's id -> the order of the product it changes

    def _call(self, what: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except SonataHttpError as exc:
            refused = 400 <= exc.status < 500 and exc.status not in (408, 429)  # those two mean "not now"
            raise PartnerAccessError(f"{self.party} {'refused' if refused else 'failed'} to {what}: {exc.reason}",
                                     refused=refused) from exc
        except SonataError as exc:
            raise PartnerAccessError(f"{self.party} did not answer to {what}: {exc}") from exc

    def _place_once(self, key: str, items: list[dict[str, Any]], what: str) -> dict[str, Any]:
        found = self._call(what, self._client.list_product_orders, externalId=key)
        if found.items:
            return found.items[0]
        order = self._call(what, self._client.create_product_order,
                           {"externalId": key, "relatedContactInformation": [self._contact],
                            "productOrderItem": items})
        self.remember(order)
        return order

    def remember(self, order: dict[str, Any]) -> None:
        """Keep the partner's latest word on an order (called on its notifications too)."""
        with self._db.transaction() as session:
            try:
                row = partner_orders.get(session, order["id"], self.party)
                kept = {k: row.document[k] for k in ("cadenzaRemovalOrder", "cadenzaChangeOrder") if k in row.document}
                partner_orders.save(row, {**order, **kept}, state=order["state"])
            except Exception:  # first sight of this order
                partner_orders.add(session, family="sonata", owner=self.party, state=order["state"], document=order,
                                   resource_id=order["id"])
        self._read_at[order["id"]] = time.monotonic()
        WAKEUPS.notify(partner_news(self.party, order["id"]))
        if order["id"] in self._changes:  # whoever waits for the segment waits for its change too
            WAKEUPS.notify(partner_news(self.party, self._changes[order["id"]]))

    def _order(self, reference: str) -> dict[str, Any]:
        fresh = time.monotonic() - self._read_at.get(reference, 0) < self._max_age_s
        if fresh:
            with self._db.read() as session:
                try:
                    return partner_orders.get(session, reference, self.party).document
                except Exception:
                    pass
        order = self._call("read the order", self._client.get_product_order, reference)
        self.remember(order)
        return order

    # -- PartnerAccess --------------------------------------------------------------------------
    def order(self, request: AccessRequest) -> str:
        item = access_eline_item("access", site=request.site, ce_vlan=request.ce_vlan, s_vlan=request.s_vlan,
                                 mbps=request.bandwidth_mbps, eir_mbps=request.eir_mbps)
        if request.quote_item and request.quote_item.get("quoteId") and request.quote_item.get("id"):
            # the quote is the contract: the partner delivers and bills what it quoted
            item["quoteItem"] = {"quoteId": request.quote_item["quoteId"], "id": request.quote_item["id"]}
        return self._place_once(request.idempotency_key, [item], "order an Access E-Line")["id"]

    def status(self, reference: str) -> AccessStatus:
        order = self._order(reference)
        state = _DONE.get(order["state"], "inProgress")
        detail = {"productOrder": reference, "state": order["state"]}
        if state == "failed":
            reasons = [c.get("changeReason") for c in order.get("stateChange", []) if c.get("changeReason")]
            return AccessStatus("failed", reason=reasons[-1] if reasons else order["state"], detail=detail)
        if state == "active" and self._is_removed(order):
            return AccessStatus("removed", detail=detail)
        change_id = self._change_order(reference) if state == "active" else None
        if change_id:  # the last modify: in progress, or how it ended
            change = self._order(change_id)
            detail["changeOrder"], detail["changeState"] = change_id, change["state"]
            if change["state"] not in _DONE:
                return AccessStatus("inProgress", detail=detail)
            if _DONE[change["state"]] == "failed":
                reasons = [c.get("changeReason") for c in change.get("stateChange", []) if c.get("changeReason")]
                return AccessStatus("active", test=_test_result(order), detail=detail,
                                    change_failed=reasons[-1] if reasons else change["state"])
        return AccessStatus(state, test=_test_result(order) if state == "active" else None, detail=detail)

    def _product_of(self, reference: str) -> dict[str, Any] | None:
        found = self._call("read the inventory", self._client.list_products, productOrderId=reference)
        return found.items[0] if found.items else None

    def _change_order(self, reference: str) -> str | None:
        with self._db.read() as session:
            change_id = partner_orders.get(session, reference, self.party).document.get("cadenzaChangeOrder")
        if change_id:
            self._changes[change_id] = reference
        return change_id

    def _is_removed(self, order: dict[str, Any]) -> bool:
        with self._db.transaction() as session:
            row = partner_orders.get(session, order["id"], self.party)
            removal = row.document.get("cadenzaRemovalOrder")
        if not removal:
            return False
        return self._order(removal)["state"] == "completed"

    def _cancel(self, reference: str) -> None:
        try:
            self._client.create_cancel_product_order({
                "productOrder": {"productOrderId": reference}, "cancellationReason": "the buyer's order was withdrawn",
                "cancellationReasonType": "technical", "relatedContactInformation": [self._contact]})
        except SonataHttpError as exc:
            if exc.status != 422:  # 422: already being cancelled, or finished meanwhile
                raise PartnerAccessError(f"{self.party} failed to cancel {reference}: {exc.reason}") from exc
        self._read_at.pop(reference, None)

    def modify(self, reference: str, bandwidth_mbps: int, idempotency_key: str, *, ce_vlan: int | None = None) -> None:
        """A modify of the Access E-Line product: its CIR, and given `ce_vlan` the CE-VLAN of its
        UNI end point (uniEp/ovcEndPointMap); the S-VLAN at the ENNI stays. `status` follows the
        modify order until the partner has finished it."""
        product = self._product_of(reference)
        if product is None:
            raise PartnerAccessError(f"{self.party} has no product for order {reference}", refused=True)
        config = copy.deepcopy(product["productConfiguration"])
        for flow in _flows(config):
            flow["cir"] = {"irValue": bandwidth_mbps, "irUnits": "MBPS"}
        if ce_vlan is not None:
            config["uniEp"]["ovcEndPointMap"] = {**config["uniEp"]["ovcEndPointMap"], "ovcEndPointMapFormU": [ce_vlan]}
        change = self._place_once(idempotency_key, [{"id": "modify", "action": "modify", "product": {
            "id": product["id"], "productOffering": {"id": "access-eline"}, "productConfiguration": config}}],
            "change the bandwidth" if ce_vlan is None else f"change the CE-VLAN to {ce_vlan}")
        with self._db.transaction() as session:
            row = partner_orders.get(session, reference, self.party)
            partner_orders.save(row, {**row.document, "cadenzaChangeOrder": change["id"]})
        self._changes[change["id"]] = reference

    def remove(self, reference: str, idempotency_key: str) -> None:
        order = self._order(reference)
        if order["state"] in ("acknowledged", "inProgress"):
            self._cancel(reference)
            return
        if order["state"] != "completed":
            return  # nothing was delivered, so nothing stands to be removed
        product = self._product_of(reference)
        if product is None or product.get("status") == "terminated":
            return
        removal = self._place_once(idempotency_key, [{"id": "delete", "action": "delete",
                                                      "product": {"id": product["id"]}}], "disconnect")
        with self._db.transaction() as session:
            row = partner_orders.get(session, reference, self.party)
            partner_orders.save(row, {**row.document, "cadenzaRemovalOrder": removal["id"]})
