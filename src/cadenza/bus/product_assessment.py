"""Judging the product of a POQ or quote item: is the offering sold to this API family, is
its configuration valid, and can every place be served (on-net, by a partner, or not at all).
POQ and quote ask the same questions; they differ only in how they report the answer.

In a deferred assessment this runs in its durable workflow: what it asks outside (each partner,
our network) is a step, so a resumed assessment keeps the answers it had; the rest is reading
the request and the domain's settings, the same on every run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dbos import DBOS

from cadenza.bus.feasibility import NetworkAnswer, NetworkFeasibility, network_vlans
from cadenza.bus.item_structure import ReadItem
from cadenza.bus.lead_time import installation_days
from cadenza.bus.mapping import bandwidth, bandwidth_mbps
from cadenza.bus.product_schemas import validate_product_configuration
from cadenza.bus.serviceability import PlaceError, PlaceVerdict, PriceBook, Serviceability
from cadenza.core.errors import Unprocessable
from cadenza.interfaces.sonata.paths import Family

__all__ = ["ItemAssessment", "check_product", "assess_product", "structure_notes"]


@dataclass(frozen=True, slots=True)
class ItemAssessment:
    """One item's product read and its places judged; `error` when it cannot be judged at all."""

    offering: str | None
    mbps: int | None
    verdicts: list[PlaceVerdict] = field(default_factory=list)
    error: PlaceError | None = None
    lead_time_days: int | None = None
    network: NetworkAnswer | None = None  # our network's word (None: not asked, nothing of ours to ask)
    eir_mbps: int = 0  # the excess rate asked for beside the committed `mbps`
    change: str | None = None  # "modify" or "delete": a change of an existing product (bus.product_change)

    @property
    def serviceable(self) -> bool:
        return (self.error is None and all(v.kind != "notServiceable" for v in self.verdicts)
                and (self.network is None or self.network.feasible))

    @property
    def undecided(self) -> bool:
        """Not known yet: every place is served or waits only for a partner's answer, and one waits."""
        return (self.error is None and any(v.undecided for v in self.verdicts)
                and all(v.kind != "notServiceable" or v.undecided for v in self.verdicts))

    @property
    def firm(self) -> bool:
        return (self.serviceable and all(v.kind == "onNet" or v.offer is not None for v in self.verdicts)
                and (self.network is None or self.network.checked))

    @property
    def reason(self) -> str:
        if self.error is not None:
            return self.error.reason
        said = [v.reason for v in self.verdicts]
        if self.network is not None:  # when the network says no, that is the reason that matters: first
            said = [*said, self.network.reason] if self.network.feasible else [self.network.reason, *said]
        return "; ".join(said)


def check_product(product: Any, *, family: Family, prices: PriceBook, pointer: str, need_bandwidth: bool
                  ) -> tuple[str, int | None, list[dict[str, Any]]]:
    """Validate the product of an `add` item: offering sold to this family, configuration, places."""
    if not isinstance(product, dict):
        raise Unprocessable(f"{pointer}: the item needs a product", code="missingProperty", property_path=pointer)
    offering = (product.get("productOffering") or {}).get("id")
    if not offering:
        raise Unprocessable(f"{pointer}/productOffering/id: name the product offering to qualify or quote",
                            code="missingProperty", property_path=f"{pointer}/productOffering/id")
    if not prices.sells(offering, family):
        raise Unprocessable(f"{pointer}/productOffering/id: '{offering}' is not offered over "
                            f"{family.upper()}; see the product catalog", code="referenceNotFound",
                            property_path=f"{pointer}/productOffering/id")
    config = product.get("productConfiguration")
    mbps: int | None = None
    if config is not None:
        validate_product_configuration(config, pointer=f"{pointer}/productConfiguration")
        try:
            mbps = bandwidth_mbps(config, pointer=pointer)
        except Unprocessable:
            if need_bandwidth:
                raise
    elif need_bandwidth:
        raise Unprocessable(f"{pointer}/productConfiguration: a quote needs the product configuration (its "
                            "bandwidth sets the price)", code="missingProperty",
                            property_path=f"{pointer}/productConfiguration")
    places = product.get("place") or []
    if not places:
        raise Unprocessable(f"{pointer}/place: give at least one place (a site id or an address)",
                            code="missingProperty", property_path=f"{pointer}/place")
    return offering, mbps, places


def assess_product(service: Serviceability, prices: PriceBook, offering: str, mbps: int | None,
                   places: list[dict[str, Any]], *, party: str | None, pointer: str,
                   configuration: dict[str, Any] | None = None, buyer: str | None = None, eir_mbps: int = 0,
                   place_pointers: list[str] | None = None, partners: list[str | None] | None = None
                   ) -> ItemAssessment:
    """Judge every place of the product, then ask our network whether it could carry it now;
    partners and the network are asked here, outside any transaction. `buyer`: the party asking.
    `place_pointers` say where each place is in the request when they are not `{pointer}/place/i`
    (the places of an EVC's UNI items, see cadenza.bus.item_structure); `partners` the partner
    each place must be served by (a partner's UNI in inventory), None where any may."""
    try:
        locations = [service.locate(p, party=party, pointer=(place_pointers[i] if place_pointers
                                                              else f"{pointer}/place/{i}"))
                     for i, p in enumerate(places)]
    except PlaceError as exc:
        return ItemAssessment(offering, mbps, error=exc, eir_mbps=eir_mbps)
    kind = prices.kind_of(offering, "sonata" if prices.sells(offering, "sonata") else "cantata")
    vlans = network_vlans(kind, configuration) if configuration is not None else []
    # an off-net end's CE-VLAN (None in a known configuration: the whole UNI) goes to the partner
    ends = [(vlans[i], vlans[i] is None) if kind == "evc" and i < len(vlans) else (None, False)
            for i in range(len(locations))]
    # a partner serving an end is asked for the excess rate too: it prices and polices it
    pinned = partners or []
    verdicts = [service.assess(location, mbps=mbps, ce_vlan=ends[i][0], port_based=ends[i][1], eir_mbps=eir_mbps,
                               partner=pinned[i] if i < len(pinned) else None)
                for i, location in enumerate(locations)]
    lead = installation_days(prices.lead_time_days, offering, off_net=any(v.kind == "offNet" for v in verdicts),
                             partner_days=[v.offer.lead_time_days for v in verdicts if v.offer is not None])
    network = None
    if service.network is not None and mbps is not None and all(v.kind != "notServiceable" for v in verdicts):
        network = network_answer(service.network, kind, verdicts, network_vlans(kind, configuration), mbps,
                                 buyer=buyer, eir_mbps=eir_mbps)
    return ItemAssessment(offering, mbps, verdicts, lead_time_days=lead, network=network, eir_mbps=eir_mbps)


@DBOS.step()
def network_answer(network: NetworkFeasibility, kind: str | None, verdicts: Sequence[PlaceVerdict],
                   vlans: Sequence[int | None], mbps: int, *, buyer: str | None, eir_mbps: int) -> NetworkAnswer | None:
    """Our network's word on the new product (asked of our SOF over LEGATO)."""
    return network.new_service(kind, verdicts, vlans, mbps, buyer=buyer, eir_mbps=eir_mbps)


def structure_notes(read: ReadItem) -> dict[str, Any]:
    """What POQ and quote keep of an item beside its checked product: where its places are in the
    request (a UNI item's place for an EVC in the MEF 125 form), the excess rate it asks for, and
    the partner of each end at a partner's UNI in inventory."""
    config = read.product.get("productConfiguration")
    try:
        eir = bandwidth(config, pointer="").eir_mbps if isinstance(config, dict) and read.kind != "uni" else 0
    except Unprocessable:
        eir = 0
    if read.action != "add":
        return {}
    notes: dict[str, Any] = {"placePointers": list(read.place_pointers), "eir": eir}
    if any(u.partner for u in read.unis):
        notes["partners"] = [u.partner for u in read.unis]
    return notes
