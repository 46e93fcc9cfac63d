"""The domain's standing registrations at its partners' hubs (the BUS at SONATA partners', the SOF
at INTERLUDE partners'), each a durable workflow that retries until the partner takes it.

A partner may start after us or be down for a while, so registering is work that waits. Its
workflow id names the partner's hub and our callback, so however many workers start, and however
often, one workflow registers once; one interrupted by a stop or a dead worker is resumed where
it was (its back-off pause is durable). A new callback (our public address changed) is a new
registration. A partner sees one registration even when a retry repeats one it already took (an
answer lost on the way): a hub keeps one subscription per party, callback and query
(core/notifications/store.py).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Callable, Mapping

from dbos import DBOS

from cadenza.core.patience import Patience, durable_pause
from cadenza.core.workflows import start_or_restart

__all__ = ["PartnerHub", "keep_registrations", "registration_id"]

log = logging.getLogger(__name__)
# A partner that is not up yet is tried again soon: events it sends before we are registered
# wait for the safety-net reads of the work that needs them.
_BACKOFF = Patience(first_retry_s=2.0, max_retry_s=10.0)
_WARN_EVERY = 30  # tries, about five minutes


PartnerHub = Callable[[str], None]  # register the callback (our listener host) at the partner's hub
_HUBS: dict[str, dict[str, tuple[str, PartnerHub]]] = {}  # domain -> hub name -> (callback, register)


def registration_id(domain: str, hub: str, callback: str) -> str:
    digest = hashlib.sha256(f"{hub} {callback}".encode()).hexdigest()[:16]
    return f"partner-hub-{domain}-{digest}"


def keep_registrations(domain: str, hubs: Mapping[str, tuple[str, PartnerHub]]) -> None:
    """After `launch_workflows`, at every start of every worker: `hubs` maps a hub's name (e.g.
    "SONATA alpha") to our callback there and how to register it."""
    _HUBS[domain] = dict(hubs)
    for hub, (callback, _register) in hubs.items():
        start_or_restart(register_at_partner_hub, registration_id(domain, hub, callback), domain, hub, callback)


@DBOS.workflow()
def register_at_partner_hub(domain: str, hub: str, callback: str) -> None:
    for attempt in itertools.count():
        if try_partner_hub(domain, hub, callback, attempt):
            return
        durable_pause(_BACKOFF.retry_in(attempt))


@DBOS.step()
def try_partner_hub(domain: str, hub: str, callback: str, attempt: int) -> bool:
    """One try; whether the partner's hub took the registration (or there is none to make)."""
    known = _HUBS.get(domain, {}).get(hub)
    if known is None or known[0] != callback:  # the partner or our address left the configuration
        log.info("%s: no longer registers %s at %s", domain, callback, hub)
        return True
    try:
        known[1](callback)
    except Exception as exc:  # the partner is not up yet, or refuses for now
        # said louder now and then: a partner that keeps refusing needs a person
        level = logging.WARNING if attempt % _WARN_EVERY == _WARN_EVERY - 1 else logging.DEBUG
        log.log(level, "%s: %s hub did not take our registration (try %d): %s", domain, hub, attempt + 1, exc)
        return False
    log.info("%s: subscribed to the events of %s", domain, hub)
    return True
