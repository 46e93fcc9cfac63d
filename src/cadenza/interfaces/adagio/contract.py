"""ADAGIO: the contract between an ICM and the ECM that manages its network elements.

MEF 55 leaves ADAGIO's payloads to the element vendor. Cadenza defines it as the
configuration of *forwarding constructs* on elements, following the Cadenza element YANG
module shipped in `cadenza/ecm/yang/cadenza-network-element.yang`, carried over NETCONF
(or, in scale mode, an in-process driver with the same semantics). See `docs/adagio.md`.

A forwarding construct is one connectivity service's cross-connect on one element: frames
arriving on one end point (port + VLAN) leave on the other, policed by a bandwidth profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

__all__ = [
    "BandwidthProfile",
    "CosFlow",
    "FcEndPoint",
    "ForwardingConstruct",
    "IpInterface",
    "ElementState",
    "LinkState",
    "Faults",
    "Measurement",
    "PmCounters",
    "PmInterval",
    "LOST_PROBE",
    "FRAME_COLUMNS",
    "Alarm",
    "AdagioError",
    "ElementRefused",
    "ElementUnreachable",
    "AdagioClient",
    "ElementResult",
]


@dataclass(frozen=True, slots=True)
class CosFlow:
    """One MEF 10.4 bandwidth profile flow of a class of service name: rates in kbit/s, bursts
    in kbytes, and its place in an envelope (id, rank, coupling flag) and colour mode."""

    name: str
    cir_kbps: int = 0
    cbs_kbytes: int = 0
    eir_kbps: int = 0
    ebs_kbytes: int = 0
    envelope: str | None = None
    rank: int | None = None
    coupling_flag: bool | None = None
    color_mode: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return CosFlow, (self.name, self.cir_kbps, self.cbs_kbytes, self.eir_kbps, self.ebs_kbytes, self.envelope,
                         self.rank, self.coupling_flag, self.color_mode)


@dataclass(frozen=True, slots=True)
class BandwidthProfile:
    """MEF 10.4 token bucket parameters: rates in kbit/s, bursts in kbytes; `per_cos` the flows
    per class of service name whose rates these are the sums of (empty: one flow for all)."""

    cir_kbps: int
    cbs_kbytes: int = 16
    eir_kbps: int = 0
    ebs_kbytes: int = 0
    per_cos: tuple[CosFlow, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return BandwidthProfile, (self.cir_kbps, self.cbs_kbytes, self.eir_kbps, self.ebs_kbytes, self.per_cos)


@dataclass(frozen=True, slots=True)
class FcEndPoint:
    """Where a forwarding construct attaches: a port and, unless the port is dedicated to the
    service (port-based, e.g. an EPL UNI), the VLAN id that selects its frames."""

    port: str
    vlan_id: int | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return FcEndPoint, (self.port, self.vlan_id)


@dataclass(frozen=True, slots=True)
class IpInterface:
    """A routed IPv4 interface at one end point of a construct (an Internet gateway's IP UNI):
    the element's own address on the subscriber's subnet and the one address it hands out."""

    end_point: str  # "a" or "z": where frames leave towards the subscriber's subnet
    address: str
    prefix_length: int
    subscriber_address: str

    def __reduce__(self) -> tuple[Any, ...]:
        return IpInterface, (self.end_point, self.address, self.prefix_length, self.subscriber_address)


@dataclass(frozen=True, slots=True)
class ForwardingConstruct:
    fc_id: str
    end_points: tuple[FcEndPoint, FcEndPoint]
    bandwidth: BandwidthProfile
    description: str = ""
    ip: IpInterface | None = None

    # Constructs cross to a twin in its own process by the thousand: a slotted dataclass's
    # default pickling looks its fields up for every object and costs several times this.
    def __reduce__(self) -> tuple[Any, ...]:
        return ForwardingConstruct, (self.fc_id, self.end_points, self.bandwidth, self.description, self.ip)


@dataclass(frozen=True, slots=True)
class ElementState:
    name: str
    up: bool
    forwarding_constructs: tuple[str, ...] = ()
    commits: int = 0  # configuration changes that took effect: repeated edits do not count
    writes: int = 0  # constructs those commits added, changed or removed (one commit may carry several)


@dataclass(frozen=True, slots=True)
class LinkState:
    a: str
    a_port: str
    b: str
    b_port: str
    capacity_mbps: int
    delay_ms: float
    loss_ratio: float
    up: bool


@dataclass(frozen=True, slots=True)
class Faults:
    down_elements: frozenset[str]
    down_links: tuple[LinkState, ...]
    # (element, port) of each port that failed on its own (its optics, a line card): its
    # element may be up and its link too, yet no frame enters or leaves it
    down_ports: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Measurement:
    """What an activation test (MEF 48 style) measured across a forwarding path."""

    reachable: bool
    delay_ms: float
    loss_ratio: float
    throughput_mbps: float
    path: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PmCounters:
    fc_id: str
    tx_frames: int
    rx_frames: int
    tx_octets: int
    rx_octets: int
    delay_ms: float
    loss_ratio: float
    collected_at: str = ""
    extra: dict[str, float] = field(default_factory=dict)


LOST_PROBE = 0xFFFF_FFFF  # a probe that never arrived, in `PmInterval.probe_delays_us`
FRAME_COLUMNS = ("offered", "green", "yellow", "red", "rx_green", "rx_yellow")


@dataclass(frozen=True, slots=True)
class PmInterval:
    """One measurement interval of a SOAM PM session (in the spirit of MEF 35.1's history bins):
    the flow entering forwarding construct `fc_id` at `element`:`port`, measured to its far end.

    Interval `number` covers [number * interval_s, (number + 1) * interval_s) of simulated time,
    in steps of `step_s`: per step, frames offered at the ingress and their colours after
    policing (green, yellow, red = dropped there), frames delivered at the far end per colour,
    and the one-way delay of each probe in microseconds (LOST_PROBE: the probe was lost). Steps
    the session did not exist for are absent from `step_index`; `complete` says whether all were
    there.

    The steps are packed arrays, little-endian, as ADAGIO carries them (docs/adagio.md): 900
    probes a bin as Python numbers cost more than everything else the collection does.
    `step_bytes` uint16 [n]; `frame_bytes` uint64 [6, n] in FRAME_COLUMNS order;
    `delay_bytes` uint32 [n, probes_per_step]. The properties read them as numpy arrays."""

    fc_id: str
    element: str
    port: str
    far_end: str
    number: int
    interval_s: int
    step_s: int
    step_bytes: bytes
    frame_bytes: bytes
    delay_bytes: bytes
    probes_per_step: int

    @classmethod
    def of(cls, fc_id: str, element: str, port: str, far_end: str, number: int, interval_s: int, step_s: int, *,
           step_index: np.ndarray, frames: np.ndarray, delays_us: np.ndarray) -> PmInterval:
        """From arrays: step_index [n], frames [6, n] (FRAME_COLUMNS), delays_us [n, probes]."""
        delays = np.asarray(delays_us, dtype="<u4")
        return cls(fc_id, element, port, far_end, int(number), int(interval_s), int(step_s),
                   np.asarray(step_index, dtype="<u2").tobytes(), np.asarray(frames, dtype="<u8").tobytes(),
                   delays.tobytes(), int(delays.shape[1]) if delays.ndim == 2 else 0)

    @property
    def step_index(self) -> np.ndarray:
        return np.frombuffer(self.step_bytes, dtype="<u2")

    @property
    def frames(self) -> np.ndarray:
        return np.frombuffer(self.frame_bytes, dtype="<u8").reshape(len(FRAME_COLUMNS), -1)

    @property
    def delays_us(self) -> np.ndarray:
        if not self.probes_per_step:
            return np.zeros((len(self.step_bytes) // 2, 0), dtype="<u4")
        return np.frombuffer(self.delay_bytes, dtype="<u4").reshape(-1, self.probes_per_step)

    @property
    def offered(self) -> np.ndarray:
        return self.frames[0]

    @property
    def green(self) -> np.ndarray:
        return self.frames[1]

    @property
    def yellow(self) -> np.ndarray:
        return self.frames[2]

    @property
    def red(self) -> np.ndarray:
        return self.frames[3]

    @property
    def rx_green(self) -> np.ndarray:
        return self.frames[4]

    @property
    def rx_yellow(self) -> np.ndarray:
        return self.frames[5]

    @property
    def start(self) -> float:
        return float(self.number * self.interval_s)

    @property
    def complete(self) -> bool:
        return len(self.step_bytes) // 2 == self.interval_s // self.step_s


@dataclass(frozen=True, slots=True)
class Alarm:
    """A fault an element reports (`alarm_type`: link-down on a port whose link or neighbour
    failed; loss-of-continuity on a construct whose frames stopped arriving from its far end)."""

    element: str
    resource: str  # a port, or the id of a forwarding construct
    alarm_type: str
    severity: str  # X.733: critical, major, minor, warning
    raised_at: float  # simulated time, epoch seconds
    text: str


class AdagioError(Exception):
    """Base of everything ECM reports back to an ICM."""

    def __init__(self, element: str, reason: str) -> None:
        super().__init__(f"{element}: {reason}")
        self.element = element
        self.reason = reason

    def __reduce__(self) -> tuple[type[AdagioError], tuple[str, str]]:
        # Rebuilt from its two fields: an ECM in another process reports the same error.
        return type(self), (self.element, self.reason)


class ElementRefused(AdagioError):
    """The element answered with an rpc-error: the change is invalid or not allowed there."""


class ElementUnreachable(AdagioError):
    """No session to the element (element down, SSH failure, timeout)."""


@dataclass(frozen=True, slots=True)
class ElementResult:
    """One element's outcome in `apply_many`/`remove_many`: changed, or the error it gave."""

    element: str
    fc_id: str
    changed: bool = False
    error: AdagioError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def __reduce__(self) -> tuple[Any, ...]:  # cheap to pickle: see ForwardingConstruct
        return ElementResult, (self.element, self.fc_id, self.changed, self.error)


class AdagioClient(Protocol):
    """What an ICM may ask of its ECM. All calls are idempotent and blocking (run them in a
    worker thread from async code)."""

    def apply(self, element: str, fc: ForwardingConstruct) -> bool:
        """Make `fc` present on `element` exactly as given; True when the element changed."""
        ...

    def remove(self, element: str, fc_id: str) -> bool:
        """Make sure `fc_id` is absent from `element`; True when the element changed."""
        ...

    def read(self, element: str, fc_ids: Sequence[str] | None = None) -> list[ForwardingConstruct]:
        """The forwarding constructs in the element's running configuration, read back
        (NETCONF `<get-config>`); only those of `fc_ids` when given (absent ones are left out)."""
        ...

    def elements(self) -> list[ElementState]: ...

    def faults(self) -> Faults:
        """Only what is down: cheap enough to ask before every path computation."""
        ...

    def links(self) -> list[LinkState]: ...

    def wait_for_fault_change(self, seen: int, timeout_s: float) -> int:
        """Block until the network's count of fault changes (links, elements or ports failed,
        restored or degraded) is no longer `seen`, or `timeout_s` passed; return the count.
        An ICM watches its network with it instead of asking for the faults again and again."""
        ...

    def measure(self, fc_id: str, ingress: str, ingress_port: str) -> Measurement:
        """Send test traffic into `fc_id` at (ingress, ingress_port) and follow it through the
        configured forwarding constructs to its far end."""
        ...

    def counters(self, fc_id: str, ingress: str, ingress_port: str) -> PmCounters: ...

    def apply_many(self, items: Sequence[tuple[str, ForwardingConstruct]]) -> list[ElementResult]:
        """`apply` for each (element, construct), elements in parallel and each element's
        constructs together; one result per item, in order, refusals included."""
        ...

    def remove_many(self, items: Sequence[tuple[str, str]]) -> list[ElementResult]:
        """`remove` for each (element, fc id), as `apply_many` does."""
        ...

    def pm_intervals(self, element: str, fc_id: str, port: str, numbers: Sequence[int]) -> list[PmInterval]:
        """The PM history bins numbered `numbers` of the session measuring the flow that enters
        `fc_id` at `element`:`port`, read from the element (NETCONF `<get>` of its operational
        state); bins the element no longer keeps, or that have not ended yet, are left out."""
        ...

    def pm_intervals_many(self, items: Sequence[tuple[str, str, str, Sequence[int]]]
                          ) -> list[list[PmInterval] | AdagioError]:
        """`pm_intervals` for each (element, fc id, port, bin numbers): every session asked of one
        element in one `<get>`, elements in parallel; per item, in order, its bins or the error its
        element gave (an element that does not answer fails only its own sessions)."""
        ...

    def alarms(self, element: str) -> list[Alarm]:
        """The alarms `element` raises now (an element that is down answers nothing)."""
        ...

    def pm_clock(self) -> tuple[float, int, int, float]:
        """(now in simulated epoch seconds, PM interval length s, step length s, simulated seconds
        per wall-clock second) of the network."""
        ...
