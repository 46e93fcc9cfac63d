"""The MEF `Error` body (`code`, `reason`, `message`, `propertyPath`), on its own so that the
request guard's spec validation (core/openapi_validation.py) and the error handlers
(core/errors.py, which import the guard) render it alike without importing each other."""

from __future__ import annotations

from typing import Any

__all__ = ["error_body"]


def error_body(code: str, reason: str, *, message: str | None = None, property_path: str | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "reason": reason[:255]}  # the specs cap reason at 255
    if message:
        body["message"] = message
    if property_path is not None:
        body["propertyPath"] = property_path
    return body
