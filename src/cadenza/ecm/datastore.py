"""One network element's configuration datastores: running and candidate (RFC 6241 §8.3).

The element accepts edits only on the candidate (`:candidate`, no `:writable-running`), so
every change goes lock -> edit -> commit and is all-or-nothing. Both the SSH NETCONF server
and the in-process scale driver call this class, so they share every rule.

`commits` counts commits that changed the running configuration; committing an unchanged
candidate succeeds but is not counted, which is how "applied twice, configured once" shows.
`writes` counts the constructs those commits added, changed or removed: one commit may carry
several (the element manager groups concurrent changes), so "each construct configured once"
reads as writes equal to constructs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from cadenza.ecm import persist
from cadenza.ecm.edits import apply_edits, changed_ids, settle, validate
from cadenza.ecm.errors import ElementDown, RpcError
from cadenza.ecm.model import Edit, ElementData

__all__ = ["ElementDatastore"]

TARGETS = ("running", "candidate")


class ElementDatastore:
    def __init__(self, name: str, ports: Mapping[str, int], *, commit_delay_ms: int = 0,
                 persist_path: Path | None = None, clock: Callable[[], float] = time.time,
                 before_commit: Callable[[ElementData, ElementData, set[str]], None] | None = None,
                 after_commit: Callable[[frozenset[str]], None] | None = None) -> None:
        self.name = name
        self.commit_delay_ms = commit_delay_ms
        self.up = True
        self._persist_path = persist_path
        self._clock = clock
        # The twin's traffic is computed up to the moment of a change with what ran before it:
        # told the running configuration, the one to come and the constructs that differ.
        # Each before has its after: with what changed, nothing when the commit failed.
        self._before_commit = before_commit or _nothing
        self._after_commit = after_commit or _nothing_changed
        self._mutex = threading.RLock()
        self._locks: dict[str, str | None] = dict.fromkeys(TARGETS)
        self._candidate: ElementData | None = None  # None: identical to running
        self._refusal: str | None = None
        saved = persist.load(persist_path) if persist_path else None
        # The hardware decides which ports exist; the saved file only brings back the constructs.
        fcs = saved.data.fcs if saved else {}
        self._running = ElementData(ports=dict(ports), fcs=dict(fcs))
        self.commits = saved.commits if saved else 0
        self.writes = saved.writes if saved else 0
        self.configured_at: dict[str, float] = dict(saved.configured_at) if saved else {}

    # -- test hooks -------------------------------------------------------------------------
    def refuse_edits(self, reason: str | None) -> None:
        """Make the element answer every edit and commit with an rpc-error (None: accept again)."""
        self._refusal = reason

    # -- reads ------------------------------------------------------------------------------
    @property
    def running(self) -> ElementData:
        return self._running

    def get_config(self, source: str = "running") -> ElementData:
        self._answering()
        if source == "candidate":
            return self._candidate or self._running
        if source != "running":
            raise RpcError("invalid-value", f"unknown datastore {source!r}", error_type="protocol")
        return self._running

    # -- locks ------------------------------------------------------------------------------
    def lock(self, target: str, owner: str) -> None:
        self._answering()
        with self._mutex:
            holder = self._locks.get(target, "")
            if holder == "":
                raise RpcError("invalid-value", f"unknown datastore {target!r}", error_type="protocol")
            if holder is not None and holder != owner:
                raise RpcError("lock-denied", f"{target} is locked by session {holder}", error_type="protocol")
            if target == "candidate" and holder is None and self._candidate is not None:
                raise RpcError("lock-denied", "candidate has uncommitted changes", error_type="protocol")
            self._locks[target] = owner

    def unlock(self, target: str, owner: str) -> None:
        with self._mutex:
            if self._locks.get(target) != owner:
                raise RpcError("operation-failed", f"{target} is not locked by this session", error_type="protocol")
            self._locks[target] = None

    def release(self, owner: str) -> None:
        """The session `owner` ended: drop its locks and, with the candidate lock, its changes."""
        with self._mutex:
            for target, holder in self._locks.items():
                if holder == owner:
                    self._locks[target] = None
                    if target == "candidate":
                        self._candidate = None

    # -- changes ----------------------------------------------------------------------------
    def edit(self, edits: Iterable[Edit], owner: str, *, target: str = "candidate") -> None:
        self._answering()
        if target != "candidate":
            raise RpcError("operation-not-supported", "only the candidate is writable; edit it and commit",
                           error_type="protocol")
        with self._mutex:
            self._writable(owner)
            self._candidate = apply_edits(self._candidate or self._running, edits)

    def commit(self, owner: str) -> bool:
        """Make the candidate running; True when the running configuration changed."""
        self._answering()
        with self._mutex:
            self._writable(owner)
            candidate = self._candidate
            if candidate is None:
                return False
            changed = changed_ids(self._running, candidate)
            if not changed and candidate.ports == self._running.ports:
                self._candidate = None
                return False
            validate(candidate, changed)  # a failed commit keeps the candidate, as RFC 6241 §8.3.4.1 says
            if self.commit_delay_ms:
                time.sleep(self.commit_delay_ms / 1000)
            self._before_commit(self._running, candidate, changed)
            try:
                self._make_running(candidate, changed)
            except BaseException:
                self._after_commit(frozenset())  # whoever was told before is told it is over
                raise
        self._after_commit(frozenset(changed))
        return True

    def _make_running(self, candidate: ElementData, changed: set[str]) -> None:
        configured, moment = dict(self.configured_at), self._clock()
        for key in changed:
            if key in candidate.fcs:
                configured[key] = moment
            else:
                configured.pop(key, None)
        if self._persist_path:  # disk first: if it fails, nothing has changed
            persist.save(self._persist_path, persist.Saved(candidate, self.commits + 1, configured,
                                                           self.writes + len(changed)))
        settle(candidate)
        self._running, self._candidate, self.configured_at = candidate, None, configured
        self.commits += 1
        self.writes += len(changed)

    def discard(self, owner: str) -> None:
        self._answering()
        with self._mutex:
            self._writable(owner, refusing=False)
            self._candidate = None

    def _writable(self, owner: str, *, refusing: bool = True) -> None:
        holder = self._locks["candidate"]
        if holder is not None and holder != owner:
            raise RpcError("in-use", f"candidate is locked by session {holder}")
        if refusing and self._refusal is not None:
            raise RpcError("operation-failed", f"{self.name} refuses the change: {self._refusal}")

    def _answering(self) -> None:
        if not self.up:
            raise ElementDown(self.name)


def _nothing(running: ElementData, candidate: ElementData, changed: set[str]) -> None:
    return None


def _nothing_changed(fc_ids: frozenset[str]) -> None:
    return None
