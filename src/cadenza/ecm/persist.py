"""The running configuration on disk, so an element keeps its configuration across a restart
of the process that simulates it, as a real device keeps it across a reboot.

The file is replaced atomically (write aside, then rename): a process killed mid-write
leaves the previous file intact. No fsync: the twin must survive SIGKILL, which leaves the
page cache alone, not a power cut.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from cadenza.ecm.model import ElementData
from cadenza.ecm.xmlcodec import NC_NS, config_to_xml, parse_data

__all__ = ["Saved", "save", "load"]

_TWIN_NS = "urn:cadenza:twin"


@dataclass(frozen=True, slots=True)
class Saved:
    data: ElementData
    commits: int = 0
    configured_at: dict[str, float] = field(default_factory=dict)
    writes: int = 0


def save(path: Path, saved: Saved) -> None:
    root = etree.Element(f"{{{_TWIN_NS}}}element", nsmap={None: _TWIN_NS}, commits=str(saved.commits),
                         writes=str(saved.writes))
    for fc_id, at in saved.configured_at.items():
        etree.SubElement(root, f"{{{_TWIN_NS}}}configured", fc=fc_id, at=repr(at))
    config_to_xml(etree.SubElement(root, f"{{{NC_NS}}}data", nsmap={"nc": NC_NS}), saved.data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))
    os.replace(tmp, path)


def load(path: Path) -> Saved | None:
    if not path.exists():
        return None
    root = etree.parse(str(path)).getroot()
    data = root.find(f"{{{NC_NS}}}data")
    configured = {c.get("fc", ""): float(c.get("at", "0")) for c in root.iter(f"{{{_TWIN_NS}}}configured")}
    return Saved(parse_data(data) if data is not None else ElementData(), int(root.get("commits", "0")), configured,
                 int(root.get("writes", "0")))
