"""The faults of the twin on disk, so a network whose simulator restarts is the network it was.

A cut fibre does not heal because the process simulating it was killed: after a restart the
links keep their state and degradation, the elements that were down stay down, and so do the
ports that failed. Without this, a domain killed in the middle of a remedy came back to a
network that had healed by itself, and a trouble ticket could be resolved by the restart
instead of by the remedy. Only what differs from the configured network is written; the file
is replaced atomically, as the running configuration is (ecm/persist.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

__all__ = ["LinkFault", "SavedFaults", "link_key", "save_faults", "load_faults"]


class _LinkLike(Protocol):
    a: str
    a_port: str
    b: str
    b_port: str
    capacity_mbps: int
    delay_ms: float
    loss_ratio: float
    up: bool


@dataclass(frozen=True, slots=True)
class LinkFault:
    up: bool
    capacity_mbps: int
    delay_ms: float
    loss_ratio: float


@dataclass(frozen=True, slots=True)
class SavedFaults:
    links: Mapping[str, LinkFault]  # by "element:port|element:port" of the link's a and b ends
    down_elements: frozenset[str]
    down_ports: frozenset[tuple[str, str]]


def link_key(link: _LinkLike) -> str:
    return f"{link.a}:{link.a_port}|{link.b}:{link.b_port}"


def save_faults(path: Path, links: Iterable[_LinkLike], designed: Mapping[str, LinkFault],
                down_elements: Iterable[str], down_ports: Iterable[tuple[str, str]]) -> None:
    """Write the links that differ from `designed` (their configuration), and what is down."""
    changed: dict[str, Any] = {}
    for link in links:
        now = LinkFault(link.up, link.capacity_mbps, link.delay_ms, link.loss_ratio)
        if now != designed.get(link_key(link)):
            changed[link_key(link)] = {"up": now.up, "capacityMbps": now.capacity_mbps, "delayMs": now.delay_ms,
                                       "lossRatio": now.loss_ratio}
    document = {"links": changed, "downElements": sorted(down_elements),
                "downPorts": [f"{element}:{port}" for element, port in sorted(down_ports)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(document, indent=1))
    os.replace(tmp, path)


def load_faults(path: Path) -> SavedFaults | None:
    if not path.exists():
        return None
    document = json.loads(path.read_text())
    links = {key: LinkFault(bool(v["up"]), int(v["capacityMbps"]), float(v["delayMs"]), float(v["lossRatio"]))
             for key, v in (document.get("links") or {}).items()}
    ports = frozenset(tuple(text.split(":", 1)) for text in document.get("downPorts") or ())
    return SavedFaults(links, frozenset(document.get("downElements") or ()), ports)  # type: ignore[arg-type]
