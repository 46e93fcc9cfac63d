"""Identifiers: UUIDs in the canonical lowercase form the MEF and TAPI specs ask for."""

from __future__ import annotations

import uuid

__all__ = ["new_id"]


def new_id() -> str:
    return str(uuid.uuid4())
