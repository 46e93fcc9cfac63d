"""The partner's segment as the SP reads it over INTERLUDE: the service and its last order are
two reads, and the partner may finish the order between them."""

from __future__ import annotations

from typing import Any

from cadenza.sof.interlude_access import InterludeAccess


class _PartnerFinishingBetweenTheReads:
    """The first read of the service is from before the change; the order has completed by the
    time it is read, and the service read after that carries the new rate."""

    def __init__(self) -> None:
        self.reads = 0

    def get_service(self, _reference: str) -> dict[str, Any]:
        self.reads += 1
        mbps = 100 if self.reads == 1 else 300
        return {"id": "ovc-1", "state": "active", "serviceOrderItem": [{"itemId": "1", "serviceOrderId": "o-1"},
                                                                        {"itemId": "1", "serviceOrderId": "o-2"}],
                "serviceConfiguration": {"cadenzaDesign": {"bandwidthMbps": mbps}}}

    def get_service_order(self, order_id: str) -> dict[str, Any]:
        return {"id": order_id, "state": "completed", "serviceOrderItem": [{"state": "completed"}]}


def test_a_change_the_partner_finished_between_the_two_reads_is_seen_at_its_new_rate() -> None:
    access = InterludeAccess(_PartnerFinishingBetweenTheReads(), party="partner-b")  # type: ignore[arg-type]
    status = access.status("ovc-1")
    assert (status.state, status.bandwidth_mbps) == ("active", 300)
