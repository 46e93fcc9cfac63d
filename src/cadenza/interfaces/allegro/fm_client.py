"""A typed, synchronous client for a SOF's ALLEGRO Fault Management v3, as a customer calls it.

    AllegroError      any answer that is not 2xx, or no answer; `status` and the MEF Error `body`
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from cadenza.interfaces.allegro.fm_paths import FM_BASE
from cadenza.interfaces.allegro.http import AllegroError, AllegroHttp

__all__ = ["AllegroError", "FaultManagementClient"]


def _job_ref(job_id: str) -> dict[str, str]:
    return {"@type": "FaultManagementJobRef", "faultManagementJobId": job_id}


class FaultManagementClient:
    """A customer's fault management jobs and reports at one SOF, below FM_BASE."""

    def __init__(self, base_url: str, token: Callable[[], str], *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._http = AllegroHttp(base_url, FM_BASE, token, transport=transport, timeout_s=timeout_s)

    def close(self) -> None:
        self._http.close()

    def create_job(self, job: dict[str, Any]) -> dict[str, Any]:
        return self._http.send("POST", "/faultManagementJob", json=job).json()

    def list_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        return self._http.send("GET", "/faultManagementJob", params=filters).json()

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/faultManagementJob/{job_id}").json()

    def suspend_job(self, job_id: str) -> None:
        self._http.send("POST", f"/faultManagementJob/{job_id}/suspend")

    def resume_job(self, job_id: str) -> None:
        self._http.send("POST", f"/faultManagementJob/{job_id}/resume")

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        body = {"faultManagementJob": _job_ref(job_id)}
        return self._http.send("POST", "/cancelFaultManagementJob", json=body).json()

    def modify_job(self, job_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        body = {**changes, "faultManagementJob": _job_ref(job_id)}
        return self._http.send("POST", "/modifyFaultManagementJob", json=body).json()

    def query_jobs(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return self._http.send("POST", "/faultManagementJobComplexQuery", json=query).json()

    def list_reports(self, **filters: Any) -> list[dict[str, Any]]:
        return self._http.send("GET", "/faultManagementReport", params=filters).json()

    def get_report(self, report_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/faultManagementReport/{report_id}").json()

    def query_reports(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return self._http.send("POST", "/faultManagementReportComplexQuery", json=query).json()

    def tracking_records(self, **filters: Any) -> list[dict[str, Any]]:
        return self._http.send("GET", "/trackingRecord", params=filters).json()

    def register_listener(self, callback: str, query: str | None = None) -> dict[str, Any]:
        body = {"callback": callback} if query is None else {"callback": callback, "query": query}
        return self._http.send("POST", "/hub", json=body).json()
