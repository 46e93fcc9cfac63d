"""`PartnerAccess` over INTERLUDE: SOF-sp orders the access segment straight from the
partner's SOF (MEF 55.0.1 step 9b, option a), with Cadenza's INTERLUDE profile.

The partner's service id is our reference. Every request carries the idempotency key as the
order's `externalId`, and the partner's orders are looked up by it first, so a retried step
never orders twice.
"""

from __future__ import annotations

from typing import Any

from cadenza.interfaces.interlude.client import InterludeClient
from cadenza.interfaces.interlude.pm_client import PerformanceMonitoringClient
from cadenza.interfaces.interlude.pm_paths import PM_EVENT_TYPES, THRESHOLD_CROSSING_EVENT
from cadenza.interfaces.legato.builders import (
    add_evc_item,
    delete_item,
    modify_item,
    ovc_access_configuration,
    service_order,
)
from cadenza.interfaces.legato.client import LegatoError, LegatoRejected
from cadenza.interfaces.legato.paths import OVC_TYPE
from cadenza.sof.partner_access import AccessRequest, AccessStatus, PartnerAccessError, SegmentTestResult

__all__ = ["InterludeAccess"]

_FINAL = {"completed", "failed", "partial", "rejected"}


class InterludeAccess:
    # The SOF registers at the partner SOF's INTERLUDE hubs (`subscribe`); its events wake the
    # waiting step through `sof/api/interlude_listener.py`.
    notifies = True

    def __init__(self, client: InterludeClient, *, party: str, pm: PerformanceMonitoringClient | None = None) -> None:
        self._client = client
        self.party = party
        # the partner's Performance Monitoring v2: its segment's figures (sof/performance/partner_segment.py)
        self.pm = pm

    def subscribe_pm(self, callback: str) -> None:
        """Register `callback` for the partner's PM events: the reports of our jobs there, and
        the crossings in its network on our segments (Cadenza's event, docs/interlude-profile.md)."""
        if self.pm is None:
            return
        self.pm.register_listener(callback, [*(t for t in PM_EVENT_TYPES if t.startswith("performanceJobReport")),
                                             THRESHOLD_CROSSING_EVENT])

    def subscribe(self, callback: str) -> None:
        """Register `callback` for the partner's service order and service events."""
        self._call("register for notifications", self._client.register_order_listener, callback)
        self._call("register for notifications", self._client.register_service_listener, callback)

    def operational_state(self, reference: str) -> tuple[str, str | None]:
        """The partner's service as its inventory says now: its lifecycle state and its MEF
        operationalState (None where the partner gives none)."""
        service = self._call("read the access segment", self._client.get_service, reference)
        said = (service.get("serviceConfiguration") or {}).get("operationalState") or {}
        return str(service.get("state")), said.get("state") if isinstance(said.get("state"), str) else None

    def services_of_order(self, order_id: str) -> list[str]:
        """The partner's services an order of ours at the partner is about (what a wake names)."""
        order = self._call("read the order", self._client.get_service_order, order_id)
        return [service_id for item in order.get("serviceOrderItem") or []
                if (service_id := (item.get("service") or {}).get("id"))]

    def _call(self, what: str, call, *args: Any) -> Any:  # noqa: ANN001 - a client method
        try:
            return call(*args)
        except LegatoRejected as exc:
            raise PartnerAccessError(f"{self.party} refused to {what}: {exc.reason}", refused=True) from exc
        except LegatoError as exc:
            raise PartnerAccessError(f"{self.party} did not answer to {what}: {exc.reason}") from exc

    def _place_once(self, key: str, item: dict[str, Any], what: str) -> dict[str, Any]:
        existing = self._call(what, lambda: self._client.list_service_orders(externalId=key))
        if existing:
            return existing[0]
        return self._call(what, self._client.create_service_order, service_order(item, external_id=key))

    def order(self, request: AccessRequest) -> str:
        # the excess rate goes in the placement's profile, which the partner's elements police
        profile = {"cirMbps": request.bandwidth_mbps, "eirMbps": request.eir_mbps} if request.eir_mbps else None
        config = ovc_access_configuration(site=request.site, ce_vlan=request.ce_vlan, enni=request.enni,
                                          s_vlan=request.s_vlan, bandwidth_mbps=request.bandwidth_mbps,
                                          max_delay_ms=request.max_delay_ms, identifier=request.idempotency_key,
                                          bandwidth_profile=profile)
        order = self._place_once(request.idempotency_key, add_evc_item("access", config),
                                 "order an access segment")
        return order["serviceOrderItem"][0]["service"]["id"]

    def modify(self, reference: str, bandwidth_mbps: int, idempotency_key: str, *, ce_vlan: int | None = None) -> None:
        self._place_once(idempotency_key, modify_item("modify", reference, bandwidth_mbps, service_type=OVC_TYPE,
                                                      ce_vlan=ce_vlan),
                         "change the bandwidth" if ce_vlan is None else f"change the CE-VLAN to {ce_vlan}")

    def remove(self, reference: str, idempotency_key: str) -> None:
        service = self._call("read the access segment", self._client.get_service, reference)
        if service.get("state") == "terminated":
            return
        self._place_once(idempotency_key, delete_item("delete", reference), "remove the access segment")

    def status(self, reference: str) -> AccessStatus:
        service = self._call("read the access segment", self._client.get_service, reference)
        refs = service.get("serviceOrderItem") or []
        last = self._call("read the order", self._client.get_service_order, refs[-1]["serviceOrderId"]) \
            if refs else None
        design = service.get("serviceConfiguration", {}).get("cadenzaDesign", {})
        detail = {"service": service.get("id"), "order": last and last["id"], "state": service.get("state")}
        if last is not None and last["state"] not in _FINAL:
            return AccessStatus("inProgress", detail=detail)
        if last is not None:
            # the service was read before the order: the order may have ended in between, with the
            # service changed just before it ended; what the order ended with is the service as now
            service = self._call("read the access segment", self._client.get_service, reference)
            design = service.get("serviceConfiguration", {}).get("cadenzaDesign", {})
        item = last["serviceOrderItem"][0] if last else {}
        if item.get("state") == "failed":
            errors = "; ".join(e.get("value", "") for e in item.get("terminationError", []))
            return AccessStatus("failed", reason=errors or design.get("reason"), detail=detail)
        if service.get("state") == "terminated":
            return AccessStatus("removed", reason=design.get("reason"), detail=detail)
        test = service.get("serviceConfiguration", {}).get("cadenzaActivationTest")
        result = SegmentTestResult(passed=test["result"] == "PASS", delay_ms=test["frameDelayMs"],
                                   loss_ratio=test["frameLossRatio"], rate_mbps=test["informationRateMbps"],
                                   failures=tuple(test.get("failures", []))) if test else None
        state = "active" if service.get("state") == "active" else "inProgress"
        return AccessStatus(state, test=result, bandwidth_mbps=design.get("bandwidthMbps"), detail=detail)
