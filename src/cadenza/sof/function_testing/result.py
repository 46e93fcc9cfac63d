"""A Test Result (Service Function Testing v3 `TestResult`): one test of a job's service,
measured on the network. It has no state of its own; it is made once, complete, and told to the
customer (testResultCreateEvent). Its id is `<job id>-<when the test was due, ms>`, so a
workflow re-running after a restart never makes a result twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from cadenza.core.clock import iso_at
from cadenza.core.notifications.outbox import publish
from cadenza.interfaces.allegro.sft_paths import SFT_HUB, SFT_LISTENER_BASE, job_href, result_href
from cadenza.sof.function_testing.rows import TestResultRow

__all__ = ["result_id", "announce_created", "render_found", "render"]


def result_id(job_id: str, due_s: float) -> str:
    return f"{job_id}-{int(due_s * 1000)}"


def announce_created(session: Session, row: TestResultRow, *, wake: Callable[[], None] | None = None) -> None:
    publish(session, api=SFT_HUB, event_type="testResultCreateEvent", party=row.party, wake=wake,
            listener_base_path=SFT_LISTENER_BASE, resource={"id": row.id, "href": result_href(row.id)})


def _service(service_id: str) -> dict[str, str]:
    return {"id": service_id, "href": f"/mefApi/allegro/serviceInventory/v2/service/{service_id}"}


def render_found(row: TestResultRow, base_url: str) -> dict[str, Any]:
    """`TestResult_Common`: the result as listed, without its measurements."""
    return {"id": row.id, "href": f"{base_url}{result_href(row.id)}", "actualStartDateTime": iso_at(row.start_s),
            "actualEndDateTime": iso_at(row.end_s), "relatedServiceFrom": _service(row.service_id),
            "relatedServiceTo": _service(row.service_id),
            "testJob": {"id": row.job_id, "href": f"{base_url}{job_href(row.job_id)}"}}


def render(row: TestResultRow, base_url: str) -> dict[str, Any]:
    return {**render_found(row, base_url), "serviceSpecificTestResultConfiguration": row.content}

