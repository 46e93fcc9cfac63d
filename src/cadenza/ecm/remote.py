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

import abc
import contextlib
import functools
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.managers import BaseManager, BaseProxy
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

from cadenza.core.errors import ServiceUnavailable
from cadenza.ecm.settings import EcmSettings
from cadenza.interfaces.adagio.contract import ElementResult, ElementUnreachable, Faults, ForwardingConstruct

__all__ = ["RemoteTwinRuntime", "start_remote_twin", "AttachedTwinRuntime", "attach_twin"]

log = logging.getLogger(__name__)

_MANAGER_METHODS = ("apply", "remove", "read", "elements", "links", "faults", "measure", "counters", "apply_many",
                    "remove_many", "pm_intervals", "pm_intervals_many", "alarms",
                    "pm_clock")  # not wait_for_fault_change: the domain's side answers it from shared memory
_TWIN_METHODS = ("status", "fail_link", "restore_link", "degrade_link", "fail_element", "restore_element",
                 "faults", "element_states", "link_states", "refuse_edits", "clock_state", "set_clock", "demand",
                 "set_demand", "traffic_summary", "drift_construct")

_runtime: Any = None  # the child's TwinRuntime, built by `_start` before any request is served
_fault_changes: Synchronized[int] | None = None


def _start(config: EcmSettings, var_dir: Path, driver: str | None, base_port: int | None,
           fault_changes: Synchronized[int], fault_signal: EventType | None = None) -> None:
    from cadenza.core.gc_tuning import settle_after_start
    from cadenza.ecm.runtime import start_twin

    global _runtime, _fault_changes
    _fault_changes = fault_changes
    _runtime = start_twin(config, var_dir=var_dir, driver=driver, base_port=base_port)  # type: ignore[arg-type]

    def count_fault_change() -> None:
        with fault_changes.get_lock():
            fault_changes.value += 1
        if fault_signal is not None:  # wakes the domain's watchers; they read the count
            fault_signal.set()

    _runtime.twin.fault_listeners.append(count_fault_change)
    settle_after_start()
    threading.Thread(target=_end_with_parent, name="twin-parent-watch", daemon=True).start()


def _end_with_parent() -> None:
    """The twin lives as long as its domain: a domain killed outright (SIGKILL, a crash) must
    not leave its network running, holding NETCONF ports and element files, beside the next
    start. Ending at once is what the twin would do in the domain's own process."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(0)


class _Facade:
    """What the parent asks of the child that is neither ADAGIO nor the twin's own API."""

    def ports(self) -> dict[str, int]:
        return _runtime.ports

    def fault_changes(self) -> int:
        """The count of fault changes, for domains that attach from other processes (they
        share no memory with the child and ask)."""
        return _fault_changes.value if _fault_changes is not None else 0

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
_TwinProcess.register("facade", callable=_Facade, exposed=("ports", "fault_changes", "close"))


_GONE = (EOFError, ConnectionError, BrokenPipeError, OSError)  # what a proxy raises once the child has gone
_REASON = "the network twin's process does not answer"


class _ToChild(abc.ABC):
    """Calls through the current child's proxy (`attach` leads to a new one after a restart);
    a call the child cannot answer because it has gone raises what `_gone` says instead."""

    def __init__(self) -> None:
        self._proxy: BaseProxy | None = None

    @abc.abstractmethod
    def _gone(self, args: tuple[Any, ...]) -> Exception:
        """The error a caller gets while the child is gone (each proxy says what that means)."""

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._proxy, name)(*args, **kwargs)
        except _GONE:
            raise self._gone(args) from None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return functools.partial(self._call, name)


class _RemoteAdagio(_ToChild):
    """The ECM proxy, answering as ADAGIO does when the twin's process is gone: every element
    is unreachable (services fail and are rolled back with that reason) instead of a
    connection error nobody upstream expects."""

    def attach(self, proxy: BaseProxy, fault_changes: Synchronized[int], alive: Callable[[], bool],
               fault_signal: EventType | None = None) -> None:
        """Lead to a (new) child: its proxy, its count of fault changes, whether it lives, and
        the event it sets after counting one."""
        self._proxy = proxy
        self._fault_changes = fault_changes
        self._fault_signal = fault_signal
        self._process_alive = alive
        self._faults: tuple[int, Faults] | None = None

    def wait_for_fault_change(self, seen: int, timeout_s: float) -> int:
        """As ADAGIO says. A restarted child counts from 0 again: a count unlike `seen` is news
        either way (a network that restarted has its faults cleared)."""
        changes = self._fault_changes.value
        if changes != seen:
            return changes
        signal = self._fault_signal
        if signal is None:
            time.sleep(timeout_s)
        elif signal.wait(timeout_s):
            signal.clear()  # then read the count: a change after the clear sets it again
        return self._fault_changes.value

    def _gone(self, args: tuple[Any, ...]) -> Exception:
        return ElementUnreachable(str(args[0]) if args else "network", _REASON)

    def faults(self) -> Faults:
        """The twin's faults, asked again only after the twin counted a change: planning reads
        them for every group, and a question to a busy process can wait for its whole group."""
        changes = self._fault_changes.value  # read before asking: a change meanwhile asks again next time
        known = self._faults
        if known is not None and known[0] == changes:
            if not self._process_alive():
                raise self._gone(())
            return known[1]
        faults: Faults = self._call("faults")
        self._faults = (changes, faults)
        return faults

    def apply_many(self, items: Sequence[tuple[str, ForwardingConstruct]]) -> list[ElementResult]:
        try:
            return self._proxy.apply_many(list(items))  # type: ignore[union-attr]
        except _GONE:
            return [ElementResult(e, fc.fc_id, error=ElementUnreachable(e, _REASON)) for e, fc in items]

    def remove_many(self, items: Sequence[tuple[str, str]]) -> list[ElementResult]:
        try:
            return self._proxy.remove_many(list(items))  # type: ignore[union-attr]
        except _GONE:
            return [ElementResult(e, fc_id, error=ElementUnreachable(e, _REASON)) for e, fc_id in items]


class _RemoteTwin(_ToChild):
    """The twin's operator API (status, faults) through the current child: a call while the
    child is gone answers 503, as the domain restarts it."""

    def attach(self, proxy: BaseProxy) -> None:
        self._proxy = proxy

    def _gone(self, args: tuple[Any, ...]) -> Exception:
        return ServiceUnavailable("The network twin's process does not answer; the domain is restarting it, "
                                  "try again in a few seconds")


class RemoteTwinRuntime:
    """Stands in for `TwinRuntime`: `.manager` (an AdagioClient), `.twin`, `.ports`, `close()`.

    It also supervises the child: when the child dies (a crash, a kill), a new one starts
    after `restart_after_s` (doubling, up to 30 s, while starts keep failing) and the same
    `.manager` and `.twin` lead to it; then each `on_restart` callback runs, so the domain can
    put back what a network that restarted empty should carry (a persisted twin restores its
    elements' running configuration itself). Until then ADAGIO answers "unreachable"."""

    MAX_DELAY_S = 30.0

    def __init__(self, launch: Callable[[], tuple[Any, ...]], *,
                 restart_after_s: float = 1.0) -> None:
        self._launch = launch
        self.restart_after_s = restart_after_s
        self.restarts = 0
        self.on_restart: list[Callable[[], None]] = []
        self.manager = _RemoteAdagio()
        self.twin = _RemoteTwin()
        self._closing = threading.Event()
        self._attach(*launch())
        self._supervisor = threading.Thread(target=self._supervise, name="twin-supervisor", daemon=True)
        self._supervisor.start()

    def _attach(self, process: _TwinProcess, fault_changes: Synchronized[int],
                fault_signal: EventType | None = None) -> None:
        child = process._process  # type: ignore[attr-defined]  # the manager's server process
        self._process, self._child = process, child
        self.manager.attach(process.manager(), fault_changes, child.is_alive,  # type: ignore[attr-defined]
                            fault_signal)
        self.twin.attach(process.twin())  # type: ignore[attr-defined]
        self._facade: BaseProxy = process.facade()  # type: ignore[attr-defined]
        self.ports: dict[str, int] = self._facade.ports()  # type: ignore[attr-defined]
        # where the child answers other processes (`serve_at`); stand-ins in tests have none
        self.address: tuple[str, int] | None = getattr(process, "address", None)

    def _supervise(self) -> None:
        delay = self.restart_after_s
        while True:
            self._child.join()
            if self._closing.wait(delay):
                return
            log.warning("the network twin's process ended (exit code %s); starting it again", self._child.exitcode)
            with contextlib.suppress(Exception):
                self._process.shutdown()  # what is left of the old one (its manager's bookkeeping)
            try:
                self._attach(*self._launch())
                if self._closing.is_set():  # the domain stopped while the child started
                    self._process.shutdown()
                    return
            except Exception:
                delay = min(max(delay, 0.5) * 2, self.MAX_DELAY_S)
                log.exception("the network twin's process could not be started again; next try in %.0f s", delay)
                continue  # the old child has ended: the loop waits `delay`, then tries again
            delay = self.restart_after_s
            log.info("the network twin's process is back; putting back what it carried")
            for callback in self.on_restart:
                try:
                    callback()
                except Exception:
                    log.exception("after the twin's restart: %r failed", callback)
            # Counted once the callbacks have run: a restart is complete when the network carries
            # its services again, which is what a watcher of this counter waits for.
            self.restarts += 1
            log.info("the network twin is back in service (restart %d)", self.restarts)

    def close(self) -> None:
        self._closing.set()
        try:
            self._facade.close()  # type: ignore[attr-defined]
        except (EOFError, ConnectionError, BrokenPipeError, OSError):
            pass  # the child is gone already: nothing left to close there
        finally:
            self._process.shutdown()
        self._supervisor.join(timeout=10)

    def __enter__(self) -> RemoteTwinRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_remote_twin(config: EcmSettings, *, var_dir: Path, driver: str | None = None,
                      base_port: int | None = None, serve_at: tuple[str, int] | None = None,
                      authkey: bytes | None = None) -> RemoteTwinRuntime:
    """`serve_at`: a TCP address where the child also answers other processes that present
    `authkey` (the workers of a domain, `attach_twin`); port 0 picks one, `.address` says it."""

    def launch() -> tuple[_TwinProcess, Synchronized[int], EventType]:
        # spawn, not fork: the domain already runs threads, and a forked copy of their locks can hang
        context = multiprocessing.get_context("spawn")
        process = _TwinProcess(address=serve_at, authkey=authkey, ctx=context)
        fault_changes = context.Value("Q", 0)  # shared memory: the child counts, the domain reads
        fault_signal = context.Event()  # set by the child after each count: the domain's watchers wake
        process.start(initializer=_start, initargs=(config, var_dir, driver, base_port, fault_changes, fault_signal))
        return process, fault_changes, fault_signal

    return RemoteTwinRuntime(launch, restart_after_s=config.twin.restart_after_s)


class _AskedCount:
    """The child's count of fault changes, asked over the connection (an attached process
    shares no memory with the child); -1 while it cannot be asked, which is news to any reader."""

    def __init__(self, facade: Callable[[], Any]) -> None:
        self._facade = facade

    @property
    def value(self) -> int:
        try:
            return int(self._facade().fault_changes())
        except Exception:  # the child is gone or restarting: the next call says so properly
            return -1


class _PolledSignal:
    """Stands in for the shared event of a child process: waits by asking the count."""

    POLL_S = 0.2

    def __init__(self, count: _AskedCount) -> None:
        self._count = count

    def wait(self, timeout_s: float) -> bool:
        seen = self._count.value
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            time.sleep(min(self.POLL_S, max(deadline - time.monotonic(), 0.0)))
            if self._count.value != seen:
                return True
        return False

    def clear(self) -> None:
        pass


class AttachedTwinRuntime:
    """The twin of a domain whose workers share it: the process that owns it (`domain up
    --workers`) serves it at an address published in the domain's database, and each worker
    attaches to it there. When the owner restarts the twin, it answers at a new address: the
    worker finds it (`locate`) and attaches again, then runs `on_restart` (putting back what an
    empty network should carry is safe to do twice: an element given what it holds is unchanged)."""

    CHECK_S = 1.0

    def __init__(self, locate: Callable[[], tuple[tuple[str, int], bytes]]) -> None:
        self._locate = locate
        self.on_restart: list[Callable[[], None]] = []
        self.manager = _RemoteAdagio()
        self.twin = _RemoteTwin()
        self.restarts = 0
        self._closing = threading.Event()
        self._facade: BaseProxy | None = None
        self._connect()
        self._watcher = threading.Thread(target=self._watch, name="twin-attachment", daemon=True)
        self._watcher.start()

    def _connect(self) -> None:
        address, authkey = self._locate()
        process = _TwinProcess(address=address, authkey=authkey)
        process.connect()
        self.address = address
        self._facade = process.facade()  # type: ignore[attr-defined]
        count = _AskedCount(lambda: self._facade)
        self.manager.attach(process.manager(), count, self._answers, _PolledSignal(count))  # type: ignore[attr-defined,arg-type]
        self.twin.attach(process.twin())  # type: ignore[attr-defined]
        self.ports: dict[str, int] = self._facade.ports()  # type: ignore[attr-defined]

    def _answers(self) -> bool:
        try:
            self._facade.ports()  # type: ignore[union-attr]
            return True
        except Exception:  # any failure to ask means: not answering
            return False

    def _watch(self) -> None:
        while not self._closing.wait(self.CHECK_S):
            if self._answers():
                continue
            try:
                self._connect()
            except Exception as exc:  # the owner has not brought it back yet
                log.info("the network twin does not answer yet (%s); looking again", exc)
                continue
            log.info("attached again to the network twin at %s:%d", *self.address)
            for callback in self.on_restart:
                try:
                    callback()
                except Exception:
                    log.exception("after attaching to the restarted twin: %r failed", callback)
            self.restarts += 1

    def close(self) -> None:
        """Let go of the twin; it is its owner's to stop."""
        self._closing.set()
        self._watcher.join(timeout=10)

    def __enter__(self) -> AttachedTwinRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def attach_twin(locate: Callable[[], tuple[tuple[str, int], bytes]]) -> AttachedTwinRuntime:
    return AttachedTwinRuntime(locate)
