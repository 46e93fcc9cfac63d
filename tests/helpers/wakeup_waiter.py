"""A process of a domain that waits, as a workflow step does, for one wake-up key: started by
tests/integration/core/test_wakeup_relay.py to be woken from another process.

    python -m tests.helpers.wakeup_waiter DATABASE_URL DOMAIN KEY SAFETY_NET_S

Prints `watching` once its relay listens and its watch has begun, then one JSON line: whether
the wait was woken (rather than ending at its safety net) and how long it waited.
"""

from __future__ import annotations

import json
import sys
import time

from cadenza.core.wakeup_relay import start_relay
from cadenza.core.wakeups import WAKEUPS


def main(database_url: str, domain: str, key: str, safety_net_s: str) -> None:
    relay = start_relay(domain, database_url)
    assert relay is not None, "the relay runs on PostgreSQL"
    try:
        with WAKEUPS.watch(key) as news:
            print("watching", flush=True)
            started = time.monotonic()
            woken = WAKEUPS.pause(news, float(safety_net_s))
            print(json.dumps({"woken": woken, "waited_s": time.monotonic() - started}), flush=True)
    finally:
        relay.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
