"""Building blocks for the ECM unit tests: a three-element chain pe1 -- p1 -- pe2 and its constructs."""

from __future__ import annotations

from cadenza.ecm.settings import EcmSettings
from cadenza.interfaces.adagio.contract import BandwidthProfile, FcEndPoint, ForwardingConstruct


def chain(*, persist: bool = False, commit_delay_ms: int = 0) -> EcmSettings:
    def element(name: str, ports: list[tuple[str, int]]) -> dict:
        return {"name": name, "commit_delay_ms": commit_delay_ms,
                "ports": [{"name": p, "speed_mbps": s} for p, s in ports]}

    return EcmSettings.model_validate({
        "twin": {"driver": "scale", "persist": persist},
        "network_domains": [{
            "name": "metro",
            "elements": [element("pe1", [("uni1", 1000), ("nni", 10000)]),
                         element("p1", [("west", 10000), ("east", 10000)]),
                         element("pe2", [("nni", 10000), ("uni1", 1000)])],
            "links": [{"a": "pe1:nni", "b": "p1:west", "capacity_mbps": 10000, "delay_ms": 1.0, "loss_ratio": 0.01},
                      {"a": "p1:east", "b": "pe2:nni", "capacity_mbps": 400, "delay_ms": 2.0}],
        }],
    })


def fc(fc_id: str = "svc-1", a: tuple[str, int | None] = ("uni1", 100), z: tuple[str, int | None] = ("nni", 100),
       cir_kbps: int = 50_000, eir_kbps: int = 0) -> ForwardingConstruct:
    return ForwardingConstruct(fc_id, (FcEndPoint(*a), FcEndPoint(*z)),
                               BandwidthProfile(cir_kbps=cir_kbps, eir_kbps=eir_kbps))


def path_fcs(fc_id: str = "svc-1", vlan: int = 100, cir_kbps: int = 50_000,
             eir_kbps: int = 0) -> list[tuple[str, ForwardingConstruct]]:
    """The construct on each element of the chain for one service from pe1:uni1 to pe2:uni1."""
    return [("pe1", fc(fc_id, ("uni1", vlan), ("nni", vlan), cir_kbps, eir_kbps)),
            ("p1", fc(fc_id, ("west", vlan), ("east", vlan), cir_kbps, eir_kbps)),
            ("pe2", fc(fc_id, ("nni", vlan), ("uni1", vlan), cir_kbps, eir_kbps))]


class FakeClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
