"""The port between the element manager and the elements: one exclusive session at a time
per element, offering the NETCONF operations the manager composes into a transaction.

Two adapters implement it with the same semantics: `netconf_driver.NetconfDriver` (ncclient
over SSH) and `scale_driver.ScaleDriver` (the same datastores, called in-process). Both raise
the ADAGIO errors: `ElementRefused` for an rpc-error, `ElementUnreachable` for no answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from cadenza.interfaces.adagio.contract import Alarm, ForwardingConstruct, PmInterval

__all__ = ["ElementSession", "Driver"]


class ElementSession(Protocol):
    def lock(self) -> None:
        """Lock the candidate datastore."""
        ...

    def unlock(self) -> None: ...

    def get(self, fc_ids: str | Sequence[str] | None = None) -> dict[str, ForwardingConstruct]:
        """Constructs in the running datastore: all, or only those named (subtree filter)."""
        ...

    def get_pm(self, fc_id: str, port: str, numbers: Sequence[int]) -> list[PmInterval]:
        """`<get>` of the PM history bins `numbers` of the session entering `fc_id` at `port`."""
        ...

    def get_pm_many(self, sessions: Sequence[tuple[str, str, Sequence[int]]]) -> list[list[PmInterval]]:
        """One `<get>` of several sessions (fc id, port, bin numbers): their bins, a list per
        session in the order asked."""
        ...

    def get_alarms(self) -> list[Alarm]:
        """`<get>` of the alarms the element raises."""
        ...

    def edit(self, fcs: Sequence[ForwardingConstruct] = (), removed: Sequence[str] = ()) -> None:
        """edit-config on the candidate: replace each construct in `fcs`, remove each id in `removed`."""
        ...

    def commit(self) -> None: ...

    def discard(self) -> None: ...


class Driver(Protocol):
    # Whether a session waits on I/O (worth running elements in parallel threads) or is
    # plain computation in this process (threads would only add switching under the GIL).
    waits_on_io: bool

    def session(self, element: str) -> AbstractContextManager[ElementSession]:
        """A session to `element`, held exclusively until the context exits."""
        ...

    def close(self) -> None: ...
