"""ECM: the element manager an ICM talks to over ADAGIO.

Every change is one NETCONF transaction per element: read the construct; if the element
already holds it exactly, stop (applying twice changes nothing); otherwise lock the
candidate, edit, commit, read back and compare, unlock. A refused step discards the
candidate, so nothing half-done stays behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from cadenza.ecm.counters import PmCollector
from cadenza.ecm.driver import Driver, ElementSession
from cadenza.ecm.measure import measure
from cadenza.ecm.twin import NetworkTwin
from cadenza.interfaces.adagio.contract import (
    AdagioError,
    ElementRefused,
    ElementState,
    ElementUnreachable,
    Faults,
    ForwardingConstruct,
    LinkState,
    Measurement,
    PmCounters,
)

__all__ = ["ElementResult", "ElementManager"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ElementResult:
    """One element's outcome in `apply_many`/`remove_many`: changed, or the error it gave."""

    element: str
    fc_id: str
    changed: bool = False
    error: AdagioError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class ElementManager:
    """Implements `cadenza.interfaces.adagio.AdagioClient`."""

    def __init__(self, driver: Driver, twin: NetworkTwin, *, workers: int = 32) -> None:
        self.driver = driver
        self.twin = twin
        self._pm = PmCollector(twin)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ecm")

    # -- AdagioClient -----------------------------------------------------------------------
    def apply(self, element: str, fc: ForwardingConstruct) -> bool:
        def change(s: ElementSession) -> bool:
            if s.get(fc.fc_id).get(fc.fc_id) == fc:
                return False
            self._locked(s, element, lambda: s.edit(fcs=[fc]), lambda: s.get(fc.fc_id).get(fc.fc_id) == fc)
            return True

        return self._with_session(element, change)

    def remove(self, element: str, fc_id: str) -> bool:
        def change(s: ElementSession) -> bool:
            if fc_id not in s.get(fc_id):
                return False
            self._locked(s, element, lambda: s.edit(removed=[fc_id]), lambda: fc_id not in s.get(fc_id))
            return True

        return self._with_session(element, change)

    def read(self, element: str) -> list[ForwardingConstruct]:
        return self._with_session(element, lambda s: list(s.get().values()))

    def elements(self) -> list[ElementState]:
        return self.twin.element_states()

    def links(self) -> list[LinkState]:
        return self.twin.link_states()

    def faults(self) -> Faults:
        return self.twin.faults()

    def measure(self, fc_id: str, ingress: str, ingress_port: str) -> Measurement:
        return measure(self.twin, fc_id, ingress, ingress_port)

    def counters(self, fc_id: str, ingress: str, ingress_port: str) -> PmCounters:
        return self._pm.counters(fc_id, ingress, ingress_port)

    # -- several elements at once -----------------------------------------------------------
    def apply_many(self, items: Sequence[tuple[str, ForwardingConstruct]]) -> list[ElementResult]:
        """Apply each (element, construct) in parallel; results in the order given."""
        return self._many([(e, fc.fc_id, lambda e=e, fc=fc: self.apply(e, fc)) for e, fc in items])

    def remove_many(self, items: Sequence[tuple[str, str]]) -> list[ElementResult]:
        return self._many([(e, fc_id, lambda e=e, fc_id=fc_id: self.remove(e, fc_id)) for e, fc_id in items])

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.driver.close()

    # -- internals --------------------------------------------------------------------------
    def _many(self, jobs: list[tuple[str, str, Callable[[], bool]]]) -> list[ElementResult]:
        futures = [(element, fc_id, self._pool.submit(job)) for element, fc_id, job in jobs]
        results = []
        for element, fc_id, future in futures:
            try:
                results.append(ElementResult(element, fc_id, changed=future.result()))
            except AdagioError as exc:
                results.append(ElementResult(element, fc_id, error=exc))
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
