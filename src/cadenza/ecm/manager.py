"""ECM: the element manager an ICM talks to over ADAGIO.

Every change is one NETCONF transaction per element: read the construct; if the element
already holds it exactly, stop (applying twice changes nothing); otherwise lock the
candidate, edit, commit, read back and compare, unlock. A refused step discards the
candidate, so nothing half-done stays behind.

Changes to one element that arrive while it is busy are grouped into its next transaction
(group commit): one lock, edit, commit and read-back for all of them. If the element refuses
the group, each change is tried on its own, so one bad construct never fails its neighbours.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from cadenza.core.gc_tuning import collector_paused
from cadenza.ecm.counters import PmCollector
from cadenza.ecm.driver import Driver, ElementSession
from cadenza.ecm.measure import measure
from cadenza.ecm.twin import NetworkTwin
from cadenza.interfaces.adagio.contract import (
    AdagioError,
    Alarm,
    ElementRefused,
    ElementResult,
    ElementState,
    ElementUnreachable,
    Faults,
    ForwardingConstruct,
    LinkState,
    Measurement,
    PmCounters,
    PmInterval,
)

__all__ = ["ElementManager"]

T = TypeVar("T")


class _Waiter:
    """Wakes whoever submitted a set of changes once the last of them is settled: one event
    per submission, not one future per change (thousands a second)."""

    __slots__ = ("_left", "_lock", "_event")

    def __init__(self, count: int) -> None:
        self._left = count
        self._lock = threading.Lock()
        self._event = threading.Event()

    def one_settled(self) -> None:
        with self._lock:
            self._left -= 1
            if self._left == 0:
                self._event.set()

    def wait(self) -> None:
        self._event.wait()


@dataclass(eq=False, slots=True)
class _Change:
    fc_id: str
    fc: ForwardingConstruct | None  # None: remove the construct
    waiter: _Waiter | None = None
    settled: bool = False
    changed: bool = False
    error: BaseException | None = None

    def holds(self, current: dict[str, ForwardingConstruct]) -> bool:
        """Whether the element already shows what this change asks for."""
        return current.get(self.fc_id) == self.fc if self.fc is not None else self.fc_id not in current

    def settle(self, changed: bool | None = None, error: BaseException | None = None) -> None:
        if self.settled:
            return
        self.changed, self.error, self.settled = bool(changed), error, True
        if self.waiter is not None:
            self.waiter.one_settled()

    def outcome(self) -> bool:
        if self.error is not None:
            raise self.error
        return self.changed


@dataclass(eq=False)
class _ElementQueue:
    lock: threading.Lock = field(default_factory=threading.Lock)
    pending: list[_Change] = field(default_factory=list)
    busy: bool = False


class ElementManager:
    """Implements `cadenza.interfaces.adagio.AdagioClient`."""

    def __init__(self, driver: Driver, twin: NetworkTwin, *, workers: int = 32) -> None:
        self.driver = driver
        self.twin = twin
        self._pm = PmCollector(twin)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ecm")
        # Drains handed over by a caller that has its answer; never waits on another change.
        self._drainers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ecm-drain")
        self._queues: dict[str, _ElementQueue] = {}
        self._queues_lock = threading.Lock()
        self._fault_changes = 0
        self._fault_changed = threading.Condition()
        twin.fault_listeners.append(self._count_fault_change)

    # -- AdagioClient -----------------------------------------------------------------------
    def apply(self, element: str, fc: ForwardingConstruct) -> bool:
        return self._submit(element, _Change(fc.fc_id, fc))

    def remove(self, element: str, fc_id: str) -> bool:
        return self._submit(element, _Change(fc_id, None))

    def read(self, element: str, fc_ids: Sequence[str] | None = None) -> list[ForwardingConstruct]:
        return self._with_session(element, lambda s: list(s.get(None if fc_ids is None else list(fc_ids)).values()))

    def elements(self) -> list[ElementState]:
        return self.twin.element_states()

    def links(self) -> list[LinkState]:
        return self.twin.link_states()

    def faults(self) -> Faults:
        return self.twin.faults()

    def wait_for_fault_change(self, seen: int, timeout_s: float) -> int:
        with self._fault_changed:
            self._fault_changed.wait_for(lambda: self._fault_changes != seen, timeout=timeout_s)
            return self._fault_changes

    def measure(self, fc_id: str, ingress: str, ingress_port: str) -> Measurement:
        return measure(self.twin, fc_id, ingress, ingress_port)

    def counters(self, fc_id: str, ingress: str, ingress_port: str) -> PmCounters:
        return self._pm.counters(fc_id, ingress, ingress_port)

    def pm_intervals(self, element: str, fc_id: str, port: str, numbers: Sequence[int]) -> list[PmInterval]:
        return self._with_session(element, lambda s: s.get_pm(fc_id, port, list(numbers)))

    def pm_intervals_many(self, items: Sequence[tuple[str, str, str, Sequence[int]]]
                          ) -> list[list[PmInterval] | AdagioError]:
        by_element: dict[str, list[int]] = {}
        for i, (element, *_) in enumerate(items):
            by_element.setdefault(element, []).append(i)
        results: list[list[PmInterval] | AdagioError] = [[] for _ in items]

        def read(element: str, members: list[int]) -> None:
            asked = [(items[i][1], items[i][2], list(items[i][3])) for i in members]
            try:
                found: list[list[PmInterval]] | AdagioError = self._with_session(
                    element, lambda s: s.get_pm_many(asked))
            except AdagioError as exc:
                found = exc
            for n, i in enumerate(members):
                results[i] = found if isinstance(found, AdagioError) else found[n]

        # a bin is a few objects that reference counting frees: no cyclic collection over the
        # process's heap meanwhile (`collector_paused`)
        with collector_paused():
            if self.driver.waits_on_io:
                for wait in [self._pool.submit(read, element, members) for element, members in by_element.items()]:
                    wait.result()
            else:
                for element, members in by_element.items():
                    read(element, members)
        return results

    def alarms(self, element: str) -> list[Alarm]:
        return self._with_session(element, lambda s: s.get_alarms())

    def pm_clock(self) -> tuple[float, int, int, float]:
        return self.twin.pm_clock()

    # -- several elements at once -----------------------------------------------------------
    def apply_many(self, items: Sequence[tuple[str, ForwardingConstruct]]) -> list[ElementResult]:
        """Apply each (element, construct), elements in parallel, each element's constructs in
        one transaction when it accepts them all; results in the order given."""
        return self._many([(element, _Change(fc.fc_id, fc)) for element, fc in items])

    def remove_many(self, items: Sequence[tuple[str, str]]) -> list[ElementResult]:
        return self._many([(element, _Change(fc_id, None)) for element, fc_id in items])

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._drainers.shutdown(wait=True)
        self.driver.close()

    def _count_fault_change(self) -> None:
        with self._fault_changed:
            self._fault_changes += 1
            self._fault_changed.notify_all()

    # -- group commit -----------------------------------------------------------------------
    def _submit(self, element: str, change: _Change) -> bool:
        self._submit_all(element, [change])
        return change.outcome()

    def _submit_all(self, element: str, changes: list[_Change]) -> None:
        """Queue `changes` for `element` and return once all are settled (see their outcomes)."""
        waiter = _Waiter(len(changes))
        for change in changes:
            change.waiter = waiter
        with self._queues_lock:
            queue = self._queues.setdefault(element, _ElementQueue())
        with queue.lock:
            queue.pending.extend(changes)
            lead, queue.busy = not queue.busy, True
        if lead:  # nobody is working on this element: this caller does, for everyone queued
            self._drain(element, queue, changes)
        waiter.wait()

    def _drain(self, element: str, queue: _ElementQueue, own: list[_Change] | None = None) -> None:
        while True:
            with queue.lock:
                batch = _distinct_prefix(queue.pending)
                del queue.pending[:len(batch)]
                if not batch:
                    queue.busy = False
                    return
            try:
                self._with_session(element, lambda s, batch=batch: self._transaction(s, element, batch))
            except BaseException as exc:  # whatever happened, no caller may wait forever
                for change in batch:
                    change.settle(error=exc)
            if own is not None and all(change.settled for change in own):
                with queue.lock:
                    if not queue.pending:
                        queue.busy = False
                        return
                # Our caller has its answer; whoever queued meanwhile is served from the pool.
                self._drainers.submit(self._drain, element, queue)
                return

    def _transaction(self, s: ElementSession, element: str, batch: list[_Change]) -> None:
        current = s.get([c.fc_id for c in batch])
        todo = [c for c in batch if not c.holds(current)]
        for change in batch:
            if change not in todo:
                change.settle(False)
        if not todo:
            return

        def verify() -> bool:
            after = s.get([c.fc_id for c in todo])
            return all(c.holds(after) for c in todo)

        try:
            self._locked(s, element, lambda: s.edit(fcs=[c.fc for c in todo if c.fc is not None],
                                                     removed=[c.fc_id for c in todo if c.fc is None]), verify)
        except ElementRefused as exc:
            if len(todo) == 1:
                todo[0].settle(error=exc)
                return
            for change in todo:  # which of them does the element refuse? each on its own
                self._transaction(s, element, [change])
            return
        for change in todo:
            change.settle(True)

    # -- internals --------------------------------------------------------------------------
    def _many(self, changes: list[tuple[str, _Change]]) -> list[ElementResult]:
        by_element: dict[str, list[_Change]] = {}
        for element, change in changes:
            by_element.setdefault(element, []).append(change)
        if self.driver.waits_on_io:
            waits = [self._pool.submit(self._submit_all, element, group) for element, group in by_element.items()]
            for wait in waits:
                wait.result()
        else:
            for element, group in by_element.items():
                self._submit_all(element, group)
        results = []
        for element, change in changes:
            if change.error is None:
                results.append(ElementResult(element, change.fc_id, changed=change.changed))
            elif isinstance(change.error, AdagioError):
                results.append(ElementResult(element, change.fc_id, error=change.error))
            else:
                raise change.error
        return results

    @staticmethod
    def _locked(s: ElementSession, element: str, edit: Callable[[], None], verify: Callable[[], bool]) -> None:
        s.lock()
        try:
            try:
                edit()
                s.commit()
            except ElementRefused:
                s.discard()
                raise
            if not verify():
                raise ElementRefused(element, "read-back after commit does not show the requested change")
        finally:
            s.unlock()

    def _with_session(self, element: str, work: Callable[[ElementSession], T]) -> T:
        # A kept-open session may have died since its last use (element restarted): one retry
        # on a fresh session tells a stale session from an element that really is gone.
        try:
            with self.driver.session(element) as session:
                return work(session)
        except ElementUnreachable:
            pass
        with self.driver.session(element) as session:
            return work(session)


def _distinct_prefix(pending: list[_Change]) -> list[_Change]:
    """The longest run of queued changes touching different constructs: two changes to one
    construct must reach the element in the order they were asked for."""
    seen: set[str] = set()
    for index, change in enumerate(pending):
        if change.fc_id in seen:
            return pending[:index]
        seen.add(change.fc_id)
    return list(pending)
