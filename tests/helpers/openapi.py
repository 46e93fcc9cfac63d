"""Conformance of a response body to the official MEF OpenAPI (3.0) spec of its API.

    assert_conforms("sonata/productApi/catalog/productCatalog.api.yaml", "/productOffering/{id}",
                    "get", 200, response.json())

The spec path is absolute or relative to the MEF LSO folder; the path template is the spec's
own key under `paths` (without the server base path). The schema of that response is checked
with jsonschema against the spec document itself, so every `$ref` resolves as the spec wrote it,
plus what OpenAPI 3.0 adds to JSON Schema (`nullable`, `discriminator`, formats), as the request
validation in src/cadenza/core/openapi_validation.py does; responses are checked against the
spec as written, without Cadenza's string limits.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from cadenza.core.openapi_validation import FORMATS, OpenApi30Validator
from tests.helpers.mef import MEF_LSO

__all__ = ["assert_conforms", "response_schema_ref"]

def _resolve(spec_path: str | Path) -> Path:
    path = Path(spec_path)
    return path if path.is_absolute() else MEF_LSO / path


@cache
def _spec(path: Path) -> tuple[str, dict[str, Any]]:
    return path.resolve().as_uri(), yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


@cache
def _registry(path: Path) -> Registry[Any]:
    uri, document = _spec(path)
    return Registry().with_resource(uri, Resource.from_contents(document, default_specification=DRAFT4))


def _pointer(*parts: str) -> str:
    return quote("".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts), safe="/~")


def response_schema_ref(spec_path: str | Path, path_template: str, method: str, status: int) -> str | None:
    """The `$ref` of the JSON schema of that response; None when the response has no body."""
    path = _resolve(spec_path)
    uri, document = _spec(path)
    operation = (document.get("paths", {}).get(path_template) or {}).get(method.lower())
    assert operation is not None, f"{path.name} has no {method.upper()} {path_template}"
    responses = operation.get("responses", {})
    key = str(status) if str(status) in responses else "default"
    assert key in responses, f"{path.name}: {method.upper()} {path_template} documents no {status} response"
    content = responses[key].get("content") or {}
    media = next((m for m in content if m.startswith("application/json")), None)
    if media is None:
        return None
    return uri + "#" + _pointer("paths", path_template, method.lower(), "responses", key, "content", media, "schema")


def assert_conforms(spec_path: str | Path, path_template: str, method: str, status: int, body: Any) -> None:
    """Fail with every violation listed when `body` is not what the spec documents."""
    ref = response_schema_ref(spec_path, path_template, method, status)
    if ref is None:
        assert body in (None, b"", ""), f"{method.upper()} {path_template} {status} has no body in the spec"
        return
    validator = OpenApi30Validator({"$ref": ref}, registry=_registry(_resolve(spec_path)), format_checker=FORMATS)
    # A subtype repeats its base (allOf), so the same violation can be found twice.
    errors = sorted({(e.json_path, e.message[:300]) for e in validator.iter_errors(body)})
    problems = "\n".join(f"  at {where}: {message}" for where, message in errors[:20])
    assert not errors, f"{method.upper()} {path_template} {status} does not conform to {spec_path}:\n{problems}"
