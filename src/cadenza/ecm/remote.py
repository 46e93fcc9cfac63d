"""The network twin and its element manager in a process of their own.

In one process the domain's Python (planning, workflows, HTTP) and the network's (element
datastores, YANG checks, NETCONF servers and their SSH) share one interpreter lock, so a
busy network slows the OSS and the other way round. With `twin.process: own` the twin and
ECM run in a child process and the domain reaches them through proxies over a local
connection (stdlib `multiprocessing.managers`): ADAGIO calls (`apply_many` carries a whole
activation group in one message) and the twin's operator calls (status, faults). The
contract is the same either way; only the transport differs, as ARCHITECTURE §2 allows.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.managers import BaseManager, BaseProxy
from pathlib import Path
from typing import Any

from cadenza.landscape.config import DomainConfig

__all__ = ["RemoteTwinRuntime", "start_remote_twin"]

_MANAGER_METHODS = ("apply", "remove", "read", "elements", "links", "faults", "measure", "counters", "apply_many",
                    "remove_many")
_TWIN_METHODS = ("status", "fail_link", "restore_link", "degrade_link", "fail_element", "restore_element",
                 "faults", "element_states", "link_states", "refuse_edits")

_runtime: Any = None  # the child's TwinRuntime, built by `_start` before any request is served


def _start(config: DomainConfig, var_dir: Path, driver: str | None, base_port: int | None) -> None:
    from cadenza.ecm.runtime import start_twin

    global _runtime
    _runtime = start_twin(config, var_dir=var_dir, driver=driver, base_port=base_port)  # type: ignore[arg-type]


class _Facade:
    """What the parent asks of the child that is neither ADAGIO nor the twin's own API."""

    def ports(self) -> dict[str, int]:
        return _runtime.ports

    def close(self) -> None:
        _runtime.close()


class _TwinProcess(BaseManager):
    pass


def _manager() -> Any:
    return _runtime.manager


def _twin() -> Any:
    return _runtime.twin


# Module-level callables: under spawn the registry travels to the child by pickle.
_TwinProcess.register("manager", callable=_manager, exposed=_MANAGER_METHODS)
_TwinProcess.register("twin", callable=_twin, exposed=_TWIN_METHODS)
_TwinProcess.register("facade", callable=_Facade, exposed=("ports", "close"))


class RemoteTwinRuntime:
    """Stands in for `TwinRuntime`: `.manager` (an AdagioClient), `.twin`, `.ports`, `close()`."""

    def __init__(self, process: _TwinProcess) -> None:
        self._process = process
        self.manager: BaseProxy = process.manager()  # type: ignore[attr-defined]
        self.twin: BaseProxy = process.twin()  # type: ignore[attr-defined]
        self._facade: BaseProxy = process.facade()  # type: ignore[attr-defined]
        self.ports: dict[str, int] = self._facade.ports()  # type: ignore[attr-defined]

    def close(self) -> None:
        try:
            self._facade.close()  # type: ignore[attr-defined]
        finally:
            self._process.shutdown()

    def __enter__(self) -> RemoteTwinRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_remote_twin(config: DomainConfig, *, var_dir: Path, driver: str | None = None,
                      base_port: int | None = None) -> RemoteTwinRuntime:
    # spawn, not fork: the domain already runs threads, and a forked copy of their locks can hang
    process = _TwinProcess(ctx=multiprocessing.get_context("spawn"))
    process.start(initializer=_start, initargs=(config, var_dir, driver, base_port))
    return RemoteTwinRuntime(process)
