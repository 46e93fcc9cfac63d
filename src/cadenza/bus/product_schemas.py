"""MEF product schemas: pick one by the configuration's `@type`, validate, explain the failure.

The schemas under `schemas/` are the official MEF LSO Sonata product schemas, copied unchanged
with their directory layout (Cantata's are the same files). Each declares a URN `$id` but
reaches its neighbours by relative file path, which cannot resolve against a URN; so every
file is registered under its own file URI instead, and the `$ref`s resolve as MEF wrote them.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import validators
from jsonschema.exceptions import ValidationError, relevance
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from cadenza.core.errors import Unprocessable

__all__ = [
    "ACCESS_ELINE_OVC",
    "OPERATOR_UNI",
    "EPL_EVC",
    "EVPL_EVC",
    "SUBSCRIBER_UNI",
    "BASIC_INTERNET_ACCESS",
    "SCHEMA_ROOT",
    "SUPPORTED_TYPES",
    "schema_file",
    "validate_product_configuration",
    "example_configuration",
]

SCHEMA_ROOT = Path(__file__).parent / "schemas"

ACCESS_ELINE_OVC = "urn:mef:lso:spec:sonata:access-eline-ovc:v5.0.0:all"  # MEF 106
OPERATOR_UNI = "urn:mef:lso:spec:sonata:carrier-ethernet-operator-uni:v5.0.0:all"  # MEF 106
EPL_EVC = "urn:mef:lso:spec:cantata-sonata:epl-evc:v1.0.0:all"  # MEF 125
EVPL_EVC = "urn:mef:lso:spec:cantata-sonata:evpl-evc:v1.0.0:all"  # MEF 125
SUBSCRIBER_UNI = "urn:mef:lso:spec:cantata-sonata:carrier-ethernet-subscriber-uni:v1.0.0:all"  # MEF 125
BASIC_INTERNET_ACCESS = "urn:mef:lso:spec:cantata-sonata:basic-internet-access:v1.0.0:all"  # MEF 139

# The product schema file of each supported @type, and the Cadenza example beside it.
_FILES = {
    ACCESS_ELINE_OVC: ("carrierEthernet/operatorEthernet/accessEline/accessElineOvc.yaml", "access-eline-ovc"),
    OPERATOR_UNI: ("carrierEthernet/operatorEthernet/carrierEthernetOperatorUni/carrierEthernetOperatorUni.yaml",
                   "operator-uni"),
    EPL_EVC: ("carrierEthernet/subscriberEthernet/epl/ethernetPrivateLineEvc.yaml", "epl-evc"),
    EVPL_EVC: ("carrierEthernet/subscriberEthernet/evpl/ethernetVirtualPrivateLineEvc.yaml", "evpl-evc"),
    SUBSCRIBER_UNI: ("carrierEthernet/subscriberEthernet/carrierEthernetSubscriberUni/"
                     "carrierEthernetSubscriberUni.yaml", "subscriber-uni"),
    BASIC_INTERNET_ACCESS: ("ip/internetAccess/basicInternetAccess/basicInternetAccess.yaml", "basic-internet-access"),
}
SUPPORTED_TYPES: tuple[str, ...] = tuple(_FILES)


def schema_file(type_urn: str) -> str:
    """The schema's path below `productSchema/` in the MEF SDKs (and below SCHEMA_ROOT here)."""
    return _FILES[type_urn][0]


def _without_nulls(node: Any) -> Any:
    # accessElineOvc.yaml has a dangling `properties:` (YAML null), which no JSON Schema draft allows.
    if isinstance(node, dict):
        return {key: _without_nulls(value) for key, value in node.items() if value is not None}
    if isinstance(node, list):
        return [_without_nulls(value) for value in node]
    return node


@cache
def _resource(uri: str) -> Resource[Any]:
    path = Path(uri.removeprefix("file://"))
    if not path.resolve().is_relative_to(SCHEMA_ROOT.resolve()):
        raise LookupError(f"{uri} is not one of the shipped MEF product schemas")
    contents = _without_nulls(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
    contents["$id"] = uri
    return Resource.from_contents(contents, default_specification=DRAFT7)


@cache
def _validator(type_urn: str) -> Validator:
    resource = _resource((SCHEMA_ROOT / schema_file(type_urn)).resolve().as_uri())
    schema = resource.contents
    registry: Registry[Any] = Registry(retrieve=_resource)  # type: ignore[call-arg]
    return validators.validator_for(schema)(schema, registry=registry)


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _discriminated(errors: list[ValidationError]) -> ValidationError | None:
    """A failed single-value enum (or const) on a direct property, such as `mapType: [DEI]`: the
    tag of a branch meant for another kind of map."""
    return next((e for e in errors if len(e.relative_path) == 1 and (
        e.validator == "const" or (e.validator == "enum" and len(e.validator_value) == 1))), None)


def _narrow(error: ValidationError) -> tuple[ValidationError, list[Any] | None]:
    """Look inside oneOf/anyOf: MEF uses them as tagged unions (`mapType`), so the branch whose
    tag matches holds the real problem; when no tag matches, the tag itself is the problem."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        tagged = [errs for errs in branches.values() if _discriminated(errs) is None]
        if len(tagged) == 1:
            error = max(tagged[0], key=relevance)
            continue
        tags = [_discriminated(errs) for errs in branches.values()]
        if not tagged and all(tags):
            allowed = [v for tag in tags if tag for v in (tag.validator_value if tag.validator == "enum"
                                                           else [tag.validator_value])]
            return tags[0], allowed  # type: ignore[return-value]
        break
    return error, None


def _explain(error: ValidationError) -> tuple[str, str, str]:
    """(code, JSON pointer below the configuration, what is wrong) for one schema violation."""
    error, allowed = _narrow(error)
    where = "".join("/" + _escape(p) for p in error.absolute_path)
    if allowed is not None:
        return "invalidValue", where, f"{error.instance!r} is not one of {allowed}"
    if error.validator == "required":
        missing = next(p for p in error.validator_value if p not in error.instance)
        return "missingProperty", f"{where}/{_escape(missing)}", f"the required property '{missing}' is missing"
    text = error.message
    if len(repr(error.instance)) > 40:
        # The instance is echoed in the message; a long one would hide what is wrong.
        text = text.replace(repr(error.instance), "the value")
    return "invalidValue", where, text


def validate_product_configuration(config: dict[str, Any], *, pointer: str) -> None:
    """Check a `productConfiguration` against the MEF schema its `@type` names.

    `pointer` is where the configuration sits in the request (e.g.
    `/productOrderItem/0/product/productConfiguration`); every error's propertyPath starts there.
    """
    if not isinstance(config, dict):
        raise Unprocessable(f"{pointer}: a product configuration must be an object", property_path=pointer)
    type_urn = config.get("@type")
    if type_urn is None:
        raise Unprocessable(f"{pointer}/@type: the product configuration must name its product schema in '@type'",
                            code="missingProperty", property_path=f"{pointer}/@type",
                            message="Supported: " + ", ".join(SUPPORTED_TYPES))
    if type_urn not in _FILES:
        raise Unprocessable(f"{pointer}/@type: unsupported product type {type_urn!r}; supported: "
                            + ", ".join(SUPPORTED_TYPES), property_path=f"{pointer}/@type",
                            message="Supported product types: " + ", ".join(SUPPORTED_TYPES))
    # Not jsonschema's best_match: it descends into oneOf branches by depth, not by the tag.
    error = max(_validator(type_urn).iter_errors(config), key=relevance, default=None)
    if error is None:
        return
    code, where, text = _explain(error)
    rule = "/".join(str(p) for p in error.absolute_schema_path)
    raise Unprocessable(f"{pointer}{where}: {text}", code=code, property_path=f"{pointer}{where}",
                        message=f"{pointer}{where}: {error.message[:2000]} (rule {rule} of {type_urn})")


@cache
def _example(type_urn: str) -> dict[str, Any]:
    name = _FILES[type_urn][1]
    return json.loads((SCHEMA_ROOT / "cadenza-examples" / f"{name}.json").read_text(encoding="utf-8"))


def example_configuration(type_urn: str) -> dict[str, Any]:
    """A small valid configuration of a supported product (100 Mbit/s where a rate applies)."""
    if type_urn not in _FILES:
        raise KeyError(f"no example for {type_urn!r}; supported: {', '.join(SUPPORTED_TYPES)}")
    return copy.deepcopy(_example(type_urn))
