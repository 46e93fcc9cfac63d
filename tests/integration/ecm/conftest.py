"""Fixtures for the ECM integration tests: real NETCONF/SSH element servers on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ecm_line import line_config

from cadenza.ecm.runtime import TwinRuntime, start_twin


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[TwinRuntime]:
    with start_twin(line_config(2), var_dir=tmp_path, base_port=0) as running:
        yield running
