"""A typed, synchronous client for a SOF's ALLEGRO Performance Monitoring v5, as a customer calls
it: performance jobs on its services, their reports, and the events on its listener."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from cadenza.interfaces.allegro.http import AllegroHttp
from cadenza.interfaces.allegro.pm_paths import CE_PM_RESULTS_TYPE, PM_BASE

__all__ = ["PerformanceClient", "scheduled_job", "utilisation_by_interval"]


def scheduled_job(service_id: str, profile_id: str, *, start: str | None = None) -> dict[str, Any]:
    """A job on `service_id` by the offered profile `profile_id`, from `start` (now when None)."""
    schedule = {} if start is None else {"scheduleDefinitionStartTime": start}
    return {"monitoredObject": {"@type": "ServiceRef", "serviceId": service_id}, "scheduleDefinition": schedule,
            "performanceProfile": {"@type": "PerformanceProfileRef", "performanceProfileId": profile_id}}


def utilisation_by_interval(report: dict[str, Any]) -> dict[str, float]:
    """The ingress utilisation of the CIR (percent) of each interval of a report, by the start of
    the interval, in the busier direction: what a coordinator sizing the bandwidth looks at."""
    by_start: dict[str, float] = {}
    for content in report.get("reportContent") or []:
        for entry in content.get("reportContentItem") or []:
            start = entry["measurementTime"]["measurementStartDate"]
            for data in entry.get("measurementData") or []:
                if data.get("@type") == CE_PM_RESULTS_TYPE and data.get("utilizationIn") is not None:
                    by_start[start] = max(by_start.get(start, 0.0), float(data["utilizationIn"]))
    return by_start


class PerformanceClient:
    def __init__(self, base_url: str, token: Callable[[], str], *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._http = AllegroHttp(base_url, PM_BASE, token, transport=transport, timeout_s=timeout_s)

    def close(self) -> None:
        self._http.close()

    def list_profiles(self) -> list[dict[str, Any]]:
        return self._http.send("GET", "/performanceProfile").json()

    def create_job(self, job: dict[str, Any]) -> dict[str, Any]:
        return self._http.send("POST", "/performanceJob", json=job).json()

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/performanceJob/{job_id}").json()

    def list_jobs(self, **filters: Any) -> list[dict[str, Any]]:  # noqa: ANN401
        """`filters` by the spec's query names, e.g. `serviceId=...`, `state="inProgress"`."""
        return self._http.send("GET", "/performanceJob", params=filters).json()

    def list_reports(self, **filters: Any) -> list[dict[str, Any]]:  # noqa: ANN401
        return self._http.send("GET", "/performanceReport", params=filters).json()

    def get_report(self, report_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/performanceReport/{report_id}").json()

    def register_listener(self, callback: str, query: str | None = None) -> dict[str, Any]:
        body = {"callback": callback} if query is None else {"callback": callback, "query": query}
        return self._http.send("POST", "/hub", json=body).json()

    def unregister_listener(self, listener_id: str) -> None:
        self._http.send("DELETE", f"/hub/{listener_id}")
