"""The faults of the twin on disk, so a network whose simulator restarts is the network it was.

A cut fibre does not heal because the process simulating it was killed: after a restart the
links keep their state and degradation, the elements that were down stay down, and so do the
ports that failed. Without this, a domain killed in the middle of a remedy came back to a
network that had healed by itself, and a trouble ticket could be resolved by the restart
instead of by the remedy. Only the links that differ from the configured network are written;
the file is replaced atomically, as the running configuration is (ecm/persist.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cadenza.interfaces.adagio.contract import LinkState

__all__ = ["SavedFaults", "link_key", "save_faults", "load_faults"]

_CHANGEABLE = ("up", "capacity_mbps", "delay_ms", "loss_ratio")  # what a fault or degradation changes of a link


@dataclass(frozen=True, slots=True)
class SavedFaults:
    links: Mapping[str, LinkState]  # by link_key, each as it was when saved
    down_elements: frozenset[str]
    down_ports: frozenset[tuple[str, str]]


def link_key(link: LinkState) -> str:
    return f"{link.a}:{link.a_port}|{link.b}:{link.b_port}"


def save_faults(path: Path, links: Iterable[LinkState], designed: Mapping[str, LinkState],
                down_elements: Iterable[str], down_ports: Iterable[tuple[str, str]]) -> None:
    """Write the links that differ from `designed` (their configuration), and what is down."""
    changed = {link_key(link): {name: getattr(link, name) for name in _CHANGEABLE}
               for link in links if link != designed.get(link_key(link))}
    document = {"links": changed, "downElements": sorted(down_elements),
                "downPorts": [f"{element}:{port}" for element, port in sorted(down_ports)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(document, indent=1))
    os.replace(tmp, path)


def load_faults(path: Path, designed: Mapping[str, LinkState]) -> SavedFaults | None:
    """What was saved at `path`, its links as `designed` with what had changed (None: nothing saved)."""
    if not path.exists():
        return None
    document = json.loads(path.read_text())
    links = {key: dataclasses.replace(designed[key], **{n: values[n] for n in _CHANGEABLE if n in values})
             for key, values in (document.get("links") or {}).items() if key in designed}
    ports = frozenset((element, port) for element, _, port in
                      (text.partition(":") for text in document.get("downPorts") or ()))
    return SavedFaults(links, frozenset(document.get("downElements") or ()), ports)
