"""POQ and quote for a change of a product the buyer has (`modify`: a bandwidth and/or CE-VLAN
change; `delete`: a disconnect), answered from the product in inventory and from the network.

An item is read exactly as a product order would read it (`ordering.read_change`): the same
product must exist and be active, a modify is merged into the stored configuration and
validated, a change the network does not make in place (the type, an ENNI's S-VLAN, a
port-based end made VLAN-based) is refused, so what qualifies here is what an order accepts. Then:

- a modify asks the SOF (LEGATO feasibility, `bus.feasibility`) whether the route the service
  has can carry the new bandwidth, its own reservation counted as free, and whether each new
  CE-VLAN is free on its UNI (the ICM's VLAN bookkeeping); a partner whose UNI's VLAN changes
  is asked over SONATA;
- a disconnect of an existing product always qualifies.

Prices (docs/catalog.md): a modify is quoted at the catalog's recurring price for the new
bandwidth plus a one-time change charge; a disconnect at its termination charge (none).
"""

from __future__ import annotations

from typing import Any

from dbos import DBOS

# ordering -> quote_contract -> quote -> here: the module, read at call time, breaks the cycle
from cadenza.bus import ordering
from cadenza.bus.catalog import CHANGE_CHARGE_SHARE, TERMINATION_CHARGE
from cadenza.bus.feasibility import NetworkAnswer, NetworkFeasibility
from cadenza.bus.lead_time import installation_days
from cadenza.bus.product_assessment import ItemAssessment
from cadenza.bus.product_schemas import validate_product_configuration
from cadenza.core.db import Database
from cadenza.core.errors import Unprocessable

__all__ = ["check_change", "assess_change", "change_price_lines"]


def check_change(database: Database, prices: Any, *, family: str, party: str, item: dict[str, Any],
                 pointer: str) -> dict[str, Any]:
    """What a modify or delete item asks, read as an order would (422 as an order would be)."""
    product = item.get("product")
    if item["action"] == "delete" and isinstance(product, dict):
        extra = sorted(k for k in product if k not in ("id", "@type", "productOffering"))
        if "productConfiguration" in extra or "productSpecification" in extra:
            # MEF 79 R39/R41: a disconnect names the product only
            raise Unprocessable(f"{pointer}/product: a 'delete' item names the product only (its id)",
                                code="unexpectedProperty", property_path=f"{pointer}/product/productConfiguration")
    rules = ordering.OfferingRules(kind_of=prices.kind_of,
                                   validate=lambda c, p: validate_product_configuration(c, pointer=p),
                                   lead_time_days=prices.lead_time_days)
    with database.read() as session:
        found = ordering.read_change(session, rules, party, item, pointer, family=family)
    return {"action": item["action"], "productId": found["product_id"], "serviceId": found.get("service_id"),
            "offering": found.get("offering"), "mbps": found.get("mbps"), "previousMbps": found.get("previous_mbps"),
            "pointer": f"{pointer}/product", "kind": found.get("kind"), "productKind": found.get("product_kind"),
            "vlans": found.get("vlans") or [], "previousVlans": found.get("previous_vlans") or []}


@DBOS.step()
def assess_change(network: NetworkFeasibility | None, prices: Any, checked: dict[str, Any]) -> ItemAssessment:
    """The answer for a change item checked by `check_change`; a step, as it asks our network and
    perhaps a partner: a resumed deferred assessment keeps the answer it had."""
    offering, product = checked.get("offering"), checked["productId"]
    # a change is made in our own network (a partner's segment follows it): the on-net lead time
    lead = installation_days(prices.lead_time_days, offering, off_net=False) if offering else None
    if checked["action"] == "delete":
        answer = NetworkAnswer(True, f"A disconnect of product {product} always qualifies")
        return ItemAssessment(offering, checked.get("previousMbps"), lead_time_days=lead, network=answer,
                              change="delete")
    mbps, before = checked.get("mbps"), checked.get("previousMbps")
    if network is None or not checked.get("serviceId") or mbps is None:
        answer = NetworkAnswer(True, f"Product {product} changes no network resource", checked=network is None)
    else:
        vlans, was = checked.get("vlans") or [], checked.get("previousVlans") or []
        retagged = vlans != was
        access = checked.get("productKind") == "access"
        answer = network.change(checked["serviceId"], mbps, end_vlans=vlans if retagged and not access else None,
                                ce_vlan=vlans[0] if retagged and access and vlans else None)
        what = []
        if before != mbps:
            what.append(f"Bandwidth change of product {product} " + (f"from {before} to {mbps} Mbit/s" if before
                                                                     else f"to {mbps} Mbit/s"))
        if retagged:
            names = ["UNI"] if access else ["end point A", "end point Z"]
            what.append(f"CE-VLAN change of product {product} " + ", ".join(
                f"at {name} from {old} to {new}" for name, old, new in zip(names, was, vlans, strict=False)
                if old != new))
        if not what:
            what.append(f"Bandwidth change of product {product} to {mbps} Mbit/s")
        answer = NetworkAnswer(answer.feasible, f"{'; '.join(what)}: {answer.reason}", answer.checked)
    return ItemAssessment(offering, mbps, lead_time_days=lead, network=answer, change="modify")


def _line(name: str, price_type: str, value: float, currency: str) -> dict[str, Any]:
    line: dict[str, Any] = {"name": name, "priceType": price_type,
                            "price": {"dutyFreeAmount": {"unit": currency, "value": round(value, 2)}}}
    if price_type == "recurring":
        line["recurringChargePeriod"] = "month"
    return line


def change_price_lines(prices: Any, found: ItemAssessment) -> list[dict[str, Any]]:
    """The quote item's prices for a modify (the new recurring price, the change charge) or a
    delete (the termination charge)."""
    currency = prices.currency
    if found.change == "delete":
        return [_line("termination charge", "nonRecurring", TERMINATION_CHARGE, currency)]
    assert found.offering is not None and found.mbps is not None
    new = prices.price(found.offering, found.mbps)
    install = prices.price(found.offering, 1).nrc  # the offering's installation charge
    return [_line(f"{found.offering} {found.mbps} Mbit/s", "recurring", new.mrc, currency),
            _line("change charge", "nonRecurring", install * CHANGE_CHARGE_SHARE, currency)]
