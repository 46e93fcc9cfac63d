"""The running configuration on disk, so an element keeps its configuration across a restart
of the process that simulates it, as a real device keeps it across a reboot.

The file is replaced atomically (write aside, then rename): a process killed mid-write
leaves the previous file intact. No fsync: the twin must survive SIGKILL, which leaves the
page cache alone, not a power cut.

Each commit writes the whole file, and an aggregation element carries a construct for every
service crossing it: building the XML of a thousand constructs anew for each reroute made
persistence grow with the square of the services moved. A construct is immutable, so its XML
is built once and the file is joined from those pieces; it reads back as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

from cadenza.ecm.model import NAMESPACE, ElementData
from cadenza.ecm.xmlcodec import NC_NS, config_to_xml, fcs_to_xml, parse_data
from cadenza.interfaces.adagio.contract import ForwardingConstruct

__all__ = ["Saved", "save", "load"]

_TWIN_NS = "urn:cadenza:twin"


@dataclass(frozen=True, slots=True)
class Saved:
    data: ElementData
    commits: int = 0
    configured_at: dict[str, float] = field(default_factory=dict)
    writes: int = 0


@lru_cache(maxsize=1 << 16)
def _fc_xml(fc: ForwardingConstruct) -> bytes:
    """The construct's <forwarding-construct> as the file holds it, built once per construct."""
    holder = etree.Element(f"{{{NAMESPACE}}}holder", nsmap={None: NAMESPACE})
    fcs_to_xml(holder, [fc])
    return etree.tostring(holder[0][0], pretty_print=True)


def save(path: Path, saved: Saved) -> None:
    ports = etree.Element(f"{{{NC_NS}}}data", nsmap={"nc": NC_NS})
    config_to_xml(ports, ElementData(ports=saved.data.ports))  # the ports, then an empty constructs container
    parts = [b"<?xml version='1.0' encoding='utf-8'?>\n",
             f'<element xmlns="{_TWIN_NS}" commits="{saved.commits:d}" writes="{saved.writes:d}">\n'.encode(),
             *(f'<configured fc={quoteattr(fc_id)} at="{at!r}"/>\n'.encode()
               for fc_id, at in saved.configured_at.items()),
             f'<nc:data xmlns:nc="{NC_NS}">\n'.encode(), etree.tostring(ports[0], pretty_print=True),
             f'<forwarding-constructs xmlns="{NAMESPACE}">\n'.encode(),
             *(_fc_xml(fc) for fc in saved.data.fcs.values()),
             b"</forwarding-constructs>\n</nc:data>\n</element>\n"]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(b"".join(parts))
    os.replace(tmp, path)


def load(path: Path) -> Saved | None:
    if not path.exists():
        return None
    root = etree.parse(str(path)).getroot()
    data = root.find(f"{{{NC_NS}}}data")
    configured = {c.get("fc", ""): float(c.get("at", "0")) for c in root.iter(f"{{{_TWIN_NS}}}configured")}
    return Saved(parse_data(data) if data is not None else ElementData(), int(root.get("commits", "0")), configured,
                 int(root.get("writes", "0")))
