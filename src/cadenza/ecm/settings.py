"""What ECM is given: how its twin runs, and the elements and links of each network domain it
simulates. The composition root (`cadenza.landscape`) builds these from the domain's YAML."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cadenza.core.pm.interval import INTERVAL_S

__all__ = ["TrafficConfig", "TwinSettings", "PortSettings", "ElementSettings", "LinkSettings", "NetworkSettings",
           "EcmSettings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrafficConfig(_Strict):
    """How the twin's traffic is simulated (ecm/traffic.py): the seed of its noise, the length
    of a step, the delay probes per step, how much history elements keep, link buffers."""

    seed: int = Field(1, ge=0)
    step_s: int = Field(10, ge=1, le=900)
    # The PM measurement interval (MEF 35.1's default 15 minutes): a whole number of steps.
    # Only 15 minutes is built: the SOF numbers intervals by it (core/pm/interval.py).
    interval_s: int = Field(INTERVAL_S, ge=INTERVAL_S, le=INTERVAL_S)
    probes_per_step: int = Field(10, ge=1, le=100)
    # What an element keeps (8 intervals of 15 minutes); older bins are for the ICM to have read.
    history_s: int = Field(7200, ge=60, le=86_400)
    buffer_ms: float = Field(10.0, gt=0, le=1000)

    @model_validator(mode="after")
    def _whole_steps(self) -> TrafficConfig:
        if self.interval_s % self.step_s:
            raise ValueError(f"interval_s ({self.interval_s}) must be a whole number of steps of {self.step_s} s")
        if self.history_s < self.interval_s:
            raise ValueError("history_s must hold at least one interval (interval_s)")
        return self


class TwinSettings(_Strict):
    driver: Literal["netconf", "scale"] = "netconf"
    netconf_base_port: int = Field(18300, gt=1024, lt=65000)
    persist: bool = True
    # "domain": the twin and ECM live in the domain's process; "own": in a child process of
    # their own, so the network's CPU does not compete with the domain's (ecm/remote.py).
    process: Literal["domain", "own"] = "domain"
    # With its own process: how long after that process died the domain starts it again.
    restart_after_s: float = Field(1.0, ge=0, le=300)
    # Simulated seconds per wall-clock second: 1 real time, 900 one 15-minute PM interval a
    # second (demos), 0 time stands still but for explicit advances (tests).
    time_scale: float = Field(1.0, ge=0, le=86_400)
    traffic: TrafficConfig = TrafficConfig()


class PortSettings(_Strict):
    name: str
    speed_mbps: int = Field(10_000, gt=0)


class ElementSettings(_Strict):
    name: str
    ports: list[PortSettings]
    commit_delay_ms: int = Field(0, ge=0, description="simulated time a commit takes on the device")


class LinkSettings(_Strict):
    """A link between two element ports written as 'element:port'."""

    a: str
    b: str
    capacity_mbps: int = Field(10_000, gt=0)
    delay_ms: float = Field(0.5, ge=0)
    loss_ratio: float = Field(0.0, ge=0, le=1)

    @property
    def a_element(self) -> str:
        return self.a.split(":", 1)[0]

    @property
    def a_port(self) -> str:
        return self.a.split(":", 1)[1]

    @property
    def b_element(self) -> str:
        return self.b.split(":", 1)[0]

    @property
    def b_port(self) -> str:
        return self.b.split(":", 1)[1]


class NetworkSettings(_Strict):
    name: str
    elements: list[ElementSettings]
    links: list[LinkSettings] = []


class EcmSettings(_Strict):
    twin: TwinSettings = TwinSettings()
    network_domains: list[NetworkSettings]
