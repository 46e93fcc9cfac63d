"""Start and stop the whole twin of a provider domain.

In `netconf` mode every element gets its own NETCONF/SSH server on 127.0.0.1, at
`netconf_base_port + index` in configuration order (or any free port with `base_port=0`),
and the manager reaches them with ncclient. In `scale` mode there are no servers: the
manager calls the same datastores in-process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cadenza.ecm.driver import Driver
from cadenza.ecm.manager import ElementManager
from cadenza.ecm.netconf_driver import NetconfDriver
from cadenza.ecm.netconf_server import ElementServer
from cadenza.ecm.scale_driver import ScaleDriver
from cadenza.ecm.settings import EcmSettings
from cadenza.ecm.ssh import host_key
from cadenza.ecm.twin import NetworkTwin

__all__ = ["TwinRuntime", "start_twin"]


@dataclass
class TwinRuntime:
    twin: NetworkTwin
    manager: ElementManager
    servers: dict[str, ElementServer] = field(default_factory=dict)

    @property
    def ports(self) -> dict[str, int]:
        """Element name -> NETCONF port (empty in scale mode)."""
        return {name: server.port for name, server in self.servers.items()}

    def close(self) -> None:
        self.manager.close()
        for server in self.servers.values():  # signal all first, then wait: they wind down together
            server.close()
        for server in self.servers.values():
            server.join()

    def __enter__(self) -> TwinRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_twin(config: EcmSettings, *, var_dir: Path, driver: Literal["netconf", "scale"] | None = None,
               base_port: int | None = None, workers: int = 32) -> TwinRuntime:
    """Build the twin for every network domain of `config`, serve it, return the manager.

    `driver` and `base_port` override `config.twin` (tests use `base_port=0`)."""
    twin = NetworkTwin(config, var_dir=var_dir)
    mode = driver or config.twin.driver
    if mode == "scale":
        return TwinRuntime(twin, ElementManager(ScaleDriver(twin.elements, twin), twin, workers=workers))
    first = config.twin.netconf_base_port if base_port is None else base_port
    key = host_key(var_dir)
    servers: dict[str, ElementServer] = {}
    try:
        for index, (name, datastore) in enumerate(twin.elements.items()):
            port = first + index if first else 0
            servers[name] = ElementServer(datastore, var_dir=var_dir, port=port, key=key, state=twin)
    except OSError:
        for server in servers.values():
            server.close()
        raise
    nc: Driver = NetconfDriver({name: server.port for name, server in servers.items()})
    return TwinRuntime(twin, ElementManager(nc, twin, workers=workers), servers)
