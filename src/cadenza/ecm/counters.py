"""PM counters per forwarding construct, integrated from the twin's state over time.

Traffic is offered at the construct's CIR from the moment the ingress element committed it;
what arrives is what the current path delivers. Counters are settled (integrated up to now at
the old rates) before every fault change, so an outage shows as rx frames that stopped
growing while tx went on. Deterministic: no randomness, only twin state and the clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from cadenza.core.clock import iso
from cadenza.ecm.measure import measure
from cadenza.ecm.twin import NetworkTwin
from cadenza.interfaces.adagio.contract import PmCounters

__all__ = ["FRAME_OCTETS", "PmCollector"]

FRAME_OCTETS = 1000  # the test traffic's frame size


@dataclass
class _Tally:
    since: float
    tx_octets: float = 0.0
    rx_octets: float = 0.0


class PmCollector:
    def __init__(self, twin: NetworkTwin) -> None:
        self._twin = twin
        self._tallies: dict[tuple[str, str, str], _Tally] = {}
        self._mutex = threading.Lock()
        twin.listeners.append(self.settle)

    def counters(self, fc_id: str, ingress: str, ingress_port: str) -> PmCounters:
        key = (fc_id, ingress, ingress_port)
        with self._mutex:
            self._settle_one(key)
            tally = self._tallies[key]
        now = measure(self._twin, fc_id, ingress, ingress_port)
        return PmCounters(fc_id, int(tally.tx_octets // FRAME_OCTETS), int(tally.rx_octets // FRAME_OCTETS),
                          int(tally.tx_octets), int(tally.rx_octets), now.delay_ms, now.loss_ratio,
                          collected_at=iso(), extra={"throughputMbps": now.throughput_mbps})

    def settle(self) -> None:
        with self._mutex:
            for key in list(self._tallies):
                self._settle_one(key)

    def _settle_one(self, key: tuple[str, str, str]) -> None:
        fc_id, ingress, port = key
        ds = self._twin.elements.get(ingress)
        started = ds.configured_at.get(fc_id) if ds else None
        if started is None:  # not configured (any more): counting starts afresh when it is
            self._tallies[key] = _Tally(since=self._twin.clock())
            return
        tally = self._tallies.setdefault(key, _Tally(since=started))
        tally.since = max(tally.since, started)
        now = self._twin.clock()
        elapsed = max(0.0, now - tally.since)
        fc = ds.running.fcs[fc_id] if ds and ds.up else None
        offered = fc.bandwidth.cir_kbps * 125 * elapsed if fc else 0.0  # kbit/s -> octets/s
        result = measure(self._twin, fc_id, ingress, port)
        tally.tx_octets += offered
        if result.reachable:  # the path delivers at most its throughput, already net of loss
            tally.rx_octets += min(offered * (1 - result.loss_ratio), result.throughput_mbps * 125_000 * elapsed)
        tally.since = now
