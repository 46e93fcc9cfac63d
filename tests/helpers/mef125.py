"""The MEF 125 (Subscriber Ethernet) request examples, as the Cantata/Sonata SDK documentation
publishes them (PlantUML `@startjson` diagrams), completed where MEF skipped a part with the
part MEF shows in a diagram of its own: the EPL of UseCase2a with its end point (CIR 0, EIR 70
Mbit/s, envelope env1) and its SLS, the UNI of UseCase2a. MEF writes the UNI `@type` with a
`sonata:` prefix its own schema does not declare (`$id` is `cantata-sonata:`); the schema's wins."""

from __future__ import annotations

import copy
from typing import Any

from cadenza.bus.product_schemas import SUBSCRIBER_UNI
from tests.helpers.mef import mef_json

USE_CASES = ("cantata/documentation/productSchema/carrierEthernet/subscriberEthernet/"
             "MEF 125.0.1 resources/media/source/")


def epl_use_case_2a() -> dict[str, Any]:
    """MEF 125 UseCase2a's EPL: both end points as MEF's end point diagram (CIR 0 + EIR 70)."""
    epl = mef_json(USE_CASES + "UseCase2aRequestEplDiagram.puml")
    end_point = mef_json(USE_CASES + "UseCase2aRequestEpl_uniEp_Diagram.puml")
    epl["carrierEthernetSls"] = [mef_json(USE_CASES + "UseCase2aRequestEpl_SLS_Diagram.puml")]
    epl["evcEndPointA"] = end_point
    epl["evcEndPointZ"] = {**copy.deepcopy(end_point), "identifier": "Washington_UNI-EP1"}
    return epl


def uni_use_case_2a() -> dict[str, Any]:
    return {**mef_json(USE_CASES + "UseCase2aRequestEplUNIDiagram.puml"), "@type": SUBSCRIBER_UNI}


def with_rates(epl: dict[str, Any], *, cir: float, eir: float) -> dict[str, Any]:
    changed = copy.deepcopy(epl)
    for end in ("evcEndPointA", "evcEndPointZ"):
        for entry in changed[end]["ingressBandwidthProfilePerClassOfServiceName"]:
            flow = entry["bwpFlow"]
            flow["cir"] = flow["cirMax"] = {"irValue": cir, "irUnits": "MBPS"}
            flow["eir"] = flow["eirMax"] = {"irValue": eir, "irUnits": "MBPS"}
            if cir:
                flow["cbs"] = {"dataSizeValue": 40, "dataSizeUnits": "KBYTES"}
    return changed


def mef125_items(places: tuple[dict[str, Any], dict[str, Any]], *, relation_key: str, epl: dict[str, Any] | None = None,
                 offering: str = "epl", uni_offering: str = "uni") -> list[dict[str, Any]]:
    """UseCase2a/4/5: item-001 the EPL, CONNECTS_TO_UNI_A item-002 and CONNECTS_TO_UNI_Z item-003,
    each UNI item at one place. `relation_key` is the resource's item relationship name."""
    document = mef_json(USE_CASES + "UseCase5RequestNoProducts.puml")  # the order; POQ and quote are alike
    evc, uni_a, uni_z = (copy.deepcopy(i) for i in document["productOrderItem"])
    evc_item = {"id": evc["id"], "action": "add", relation_key: evc["productOrderItemRelationship"],
                "product": {"productOffering": {"id": offering}, "productConfiguration": epl or epl_use_case_2a()}}
    unis = [{"id": uni["id"], "action": "add",
             "product": {"productOffering": {"id": uni_offering}, "place": [place],
                         "productConfiguration": uni_use_case_2a()}}
            for uni, place in zip((uni_a, uni_z), places, strict=True)]
    return [evc_item, *unis]
