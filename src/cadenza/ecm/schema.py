"""YANG validation of element configuration with yangson.

The module `yang/cadenza-network-element@2026-11-27.yang` carries every rule YANG can state
per construct: types and ranges, exactly two end points, the port leafref, mandatory leaves
and the `must` comparing CIR with the ports' speed. Rules spanning constructs live in
`validator.py` (see there for why).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from yangson import DataModel
from yangson.exceptions import RawDataError, SchemaError, SemanticError, ValidationError, YangsonException

from cadenza.ecm.errors import RpcError
from cadenza.ecm.model import MODULE

__all__ = ["data_model", "yang_check"]

# RFC 7950 §15 names the NETCONF error-tag each YANG violation is reported with.
_TAGS = {"instance-required": "data-missing", "too-few-elements": "operation-failed",
         "too-many-elements": "operation-failed", "must-violation": "operation-failed",
         "missing-instance": "missing-element", "non-unique": "operation-failed"}


@cache
def data_model() -> DataModel:
    yang_dir = files("cadenza.ecm") / "yang"
    library = (yang_dir / "yang-library.json").read_text(encoding="utf-8")
    return DataModel(library, [str(yang_dir)])


def yang_check(ports: Mapping[str, int], raw_fcs: Iterable[Mapping[str, Any]]) -> None:
    """Validate the ports and the given constructs (RFC 7951 raw form) against the module.

    Constructs only refer to ports, so validating a subset of them against all ports is
    as strict as validating the whole datastore, and keeps a commit O(changed)."""
    raw = {
        f"{MODULE}:ports": {"port": [{"name": n, "speed-mbps": s} for n, s in ports.items()]},
        f"{MODULE}:forwarding-constructs": {"forwarding-construct": list(raw_fcs)},
    }
    try:
        data_model().from_raw(raw).validate()
    except RawDataError as exc:
        what = getattr(exc, "message", "unknown element")
        raise RpcError("invalid-value", f"{_readable(str(exc.path))}: {what}", path=str(exc.path)) from None
    except (SemanticError, SchemaError) as exc:
        raise RpcError(_TAGS.get(exc.tag, "operation-failed"), _describe(exc), path=_path(exc)) from None
    except ValidationError as exc:
        raise RpcError("invalid-value", _describe(exc), path=_path(exc)) from None
    except YangsonException as exc:
        raise RpcError("operation-failed", f"invalid configuration: {exc}") from None


# What a person should read for the YANG violations the module can produce.
_HINTS = {"instance-required": "refers to a port the element does not have",
          "too-few-elements": "a forwarding construct needs exactly two end points",
          "too-many-elements": "a forwarding construct needs exactly two end points"}


def _readable(path: str) -> str:
    return path.replace(f"{MODULE}:", "")


def _path(exc: ValidationError) -> str:
    return _readable(str(exc.instance.instance_route()))


def _describe(exc: ValidationError) -> str:
    what = exc.message or _HINTS.get(exc.tag or "", "")
    return f"{_path(exc)}: {exc.tag}" + (f" ({what})" if what else "")
