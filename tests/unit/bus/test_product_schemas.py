"""MEF product schema validation: selection by @type, examples, and errors a person can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cadenza.bus import product_schemas as ps
from cadenza.core.errors import Unprocessable
from tests.helpers.mef import MEF_LSO

POINTER = "/productOrderItem/0/product/productConfiguration"
MEF106_EXAMPLES = MEF_LSO / "sonata/documentation/productSchema/carrierEthernet/operatorEthernet/MEF 106 resources"


def rejection(config: dict[str, Any]) -> Unprocessable:
    with pytest.raises(Unprocessable) as caught:
        ps.validate_product_configuration(config, pointer=POINTER)
    return caught.value


@pytest.mark.parametrize("type_urn", ps.SUPPORTED_TYPES)
def test_each_supported_example_validates(type_urn: str) -> None:
    config = ps.example_configuration(type_urn)
    assert config["@type"] == type_urn
    ps.validate_product_configuration(config, pointer=POINTER)


@pytest.mark.parametrize("type_urn", ps.SUPPORTED_TYPES)
def test_shipped_schema_is_the_mef_file_with_that_id(type_urn: str) -> None:
    relative = ps.schema_file(type_urn)
    shipped = (ps.SCHEMA_ROOT / relative).read_text(encoding="utf-8")
    family = "sonata" if ":sonata:" in type_urn else "cantata"
    assert shipped == (MEF_LSO / family / "productSchema" / relative).read_text(encoding="utf-8")
    assert yaml.safe_load(shipped)["$id"] == type_urn


def test_every_schema_a_shipped_schema_refers_to_is_shipped() -> None:
    for path in ps.SCHEMA_ROOT.rglob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "$ref" in line and ".yaml" in line:
                target = line.split("$ref:", 1)[1].strip().strip("\"'").split("#", 1)[0]
                assert (path.parent / target).resolve().is_file(), f"{path}: {target}"


def test_a_broken_field_names_its_exact_property_path() -> None:
    config = ps.example_configuration(ps.EPL_EVC)
    config["evcEndPointA"]["ingressBandwidthProfilePerClassofServiceName"][0]["bwpFlow"]["cir"]["irUnits"] = "XBPS"
    error = rejection(config)
    path = f"{POINTER}/evcEndPointA/ingressBandwidthProfilePerClassofServiceName/0/bwpFlow/cir/irUnits"
    assert (error.status, error.code, error.property_path) == (422, "invalidValue", path)
    assert "'XBPS' is not one of" in error.reason and "MBPS" in error.reason


def test_a_missing_required_property_is_a_missing_property() -> None:
    config = ps.example_configuration(ps.ACCESS_ELINE_OVC)
    del config["enniEp"]
    error = rejection(config)
    assert (error.code, error.property_path) == ("missingProperty", f"{POINTER}/enniEp")
    assert "enniEp" in error.reason


def test_a_value_out_of_range_names_the_list_entry() -> None:
    config = ps.example_configuration(ps.ACCESS_ELINE_OVC)
    config["uniEp"]["ovcEndPointMap"]["ovcEndPointMapFormU"] = [5000]
    error = rejection(config)
    assert error.property_path == f"{POINTER}/uniEp/ovcEndPointMap/ovcEndPointMapFormU/0"
    assert "4094" in error.reason


def test_a_wrong_map_tag_lists_the_tags_mef_defines() -> None:
    config = ps.example_configuration(ps.EVPL_EVC)
    config["evcEndPointZ"]["colorMap"] = {"mapType": "COLOUR"}
    error = rejection(config)
    assert error.property_path == f"{POINTER}/evcEndPointZ/colorMap/mapType"
    assert all(tag in error.reason for tag in ("ENDPOINT", "DEI", "PCP", "DSCP"))


def test_a_tagged_map_reports_the_problem_inside_the_matching_branch() -> None:
    config = ps.example_configuration(ps.ACCESS_ELINE_OVC)
    config["enniEp"]["ovcEndPointMap"] = {"mapType": "FORM_E", "ovcEndPointMapFormE": "1100"}
    error = rejection(config)
    assert error.property_path == f"{POINTER}/enniEp/ovcEndPointMap/ovcEndPointMapFormE"
    assert "array" in error.reason


def test_internet_access_needs_its_ipvc_end_point() -> None:
    config = ps.example_configuration(ps.BASIC_INTERNET_ACCESS)
    del config["ipvc"]["ipvcEndPoint"]
    error = rejection(config)
    assert (error.code, error.property_path) == ("missingProperty", f"{POINTER}/ipvc/ipvcEndPoint")


def test_an_unknown_type_lists_the_supported_ones() -> None:
    config = {**ps.example_configuration(ps.EPL_EVC), "@type": "urn:mef:lso:spec:cantata-sonata:e-tree:v9:all"}
    error = rejection(config)
    assert (error.code, error.property_path) == ("invalidValue", f"{POINTER}/@type")
    assert ps.EPL_EVC in error.reason or ps.EPL_EVC in (error.message or "")
    assert error.body()["propertyPath"] == f"{POINTER}/@type"


def test_a_configuration_without_type_is_missing_it() -> None:
    error = rejection({"maximumFrameSize": 1522})
    assert (error.code, error.property_path) == ("missingProperty", f"{POINTER}/@type")


def test_the_examples_are_copies_the_caller_may_change() -> None:
    ps.example_configuration(ps.EPL_EVC)["maximumFrameSize"] = 1
    assert ps.example_configuration(ps.EPL_EVC)["maximumFrameSize"] == 1522


def _access_eline_configurations() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(Path(MEF106_EXAMPLES).glob("UseCase*Request.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        for items in ("quoteItem", "productOrderItem", "productOfferingQualificationItem"):
            for item in body.get(items, []):
                config = item.get("product", {}).get("productConfiguration") or {}
                if config.get("@type") == ps.ACCESS_ELINE_OVC:
                    found.append((path.name, config))
    return found


@pytest.mark.parametrize(("name", "config"), _access_eline_configurations())
def test_mef106_examples_fail_only_where_they_disagree_with_the_mef_schema(name: str, config: dict) -> None:
    """MEF's own MEF 106 request examples do not validate against MEF's schema: they write
    `l2cp_P` as an object (the schema says array) and some leave the ENNI bandwidth profile list
    empty (minItems 1). With those two corrected each validates, so anything else reported would
    be a defect of ours; and the first is what a caller is told."""
    assert rejection(json.loads(json.dumps(config))).property_path == f"{POINTER}/uniEp/ingressClassOfServiceMap/l2cp_P"
    for end in ("uniEp", "enniEp"):
        cos_map = config.get(end, {}).get("ingressClassOfServiceMap", {})
        if isinstance(cos_map.get("l2cp_P"), dict):
            cos_map["l2cp_P"] = [cos_map["l2cp_P"]]
        if config.get(end, {}).get("ingressBandwidthProfilePerClassOfServiceName") == []:
            del config[end]["ingressBandwidthProfilePerClassOfServiceName"]
    ps.validate_product_configuration(config, pointer=POINTER)
