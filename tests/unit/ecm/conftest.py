"""Fixtures for the ECM unit tests: the chain twin, a scale-mode manager, one datastore."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ecm_chain import FakeClock, chain

from cadenza.ecm.datastore import ElementDatastore
from cadenza.ecm.manager import ElementManager
from cadenza.ecm.scale_driver import ScaleDriver
from cadenza.ecm.twin import NetworkTwin


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def twin(clock: FakeClock) -> NetworkTwin:
    return NetworkTwin(chain(), clock=clock)


@pytest.fixture
def manager(twin: NetworkTwin) -> Iterator[ElementManager]:
    manager = ElementManager(ScaleDriver(twin.elements, twin), twin, workers=4)
    yield manager
    manager.close()


@pytest.fixture
def datastore(tmp_path: Path) -> ElementDatastore:
    return ElementDatastore("pe1", {"uni1": 1000, "uni2": 1000, "nni": 10000}, persist_path=tmp_path / "pe1.xml")
