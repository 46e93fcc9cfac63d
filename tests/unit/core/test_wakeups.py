"""Wake-up hints: a notification ends the wait of whoever watches its key, and stopping the
domain ends every wait with ProcessStopping."""

from __future__ import annotations

import threading
import time

import pytest

from cadenza.core.wakeups import ProcessStopping, Wakeups


def test_a_notification_wakes_the_watcher_of_its_key_only() -> None:
    wakeups = Wakeups()
    with wakeups.watch("order-1") as one, wakeups.watch("order-2") as two:
        assert wakeups.notify("order-1") is True
        assert wakeups.pause(one, 5) is True
        assert wakeups.pause(two, 0.01) is False
    assert wakeups.notify("order-1") is False  # nobody watches any more
    assert wakeups.watched() == 0


def test_a_notification_between_the_read_and_the_wait_is_not_lost() -> None:
    wakeups = Wakeups()
    with wakeups.watch("order-1") as news:
        wakeups.notify("order-1")  # lands after the watch began, before the wait
        started = time.monotonic()
        assert wakeups.pause(news, 5) is True
        assert time.monotonic() - started < 1


def test_stop_ends_every_wait_and_start_allows_them_again() -> None:
    wakeups = Wakeups()
    outcome: list[str] = []

    def wait() -> None:
        with wakeups.watch("order-1") as news:
            try:
                wakeups.pause(news, 30)
                outcome.append("woken")
            except ProcessStopping:
                outcome.append("stopped")

    waiter = threading.Thread(target=wait)
    waiter.start()
    while not wakeups.watched():
        time.sleep(0.01)
    wakeups.stop()
    waiter.join(5)
    assert outcome == ["stopped"]
    with pytest.raises(ProcessStopping), wakeups.watch("order-2"):
        pass
    wakeups.start()
    with wakeups.watch(None) as backoff:
        assert wakeups.pause(backoff, 0.01) is False


def test_process_stopping_is_not_an_error_a_step_would_record() -> None:
    assert not issubclass(ProcessStopping, Exception)


def test_with_a_relay_every_hint_goes_to_the_other_processes_and_may_have_woken_something() -> None:
    wakeups = Wakeups()
    relayed: list[str] = []
    wakeups.relay_to(relayed.append)
    assert wakeups.notify("order-1") is True  # nothing here watches, but another process may
    with wakeups.watch("order-2") as news:
        assert wakeups.wake_here("order-2") is True  # a hint from another process: not sent back
        assert wakeups.pause(news, 0.01) is True
    assert relayed == ["order-1"]
    wakeups.relay_to(None)
    assert wakeups.notify("order-1") is False


def test_wake_all_here_wakes_every_watcher_once() -> None:
    wakeups = Wakeups()
    with wakeups.watch("order-1") as one, wakeups.watch("order-2") as two:
        assert wakeups.wake_all_here() == 2
        assert wakeups.pause(one, 0.01) is True and wakeups.pause(two, 0.01) is True


def test_clearing_the_news_says_when_the_last_hint_since_the_previous_clear_arrived() -> None:
    wakeups = Wakeups()
    with wakeups.watch("k") as news:
        assert news.clear_heard() is None  # nothing heard yet: a reader must read now
        before = time.monotonic()
        wakeups.notify("k")
        wakeups.notify("k")
        heard = news.clear_heard()
        assert heard is not None and before <= heard <= time.monotonic()
        assert not news.is_set() and news.clear_heard() is None
