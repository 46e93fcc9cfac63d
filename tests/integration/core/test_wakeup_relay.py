"""Wake-ups across the worker processes of one domain on PostgreSQL: a hint notified in one
process wakes the wait on its key in another within a second, long before the wait's safety net;
a relay whose listening connection is cut listens again; SQLite, one process, has no relay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from cadenza.core.wakeup_relay import WakeupRelay, relay_channel, start_relay
from cadenza.core.wakeups import Wakeups

ROOT = Path(__file__).resolve().parents[3]
SAFETY_NET_S = 30.0  # a wake within a second can only have come through the relay


def _waiter(pg_url: str, domain: str, key: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    return subprocess.Popen([sys.executable, "-m", "tests.helpers.wakeup_waiter", pg_url, domain, key,
                             str(SAFETY_NET_S)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)


def test_a_hint_notified_in_one_process_wakes_the_wait_in_another_within_a_second(pg_url: str) -> None:
    domain, key = "sp", f"bus-order:{uuid.uuid4()}"
    waiter = _waiter(pg_url, domain, key)
    here = Wakeups()  # this process's hints, with a relay of their own: process A
    relay = start_relay(domain, pg_url, wakeups=here)
    assert relay is not None
    try:
        assert waiter.stdout is not None
        assert waiter.stdout.readline().strip() == "watching"
        started = time.monotonic()
        # nothing watches here: the hint may still wake a wait elsewhere, so notify says so
        assert here.notify(key) is True
        outcome = json.loads(waiter.stdout.readline())
        heard_after = time.monotonic() - started
        assert waiter.wait(timeout=10) == 0
    finally:
        relay.stop()
        if waiter.poll() is None:
            waiter.kill()
    assert outcome["woken"] is True, outcome
    assert outcome["waited_s"] < 1.0 and heard_after < 1.0, (outcome, heard_after)


def test_a_hint_of_another_domain_does_not_wake_the_wait(pg_url: str) -> None:
    key = f"presto:{uuid.uuid4()}"
    theirs, ours = Wakeups(), Wakeups()
    sender = start_relay("other-domain", pg_url, wakeups=theirs)
    listener = start_relay("sp", pg_url, wakeups=ours)
    assert sender is not None and listener is not None
    try:
        with ours.watch(key) as news:
            theirs.notify(key)
            assert ours.pause(news, 1.0) is False
    finally:
        sender.stop()
        listener.stop()


def test_a_relay_whose_connection_was_cut_listens_again_and_its_waits_look_once(pg_url: str) -> None:
    sender_hints, listener_hints = Wakeups(), Wakeups()
    sender = start_relay("sp", pg_url, wakeups=sender_hints)
    listener = WakeupRelay(pg_url, channel=relay_channel("sp"), wakeups=listener_hints, reconnect_s=0.2)
    listener.start()
    assert sender is not None
    admin = create_engine(pg_url)
    looked: list[bool] = []
    try:
        with listener_hints.watch("waiting-through-the-cut") as news:
            waiting = threading.Thread(target=lambda: looked.append(listener_hints.pause(news, SAFETY_NET_S)))
            waiting.start()
            with admin.connect() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                                    {"pid": listener.listening_pid}).scalar() is True
            waiting.join(10)
        assert looked == [True]  # hints may have been lost while it was cut off: it looked again
        assert listener.reconnects == 1
        key = f"presto:{uuid.uuid4()}"
        with listener_hints.watch(key) as news:
            started = time.monotonic()
            sender_hints.notify(key)
            assert listener_hints.pause(news, SAFETY_NET_S) is True
            assert time.monotonic() - started < 1.0
    finally:
        admin.dispose()
        sender.stop()
        listener.stop()


def test_a_domain_on_sqlite_is_one_process_and_has_no_relay(sqlite_url: str) -> None:
    hints = Wakeups()
    assert start_relay("sp", sqlite_url, wakeups=hints) is None
    assert hints.notify("nobody-watches") is False
