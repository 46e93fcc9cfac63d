"""What the customer's side sends into a service: the offered load, step by step.

A demand is a daily pattern around a mean, with seeded noise and occasional bursts:

    offered(t) = reference * mean * (1 + amplitude * cos(2 pi (hour(t) - peak_hour) / 24))
                 * max(0, 1 + noise * N(0, 1)) * (burst_factor if a burst else 1)

`reference` is the service's committed rate (its CIR; its EIR where nothing is committed), so
the same demand suits any bandwidth; `base_mbps` fixes it instead, for an application whose
traffic does not grow with the bandwidth bought (a data-centre interconnect whose coordinator
raises and lowers the CIR to follow it, §10.9). `offered_mbps` fixes the load itself (e.g. to
cause congestion on purpose); it is still policed at the ingress like any other traffic.
Each direction of a service draws its own noise and bursts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from cadenza.ecm.noise import standard_normal, uniform

__all__ = ["Demand", "DEFAULT_DEMAND", "offered_mbps"]

_NOISE, _BURST = 11, 12  # draw streams, so noise and bursts never share a number


@dataclass(frozen=True, slots=True)
class Demand:
    mean: float = 0.4  # of the reference rate
    amplitude: float = 0.5  # of the mean: the peak is mean * (1 + amplitude)
    peak_hour: float = 14.0  # UTC
    noise: float = 0.1  # relative standard deviation from step to step
    burst_probability: float = 0.002  # per step
    burst_factor: float = 3.0
    offered_mbps: float | None = None  # fixed load instead of the pattern
    base_mbps: float | None = None  # the rate the pattern is a share of, instead of the CIR

    def __post_init__(self) -> None:
        for name in ("mean", "amplitude", "noise", "burst_probability"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.burst_probability > 1:
            raise ValueError("burst_probability is a probability: at most 1")
        if self.burst_factor < 1:
            raise ValueError("burst_factor must be at least 1")
        if not 0 <= self.peak_hour < 24:
            raise ValueError("peak_hour must be in [0, 24)")
        if self.offered_mbps is not None and self.offered_mbps < 0:
            raise ValueError("offered_mbps must not be negative")
        if self.base_mbps is not None and self.base_mbps <= 0:
            raise ValueError("base_mbps must be positive")

    def to_json(self) -> dict[str, Any]:
        return {_camel(k): v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Demand:
        fields = {_snake(k): v for k, v in raw.items()}
        unknown = sorted(set(fields) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown demand setting(s): {', '.join(unknown)}")
        return cls(**fields)


DEFAULT_DEMAND = Demand()


def offered_mbps(demand: Demand, reference_mbps: np.ndarray, *, seed: int, flow_keys: np.ndarray,
                 steps: np.ndarray, step_s: float) -> np.ndarray:
    """Offered load in Mbit/s, [steps, flows], for step indexes `steps` (absolute: floor(t / step_s))
    and flows with these keys and reference rates, all on this demand."""
    steps = np.asarray(steps, dtype=np.int64)[:, None]
    keys = np.asarray(flow_keys, dtype=np.int64)[None, :]
    reference = np.asarray(reference_mbps, dtype=np.float64)[None, :]
    if demand.base_mbps is not None:
        reference = np.full_like(reference, demand.base_mbps)
    if demand.offered_mbps is not None:
        return np.full((steps.shape[0], keys.shape[1]), float(demand.offered_mbps))
    hours = (steps * step_s % 86_400) / 3_600
    daily = 1 + demand.amplitude * np.cos(2 * np.pi * (hours - demand.peak_hour) / 24)
    noise = np.maximum(0.0, 1 + demand.noise * standard_normal(seed, keys, steps, _NOISE))
    bursts = np.where(uniform(seed, keys, steps, _BURST) < demand.burst_probability, demand.burst_factor, 1.0)
    return np.maximum(0.0, reference * demand.mean * daily) * noise * bursts


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
