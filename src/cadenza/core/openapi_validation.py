"""Requests checked against the official OpenAPI (3.0) operation they target, before any handler.

    table = OperationTable([ServedSpec(path_to_yaml), ...])
    operation, path_params = table.match("POST", "/mefApi/sonata/productOrderingManagement/v10/productOrder")
    problem = operation.check(query_string, path_params, body)   # a Rejection, or None

Each spec is read once; every operation's path, query and body schemas are compiled once into
jsonschema validators over the spec document itself (so every `$ref` resolves as the spec wrote
it), with what OpenAPI 3.0 adds to JSON Schema: `nullable`, `discriminator` (the tagged subtype
must hold too) and the `date-time`, `date` and `uri` formats. Where the spec sets no length on a
string, Cadenza's policy does (`STRING_LIMITS`, docs/bus-profile.md "Request validation").

A failed check is a `Rejection`: the spec's 400 (`invalidQuery`, `missingQueryParameter`,
`invalidBody`) or, where the operation documents 422, the spec's list of `Error422`. Messages
name the parameter or property (as a JSON pointer) and say what was expected; they never echo
the value at length.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml
from jsonschema import Draft4Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from cadenza.core.error_model import error_body
from cadenza.core.parsed_cache import cached_build

__all__ = [
    "OpenApi30Validator",
    "FORMATS",
    "STRING_LIMITS",
    "ServedSpec",
    "Operation",
    "OperationTable",
    "Rejection",
    "load_spec",
    "spec_registry",
]

_guard = threading.local()


def _type(validator: Any, types: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if instance is None and schema.get("nullable"):
        return
    yield from Draft4Validator.VALIDATORS["type"](validator, types, instance, schema)


def _discriminator(validator: Any, discriminator: dict[str, Any], instance: Any,
                   schema: dict[str, Any]) -> Iterator[ValidationError]:
    """Validate a tagged object against the subtype its tag names. The subtypes refer back to
    the base (allOf), so each (object, subtype) pair is followed once."""
    if not isinstance(instance, dict) or discriminator.get("propertyName") not in instance:
        return
    tag = instance[discriminator["propertyName"]]
    mapping = discriminator.get("mapping") or {}
    ref = mapping.get(tag) if isinstance(tag, str) else None
    if ref is None:
        # A tag outside the mapping is allowed only for a type defined by `@schemaLocation`.
        if mapping and "@schemaLocation" not in instance:
            yield ValidationError(f"{_short(tag)} is not one of the subtypes {sorted(mapping)}",
                                  validator="discriminator", path=[discriminator["propertyName"]])
        return
    active: set[tuple[int, str]] = _guard.__dict__.setdefault("active", set())
    key = (id(instance), ref)
    if key in active:
        return
    active.add(key)
    try:
        yield from validator.descend(instance, {"$ref": ref})
    finally:
        active.discard(key)


FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    # RFC 3339: a date, a time and an offset (Python's parser alone would take a bare date).
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        return False
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).tzinfo is not None


@FORMATS.checks("date", raises=ValueError)
def _date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value)) and len(value) == 10


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(1 << 31) <= value < (1 << 31)


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(1 << 63) <= value < (1 << 63)


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


OpenApi30Validator = validators.extend(Draft4Validator, {"type": _type, "discriminator": _discriminator})

# Cadenza's length limits where the spec sets none (characters): identifiers and codes, URIs,
# and any other text. A request longer than this is refused naming the field and the limit.
STRING_LIMITS = {"identifier": 255, "uri": 2048, "text": 4000}
_IDENTIFIER_NAMES = {"id", "@type", "@baseType", "@referredType", "role", "state", "action", "code"}


def _limit_for(name: str | None, schema: dict[str, Any]) -> int:
    if schema.get("format") == "uri" or name in ("href", "@schemaLocation", "callback", "url"):
        return STRING_LIMITS["uri"]
    if name is not None and (name in _IDENTIFIER_NAMES or name.endswith("Id") or name.endswith(".id")):
        return STRING_LIMITS["identifier"]
    return STRING_LIMITS["text"]


def _with_limits(node: Any, name: str | None = None) -> None:
    """Give every string schema of a spec document that has no maxLength Cadenza's limit."""
    if isinstance(node, list):
        for child in node:
            _with_limits(child, name)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and "maxLength" not in node and "enum" not in node:
        node["maxLength"] = _limit_for(name, node)
    if isinstance(node.get("name"), str) and node.get("in") in ("query", "path") and "schema" in node:
        _with_limits(node["schema"], node["name"])
        return
    for key, child in node.items():
        if key == "properties" and isinstance(child, dict):
            for prop, sub in child.items():
                _with_limits(sub, prop)
        elif key in ("items", "additionalProperties") or key in ("allOf", "anyOf", "oneOf", "not"):
            _with_limits(child, name)
        elif isinstance(child, dict | list) and key not in ("example", "examples", "enum", "default"):
            _with_limits(child, None)


@cache
def load_spec(path: Path) -> tuple[str, dict[str, Any]]:
    """The spec document with Cadenza's string limits, and the URI it is known by."""
    return path.resolve().as_uri(), cached_build(path, _limited_document)


def _limited_document(path: Path) -> dict[str, Any]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    _with_limits(document.get("components", {}))
    _with_limits(document.get("paths", {}))
    return document


@cache
def spec_registry(path: Path) -> Registry[Any]:
    uri, document = load_spec(path)
    return Registry().with_resource(uri, Resource.from_contents(document, default_specification=DRAFT4))


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Rejection:
    """What the spec answers to a request that does not validate."""

    status: int
    body: Any  # an Error, or a list of Error422

    @property
    def first(self) -> dict[str, Any]:
        return self.body[0] if isinstance(self.body, list) else self.body


def _expected(error: ValidationError) -> str:
    """What a person should send instead, without repeating a long value back."""
    kind, expected = error.validator, error.validator_value
    if kind == "type":
        nullable = isinstance(error.schema, dict) and error.schema.get("nullable")
        return f"must be of type {expected}{' or null' if nullable else ''}, not {_json_type(error.instance)}"
    if kind == "enum":
        return f"must be one of {', '.join(map(str, expected))}"
    if kind == "maxLength":
        return f"is {len(error.instance)} characters long; at most {expected} are accepted"
    if kind == "minLength":
        return f"must be at least {expected} characters long"
    if kind == "format" and expected in ("int32", "int64"):
        return f"must fit in a signed {expected[3:]}-bit integer"
    if kind == "format":
        return f"must be a {expected} value (got {_short(error.instance)})"
    if kind in ("minItems", "maxItems"):
        return f"must have {'at least' if kind == 'minItems' else 'at most'} {expected} entries"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return error.message if len(error.message) < 120 else f"violates {kind} {expected}"
    if kind == "pattern":
        return f"must match the pattern {expected}"
    if kind == "required":
        return error.message
    return error.message if len(error.message) < 200 else f"fails the spec's {kind} rule"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)


def _deepest(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf/allOf failures, the sub-error nearest the faulty property."""
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.message)))
    return error


def _body_problem(error: ValidationError) -> tuple[str, str, str]:
    """(Error422 code, propertyPath, what was expected) for one violation."""
    error = _deepest(error)
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return "missingProperty", _pointer([*path, missing]), f"'{missing}' is required here"
    if error.validator == "additionalProperties":
        return "unexpectedProperty", _pointer(path), error.message
    code = "invalidFormat" if error.validator in ("format", "pattern") else "invalidValue"
    return code, _pointer(path), _expected(error)


_PARAM = re.compile(r"\{([^}]+)\}")


def _template_regex(template: str) -> re.Pattern[str]:
    pattern, last = "", 0
    for n, m in enumerate(_PARAM.finditer(template)):
        pattern += re.escape(template[last:m.start()]) + f"(?P<p{n}>[^/]+)"
        last = m.end()
    return re.compile("^" + pattern + re.escape(template[last:]) + "/?$")


@dataclass
class _Param:
    name: str
    required: bool
    schema: dict[str, Any]  # as written (for coercion)
    validator: Any


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


_SWAGGER2_SCHEMA_KEYS = ("type", "format", "enum", "items", "minimum", "maximum", "minLength", "maxLength",
                         "pattern")


class Operation:
    """One operation of one spec, compiled: its path and query parameters and its body."""

    def __init__(self, path: Path, template: str, method: str) -> None:
        uri, document = load_spec(path)
        registry = spec_registry(path)
        item = document["paths"][template]
        operation = item[method]
        self.spec = path.name
        self.spec_path = path
        self.template = template
        self.method = method.upper()
        self.operation_id = operation.get("operationId") or f"{method} {template}"
        self.param_names = [m.group(1) for m in _PARAM.finditer(template)]
        responses = operation.get("responses", {})
        self.answers_422_list = _is_list(document, responses.get("422"))
        self.documents_422 = "422" in responses
        base = f"{uri}#/paths/{template.replace('~', '~0').replace('/', '~1')}/{method}"

        def compile_schema(pointer: str) -> Any:
            return OpenApi30Validator({"$ref": pointer}, registry=registry, format_checker=FORMATS)

        self.path_params: dict[str, _Param] = {}
        self.query: dict[str, _Param] = {}
        declared = [("item", n, p) for n, p in enumerate(item.get("parameters", []))]
        declared += [("op", n, p) for n, p in enumerate(operation.get("parameters", []))]
        self.body_required = False
        self.body: Any = None
        for where, n, raw in declared:
            param = _resolve(document, raw)
            prefix = f"{uri}#/paths/{template.replace('~', '~0').replace('/', '~1')}"
            pointer = (f"{prefix}/parameters/{n}" if where == "item" else f"{base}/parameters/{n}")
            if "$ref" in raw:
                pointer = uri + raw["$ref"]
            if param.get("in") == "body" and "schema" in param:  # Swagger 2.0 (PRESTO)
                self.body_required = bool(param.get("required"))
                self.body = compile_schema(pointer + "/schema")
                continue
            if param.get("in") not in ("path", "query"):
                continue
            if "schema" in param:
                schema, validator = _resolve(document, param["schema"]), compile_schema(pointer + "/schema")
            else:  # Swagger 2.0: the type is written on the parameter itself
                schema = {k: v for k, v in param.items() if k in _SWAGGER2_SCHEMA_KEYS}
                validator = OpenApi30Validator(schema, format_checker=FORMATS)
            compiled = _Param(param["name"], bool(param.get("required")), schema, validator)
            (self.path_params if param["in"] == "path" else self.query)[param["name"]] = compiled
        request_body = _resolve(document, operation.get("requestBody") or {})
        content = request_body.get("content") or {}
        media = next((m for m in content if m.startswith("application/json")), None)
        if media is not None:
            self.body_required = bool(request_body.get("required"))
            escaped = media.replace("~", "~0").replace("/", "~1")
            pointer = (uri + operation["requestBody"]["$ref"] if "$ref" in operation["requestBody"]
                       else f"{base}/requestBody")
            self.body = compile_schema(f"{pointer}/content/{escaped}/schema")

    # -- checks ---------------------------------------------------------------------------

    def check(self, query_string: str, path_values: dict[str, str], body: Any, *, has_body: bool) -> Rejection | None:
        return (self._check_path(path_values) or self._check_query(query_string)
                or self._check_body(body, has_body=has_body))

    def _check_path(self, values: dict[str, str]) -> Rejection | None:
        for name, raw in values.items():
            param = self.path_params.get(name)
            if param is None:
                continue
            value = _coerce(raw, param.schema)
            error = next(iter(param.validator.iter_errors(value)), None) if value is not _INVALID else None
            if value is _INVALID or error is not None:
                what = _expected(error) if error is not None else f"must be of type {param.schema.get('type')}"
                return self._bad_request("invalidQuery", f"Path parameter '{name}' {what}")
        return None

    def _check_query(self, query_string: str) -> Rejection | None:
        given = parse_qs(query_string, keep_blank_values=True) if query_string else {}
        for name, param in self.query.items():
            values = given.get(name)
            if values is None:
                if param.required:
                    return self._bad_request("missingQueryParameter", f"Query parameter '{name}' is required")
                continue
            if param.schema.get("type") == "array":
                items = param.schema.get("items") or {}
                split = [v for value in values for v in value.split(",")] if len(values) == 1 else values
                value: Any = [_coerce(v, items) for v in split]
                invalid = any(v is _INVALID for v in value)
            else:
                if len(values) > 1:
                    return self._bad_request("invalidQuery", f"Query parameter '{name}' is given {len(values)} "
                                             "times; give it once")
                if values[0] == "":
                    return self._bad_request("missingQueryValue", f"Query parameter '{name}' has no value; "
                                             f"give a {_describe_type(param.schema)} or leave it out")
                value = _coerce(values[0], param.schema)
                invalid = value is _INVALID
            if invalid:
                return self._bad_request("invalidQuery", f"Query parameter '{name}' must be a "
                                         f"{_describe_type(param.schema)}, not {_short(values[0])}")
            error = next(iter(param.validator.iter_errors(value)), None)
            if error is not None:
                return self._bad_request("invalidQuery", f"Query parameter '{name}' {_expected(error)}")
        return None

    def _check_body(self, body: Any, *, has_body: bool) -> Rejection | None:
        if self.body is None:
            return None
        if not has_body:
            if self.body_required:
                return self._bad_request("invalidBody", f"{self.operation_id} needs a JSON request body")
            return None
        errors = list(self.body.iter_errors(body))
        if not errors:
            return None
        if not isinstance(body, dict) and any(not e.absolute_path for e in errors):
            return self._bad_request("invalidBody", f"The request body must be a JSON object, not "
                                     f"{_json_type(body)}")
        problems: dict[str, tuple[str, str]] = {}
        for error in errors[:20]:
            code, pointer, expected = _body_problem(error)
            problems.setdefault(pointer, (code, expected))
        if not (self.documents_422 and self.answers_422_list):
            pointer, (code, expected) = next(iter(problems.items()))
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            return self._bad_request("invalidBody", f"{pointer or '/'}: {expected}{more}")
        listed = [error_body(code, f"{pointer or '/'}: {expected}", property_path=pointer or "/")
                  for pointer, (code, expected) in problems.items()]
        return Rejection(422, listed)

    def _bad_request(self, code: str, reason: str) -> Rejection:
        where = f"{self.method} {self.template} ({self.spec})"
        return Rejection(400, error_body(code, reason, message=f"{where}: {reason}"))


_INVALID = object()


def _describe_type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "value among " + ", ".join(map(str, schema["enum"]))
    kind = schema.get("type", "string")
    fmt = schema.get("format")
    if kind == "string" and fmt in ("date-time", "date"):
        return f"{fmt} (e.g. {'2025-01-31T12:00:00Z' if fmt == 'date-time' else '2025-01-31'})"
    return {"integer": "whole number", "number": "number", "boolean": "boolean (true or false)"}.get(kind, kind)


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    """A query or path string as the type its schema declares; _INVALID when it is not one."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            if not re.fullmatch(r"[+-]?\d{1,18}", raw.strip()):
                return _INVALID
            return int(raw)
        if kind == "number":
            value = float(raw)
            return value if math.isfinite(value) else _INVALID
    except ValueError:
        return _INVALID
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower(), _INVALID)
    return raw


def _is_list(document: dict[str, Any], response: Any) -> bool:
    if not isinstance(response, dict):
        return False
    response = _resolve(document, response)
    for media, content in (response.get("content") or {}).items():
        if media.startswith("application/json"):
            return _resolve(document, content.get("schema") or {}).get("type") == "array"
    return False


@dataclass(frozen=True)
class ServedSpec:
    """An official spec file and where its operations are served. `base` defaults to the path of
    the spec's own server URL; listener APIs sit below a callback prefix (`prefixed`)."""

    path: Path
    base: str | None = None
    prefixed: bool = False
    skip: frozenset[tuple[str, str]] = field(default=frozenset())  # (METHOD, template) Cadenza does not serve

    def served_base(self) -> str:
        if self.base is not None:
            return self.base.rstrip("/")
        _uri, document = load_spec(self.path)
        if "basePath" in document:  # Swagger 2.0
            return str(document["basePath"]).rstrip("/")
        servers = document.get("servers") or [{}]
        return urlsplit(servers[0].get("url", "").replace("{serverBase}", "host")).path.rstrip("/")


class OperationTable:
    """Finds the spec operation a request targets, by method and path under the spec's base."""

    def __init__(self, specs: list[ServedSpec]) -> None:
        self._apis: dict[str, tuple[ServedSpec, dict[tuple[str, str], Operation], list[tuple[str, re.Pattern[str],
                                                                                         Operation]]]] = {}
        for spec in specs:
            _uri, document = load_spec(spec.path)
            literal: dict[tuple[str, str], Operation] = {}
            templated: list[tuple[str, re.Pattern[str], Operation]] = []
            for template, item in document.get("paths", {}).items():
                for method in item:
                    if method not in ("get", "post", "put", "patch", "delete"):
                        continue
                    if (method.upper(), template) in spec.skip:
                        continue
                    operation = Operation(spec.path, template, method)
                    if "{" in template:
                        templated.append((method.upper(), _template_regex(template.rstrip("/")), operation))
                    else:
                        literal[(method.upper(), template.rstrip("/") or "/")] = operation
            self._apis[spec.served_base()] = (spec, literal, templated)
        bases = sorted(self._apis, key=len, reverse=True)
        self._bases = re.compile("|".join(re.escape(b) for b in bases)) if bases else None

    @property
    def operations(self) -> Iterator[tuple[str, Operation]]:
        """(served path template, operation) for every operation in the table."""
        for base, (_spec, literal, templated) in self._apis.items():
            for op in [*literal.values(), *(t[2] for t in templated)]:
                yield base + op.template, op

    def bases(self) -> list[tuple[str, bool]]:
        return [(base, spec.prefixed) for base, (spec, _l, _t) in self._apis.items()]

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        if self._bases is None:
            return None
        found = self._bases.search(path)
        if found is None:
            return None
        spec, literal, templated = self._apis[found.group(0)]
        if found.start() != 0 and not spec.prefixed:
            return None
        rest = path[found.end():]
        rest = rest.rstrip("/") or "/"
        operation = literal.get((method, rest))
        if operation is not None:
            return operation, {}
        for op_method, pattern, operation in templated:
            if op_method != method:
                continue
            m = pattern.match(rest)
            if m is not None:
                values = list(m.groupdict().values())
                return operation, dict(zip(operation.param_names, values, strict=True))
        return None
