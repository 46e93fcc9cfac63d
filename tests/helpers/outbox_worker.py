"""A worker process of a domain that only delivers its outbox: started (and killed) by
tests/integration/core/test_outbox_workers.py, two on one PostgreSQL database.

    python -m tests.helpers.outbox_worker DATABASE_URL LEASE_S BATCH

Prints `ready` once its dispatcher runs; stops when its standard input closes, printing one
JSON line with what it delivered.
"""

from __future__ import annotations

import asyncio
import json
import sys

from cadenza.core.db import Database
from cadenza.core.notifications import Backoff, OutboxDispatcher


async def main(database_url: str, lease_s: str, batch: str) -> None:
    database = Database(database_url)
    dispatcher = OutboxDispatcher(database, batch=int(batch), lease_s=float(lease_s), poll_interval_s=0.05,
                                  request_timeout_s=30.0, backoff=Backoff(base_s=0.2, factor=1.0, jitter=0.0))
    await dispatcher.start()
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await dispatcher.stop()
    database.dispose()
    print(json.dumps({"delivered": dispatcher.stats.delivered, "failed": dispatcher.stats.failed_attempts}),
          flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
