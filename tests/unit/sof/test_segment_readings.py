"""Readings of a connectivity service shared between the SOF's readers: a reader gets a reading
begun no earlier than it asks, never an older one, and a failed reading is not kept."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cadenza.interfaces.presto.client import ConnectivityService, PrestoUnavailable
from cadenza.sof.segment_readings import SegmentReadings


class Icm:
    def __init__(self) -> None:
        self.reads = 0
        self.state = "planned"
        self.fail = False
        self.gate: threading.Event | None = None

    def read(self, _network_domain: str, uuid: str) -> ConnectivityService:
        self.reads += 1
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail:
            raise PrestoUnavailable("no answer", status=503, body={})
        return ConnectivityService(uuid=uuid, state=self.state, reason=None, bandwidth_mbps=10, route=(),
                                   route_delay_ms=None, raw={}, operational_state="DISABLED")


def test_a_reading_begun_after_the_moment_asked_for_is_shared() -> None:
    icm = Icm()
    readings = SegmentReadings(icm.read)
    heard = time.monotonic()
    first = readings.read("metro", "s-1", since=heard)
    assert readings.read("metro", "s-1", since=heard) is first
    assert icm.reads == 1 and readings.shared == 1


def test_a_reader_asking_for_a_later_moment_reads_again() -> None:
    icm = Icm()
    readings = SegmentReadings(icm.read)
    readings.read("metro", "s-1", since=time.monotonic())
    icm.state = "installed"
    assert readings.read("metro", "s-1", since=time.monotonic()).state == "installed"
    assert readings.read("metro", "s-2", since=0.0).uuid == "s-2"  # another service: its own reading
    assert icm.reads == 3 and readings.shared == 0


def test_a_reader_waits_for_a_reading_under_way_rather_than_taking_another() -> None:
    icm = Icm()
    icm.gate = threading.Event()
    readings = SegmentReadings(icm.read)
    heard = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(readings.read, "metro", "s-1", since=heard)
        while icm.reads == 0:
            time.sleep(0.001)
        second = pool.submit(readings.read, "metro", "s-1", since=heard)
        time.sleep(0.05)
        icm.state = "installed"
        icm.gate.set()
        assert first.result().state == second.result().state == "installed"
    assert icm.reads == 1


def test_a_failed_reading_fails_its_sharers_and_is_not_kept() -> None:
    icm = Icm()
    icm.fail = True
    readings = SegmentReadings(icm.read)
    heard = time.monotonic()
    with pytest.raises(PrestoUnavailable):
        readings.read("metro", "s-1", since=heard)
    icm.fail = False
    assert readings.read("metro", "s-1", since=heard).state == "planned"
    assert icm.reads == 2
