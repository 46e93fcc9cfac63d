"""A typed, synchronous client for a SOF's ALLEGRO Service Function Testing v3, as a customer
calls it.

    AllegroError      any answer that is not 2xx, or no answer; `status` and the MEF Error `body`
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from cadenza.interfaces.allegro.http import AllegroError, AllegroHttp
from cadenza.interfaces.allegro.sft_paths import JOB_CONFIGURATION_TYPE, SFT_BASE

__all__ = ["AllegroError", "ServiceFunctionTestingClient", "job_request"]


def job_request(service_id: str, profile_id: str, *, name: str = "service test", end: str,
             start: str | None = None, recurrence: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A `TestJob_Common` testing one service end to end with a stored profile; `end` (and
    `start`) RFC 3339 date-times."""
    job: dict[str, Any] = {"name": name, "relatedServiceFrom": {"id": service_id},
                           "relatedServiceTo": {"id": service_id}, "requestedEndDateTime": end,
                           "testProfile": {"@type": "TestProfileRef", "id": profile_id},
                           "serviceSpecificTestJobConfiguration": {"@type": JOB_CONFIGURATION_TYPE}, **extra}
    if start is not None:
        job["requestedStartDateTime"] = start
    if recurrence is not None:
        job["recurrencePeriod"] = recurrence
    return job


class ServiceFunctionTestingClient:
    """A customer's test profiles, test jobs and test results at one SOF, below SFT_BASE."""

    def __init__(self, base_url: str, token: Callable[[], str], *, transport: httpx.BaseTransport | None = None,
                 timeout_s: float = 30.0) -> None:
        self._http = AllegroHttp(base_url, SFT_BASE, token, transport=transport, timeout_s=timeout_s)

    def close(self) -> None:
        self._http.close()

    def list_profiles(self, **filters: Any) -> list[dict[str, Any]]:
        return self._http.send("GET", "/testProfile", params=filters).json()

    def get_profile(self, profile_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/testProfile/{profile_id}").json()

    def create_profile(self, profile: dict[str, Any]) -> dict[str, Any]:
        return self._http.send("POST", "/testProfile", json=profile).json()

    def modify_profile(self, profile_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self._http.send("PATCH", f"/testProfile/{profile_id}", json=changes).json()

    def delete_profile(self, profile_id: str) -> None:
        self._http.send("DELETE", f"/testProfile/{profile_id}")

    def create_job(self, job: dict[str, Any]) -> dict[str, Any]:
        return self._http.send("POST", "/testJob", json=job).json()

    def list_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        return self._http.send("GET", "/testJob", params=filters).json()

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/testJob/{job_id}").json()

    def request(self, kind: str, job_id: str, **extra: Any) -> dict[str, Any]:
        """A cancel, suspend, resume or modify TestJob request (`extra`: its reason, or the
        modification's values)."""
        return self._http.send("POST", f"/{kind}TestJob", json={"testJob": {"id": job_id}, **extra}).json()

    def list_requests(self, kind: str, **filters: Any) -> list[dict[str, Any]]:
        return self._http.send("GET", f"/{kind}TestJob", params=filters).json()

    def get_request(self, kind: str, request_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/{kind}TestJob/{request_id}").json()

    def list_results(self, **filters: Any) -> list[dict[str, Any]]:
        return self._http.send("GET", "/testResult", params=filters).json()

    def get_result(self, result_id: str) -> dict[str, Any]:
        return self._http.send("GET", f"/testResult/{result_id}").json()

    def register_listener(self, callback: str, query: str | None = None) -> dict[str, Any]:
        """The file's EventSubscriptionInput requires an `id` as well as the callback (the other
        ALLEGRO hubs do not): one is sent; the hub answers with the id it assigned."""
        body: dict[str, Any] = {"callback": callback, "id": str(uuid.uuid4())}
        if query is not None:
            body["query"] = query
        return self._http.send("POST", "/hub", json=body).json()

    def unregister_listener(self, subscription_id: str) -> None:
        self._http.send("DELETE", f"/hub/{subscription_id}")
