"""Waiting for a party that does not answer: retries with capped, jittered exponential back-off
inside a durable workflow, and a patience after which the waiting work gives up.

A partner whose process hangs, whose network is down or that answers 5xx has not said no: the
work that needs it waits, retrying, and tells whoever follows it what it waits for. Only after
the patience its agreement sets (hours, not seconds) does the work fail.

The pause between tries is durable: `durable_pause` records, as a workflow step, when the
pause ends; a process restarted in the middle waits only for what is left of it. The pause is
also a `WAKEUPS` wait, so news on its key (e.g. the customer cancelling) ends it early and a
stopping process leaves it at once (to be resumed by the next start).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from dbos import DBOS

from cadenza.core.wakeups import WAKEUPS

__all__ = ["Patience", "Waiting", "durable_pause", "durable_now", "hhmm"]


@dataclass(frozen=True, slots=True)
class Patience:
    """How long and how often work retries a party that does not answer (a partner's settings)."""

    patience_s: float = 4 * 3600.0  # after this long without an answer, the work fails
    first_retry_s: float = 2.0  # the first pause; each next one doubles ...
    max_retry_s: float = 120.0  # ... up to this
    # When another partner serves the same place: how long to wait for this one before the
    # partner policy moves the work to the other; None: never move, wait the whole patience.
    failover_after_s: float | None = None

    def retry_in(self, attempt: int, rng: random.Random | None = None) -> float:
        """The pause before try `attempt + 1` (`attempt` from 0): exponential, capped, and
        jittered between half and all of it, so waiting work does not come back all at once."""
        ceiling = min(self.max_retry_s, self.first_retry_s * 2.0 ** min(attempt, 40))
        return ceiling / 2 + (rng or random).uniform(0.0, ceiling / 2)


@dataclass(frozen=True, slots=True)
class Waiting:
    """What waiting work reports while it waits: who, for what, since when (epoch seconds)."""

    party: str
    name: str  # the party's name, as people know it
    what: str  # what was asked and not answered, e.g. "SONATA productOfferingQualification"
    since: float
    patience: Patience

    @property
    def gives_up_at(self) -> float:
        return self.since + self.patience.patience_s

    def expired(self, at: float) -> bool:
        return at >= self.gives_up_at

    def reason(self, detail: str | None = None) -> str:
        text = (f"waiting for {self.name} ({self.party}): {self.what} not answered since {hhmm(self.since)}, "
                f"retrying until {hhmm(self.gives_up_at)}")
        return f"{text} ({detail})" if detail else text

    def gave_up(self, detail: str | None = None) -> str:
        text = (f"{self.name} ({self.party}) did not answer {self.what} from {hhmm(self.since)} to "
                f"{hhmm(self.gives_up_at)}: gave up after {_duration(self.patience.patience_s)}")
        return f"{text} ({detail})" if detail else text


def hhmm(epoch_s: float) -> str:
    """A moment as people read it in a reason: UTC, to the minute (with the date if not today)."""
    moment = datetime.fromtimestamp(epoch_s, UTC)
    today = datetime.now(UTC).date()
    return moment.strftime("%H:%M UTC" if moment.date() == today else "%Y-%m-%d %H:%M UTC")


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


@DBOS.step()
def durable_now() -> float:
    """The time, as a workflow may read it: recorded, so a replay sees the same moment."""
    return time.time()


@DBOS.step()
def _pause_until(seconds: float) -> float:
    return time.time() + seconds


def durable_pause(seconds: float, *, key: str | None = None) -> None:
    """In a workflow: wait `seconds` (what is left of them after a restart), or until news on `key`."""
    until = _pause_until(seconds)
    with WAKEUPS.watch(key) as news:
        left = until - time.time()
        if left > 0:
            WAKEUPS.pause(news, left)
