"""A minimal OpenAPI 3.0 response check for the Legato specs: a body must validate against
the named component schema (refs resolved inside the spec document)."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml
from jsonschema import Draft7Validator

from tests.helpers.mef import MEF_LSO


@cache
def _document(spec_file: str) -> dict[str, Any]:
    with open(MEF_LSO / spec_file, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def assert_valid(spec_file: str, schema: str, body: Any, *, many: bool = False) -> None:
    components = _document(spec_file)["components"]
    ref = {"$ref": f"#/components/schemas/{schema}"}
    root = {"type": "array", "items": ref} if many else ref
    validator = Draft7Validator({**root, "components": components})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
