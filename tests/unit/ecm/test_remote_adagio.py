"""The domain's side of a twin in its own process: a twin that has died answers as ADAGIO
does (elements unreachable); faults are asked again only after the twin counted a change."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from cadenza.ecm.remote import RemoteTwinRuntime, _RemoteAdagio
from cadenza.interfaces.adagio.contract import (
    BandwidthProfile,
    ElementUnreachable,
    Faults,
    FcEndPoint,
    ForwardingConstruct,
)
from tests.helpers.servers import wait_until


class _DeadProxy:
    def __getattr__(self, name: str):  # noqa: ANN204 - every call fails as a closed connection does
        def call(*_args: object, **_kwargs: object) -> None:
            raise EOFError

        return call


FC = ForwardingConstruct("svc-1", (FcEndPoint("uni1", 10), FcEndPoint("nni", 10)), BandwidthProfile(1000))


def test_a_dead_twin_process_makes_every_element_unreachable() -> None:
    adagio = _RemoteAdagio()
    adagio.attach(_DeadProxy(), multiprocessing.Value("Q", 0), lambda: False)  # type: ignore[arg-type]
    results = adagio.apply_many([("pe1", FC), ("p1", FC)])
    assert [(r.element, type(r.error)) for r in results] == [("pe1", ElementUnreachable), ("p1", ElementUnreachable)]
    assert all("does not answer" in str(r.error) for r in results)
    assert all(isinstance(r.error, ElementUnreachable) for r in adagio.remove_many([("pe1", "svc-1")]))
    with pytest.raises(ElementUnreachable, match="pe1"):
        adagio.apply("pe1", FC)
    with pytest.raises(ElementUnreachable):
        adagio.faults()


class _FaultsProxy:
    def __init__(self) -> None:
        self.asked = 0
        self.down: frozenset[str] = frozenset()

    def faults(self) -> Faults:
        self.asked += 1
        return Faults(self.down, ())


def test_faults_are_asked_again_only_after_the_twin_counted_a_change() -> None:
    proxy, changes, alive = _FaultsProxy(), multiprocessing.Value("Q", 0), [True]
    adagio = _RemoteAdagio()
    adagio.attach(proxy, changes, lambda: alive[0])  # type: ignore[arg-type]
    assert adagio.faults().down_elements == frozenset()
    assert adagio.faults().down_elements == frozenset()
    assert proxy.asked == 1
    proxy.down = frozenset({"p1"})
    changes.value += 1  # what the twin's process does after failing p1
    assert adagio.faults().down_elements == {"p1"}
    assert adagio.faults().down_elements == {"p1"}
    assert proxy.asked == 2
    alive[0] = False  # nothing changed, but a dead twin's faults are no answer
    with pytest.raises(ElementUnreachable, match="does not answer"):
        adagio.faults()


class _Child:
    """Stands in for the child process: ends when told to."""

    def __init__(self) -> None:
        self.ended = threading.Event()
        self.exitcode: int | None = None

    def join(self) -> None:
        self.ended.wait()

    def is_alive(self) -> bool:
        return not self.ended.is_set()


class _Facade:
    def ports(self) -> dict[str, int]:
        return {}

    def close(self) -> None:
        pass


class _Manager:
    def __init__(self) -> None:
        self._process = _Child()
        self.shut = False

    def manager(self) -> _FaultsProxy:
        return _FaultsProxy()

    def twin(self) -> object:
        return object()

    def facade(self) -> _Facade:
        return _Facade()

    def shutdown(self) -> None:
        self.shut = True
        self._process.ended.set()


def test_a_child_that_dies_is_started_again_after_failed_starts_and_the_domain_is_told() -> None:
    started: list[_Manager] = []
    failures = [RuntimeError("port still taken")]

    def launch() -> tuple[_Manager, object]:
        if started and failures:
            raise failures.pop()
        started.append(_Manager())
        return started[-1], multiprocessing.Value("Q", 0)

    told: list[int] = []
    runtime = RemoteTwinRuntime(launch, restart_after_s=0.01)  # type: ignore[arg-type]
    runtime.on_restart.append(lambda: told.append(len(started)))  # told once, after the second start
    started[0]._process.ended.set()  # the child dies; the first start after it fails
    wait_until(lambda: runtime.restarts == 1, timeout=10, what="the child to be started again")
    assert len(started) == 2 and told == [2]
    assert runtime.manager.faults().down_elements == frozenset()  # the new child answers
    runtime.close()
    assert started[1].shut and not runtime._supervisor.is_alive()


def test_the_domain_learns_of_a_fault_change_in_the_twin_process_from_shared_memory() -> None:
    changes, signal = multiprocessing.Value("Q", 0), multiprocessing.Event()
    adagio = _RemoteAdagio()
    adagio.attach(_FaultsProxy(), changes, lambda: True, signal)  # type: ignore[arg-type]
    assert adagio.wait_for_fault_change(0, 0.01) == 0
    woke: list[int] = []
    waiter = threading.Thread(target=lambda: woke.append(adagio.wait_for_fault_change(0, 30)))
    waiter.start()
    with changes.get_lock():  # what the twin's process does after a change
        changes.value += 1
    signal.set()
    waiter.join()
    assert woke == [1]
