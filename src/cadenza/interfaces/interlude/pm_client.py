"""A buyer's client of a seller's Performance Monitoring v2 (INTERLUDE: the SP's SOF at a partner's
SOF; the same API serves LEGATO at its own base path). A token on each call; any answer that
is not 2xx, or no answer, is raised as a `PmError` with the status and the MEF Error body."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx

from cadenza.core.client_credentials import TokenUnavailable, send_with_token
from cadenza.interfaces.interlude.pm_paths import PM_BASE

__all__ = ["PmError", "PerformanceMonitoringClient", "ce_configuration"]

CE_PM_CONFIGURATION_TYPE = "urn:mef:lso:spec:legato:carrier-ethernet-performance-monitoring-configuration:v0.0.1:all"


def ce_configuration(service_id: str) -> dict[str, Any]:
    """`servicePayloadSpecificAttributes` naming the monitored service (docs/interlude-profile.md)."""
    return {"@type": CE_PM_CONFIGURATION_TYPE, "interface": service_id, "utilizationIn": True,
            "peakUtilizationIn": True}


class PmError(Exception):
    def __init__(self, reason: str, *, status: int | None = None, body: Any = None) -> None:  # noqa: ANN401
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.body = body


class PerformanceMonitoringClient:
    def __init__(self, base_url: str, token: Callable[[], str], *, base_path: str = PM_BASE,
                 transport: httpx.BaseTransport | None = None, timeout_s: float = 30.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout_s)
        self._base_path = base_path
        self._token = token

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:  # noqa: ANN401 - a JSON document
        try:
            reply = send_with_token(self._http, method, f"{self._base_path}{path}", self._token, **kwargs)
        except (TokenUnavailable, httpx.HTTPError) as exc:
            raise PmError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if not reply.is_success:
            body = reply.json() if reply.content else None
            reason = body.get("reason", "") if isinstance(body, dict) else str(body)[:255]
            raise PmError(f"{method} {path} answered {reply.status_code}: {reason}", status=reply.status_code,
                          body=body)
        return reply.json() if reply.content else None

    # -- profiles, jobs, job requests --------------------------------------------------------
    def list_profiles(self, **filters: str) -> list[dict[str, Any]]:
        return self._send("GET", "/performanceProfile", params=filters)

    def create_job(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("POST", "/performanceJob", json=body)

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self._send("GET", f"/performanceJob/{job_id}")

    def list_jobs(self, **filters: str) -> list[dict[str, Any]]:
        return self._send("GET", "/performanceJob", params=filters)

    def job_request(self, kind: str, job_id: str, reason: str | None = None) -> dict[str, Any]:
        """`kind`: cancel | suspend | resume (each a resource of v2: POST /{kind}PerformanceJob)."""
        reasons = {"cancel": "cancellationReason", "suspend": "suspensionReason", "resume": "resumptionReason"}
        body: dict[str, Any] = {"performanceJob": {"@type": "PerformanceJobRef", "id": job_id}}
        if reason:
            body[reasons[kind]] = reason
        return self._send("POST", f"/{kind}PerformanceJob", json=body)

    # -- reports -----------------------------------------------------------------------------
    def create_report(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._send("POST", "/performanceReport", json=body)

    def get_report(self, report_id: str) -> dict[str, Any]:
        return self._send("GET", f"/performanceReport/{report_id}")

    def list_reports(self, **filters: str) -> list[dict[str, Any]]:
        return self._send("GET", "/performanceReport", params=filters)

    def tracking_records(self, **filters: str) -> list[dict[str, Any]]:
        return self._send("GET", "/trackingRecord", params=filters)

    # -- hub ---------------------------------------------------------------------------------
    def register_listener(self, callback: str, event_types: Iterable[str] = ()) -> dict[str, Any]:
        body: dict[str, Any] = {"callback": callback}
        if event_types:
            body["query"] = "eventType=" + ",".join(event_types)
        return self._send("POST", "/hub", json=body)

    def unregister_listener(self, subscription_id: str) -> None:
        self._send("DELETE", f"/hub/{subscription_id}")
