"""The buyer-side listener: spec paths, 204 answers, deduplication by eventId, MEF errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import Depends, FastAPI, Header
from fastapi.testclient import TestClient

from cadenza.core.errors import Unauthorized, install_error_handlers
from cadenza.core.notifications import listener_router

BASE = "/cb/mefApi/legato/serviceOrderingNotification/v5"
PATH = f"{BASE}/listener/serviceOrderStateChangeEvent"


def event(event_id: str = "e-1", event_type: str = "serviceOrderStateChangeEvent") -> dict[str, Any]:
    return {"eventId": event_id, "eventTime": "2026-11-27T00:00:00.000Z", "eventType": event_type,
            "event": {"id": "so-1", "href": "/serviceOrder/so-1", "state": "completed"}}


class Recorder:
    def __init__(self, failures: int = 0) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.failures = failures

    def __call__(self, event_type: str, body: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("not now")
        self.seen.append((event_type, body))


def client_for(recorder: Recorder, **options: Any) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(listener_router(BASE, recorder, **options))
    return TestClient(app)


def test_an_event_is_acknowledged_with_204_and_handed_over_once_however_often_it_arrives() -> None:
    recorder = Recorder()
    client = client_for(recorder)
    answers = [client.post(PATH, json=event()) for _ in range(3)]
    assert [a.status_code for a in answers] == [204, 204, 204] and answers[0].content == b""
    assert recorder.seen == [("serviceOrderStateChangeEvent", event())]


def test_a_failing_handler_answers_500_and_the_retry_is_handled() -> None:
    recorder = Recorder(failures=1)
    client = client_for(recorder)
    failed = client.post(PATH, json=event())
    assert failed.status_code == 500 and failed.json()["code"] == "internalError"
    assert client.post(PATH, json=event()).status_code == 204
    assert len(recorder.seen) == 1


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"eventTime": "x", "event": {}}',
                                     b'{"eventId": "e", "eventType": "serviceOrderCreateEvent", "event": {}}'])
def test_a_body_that_is_not_an_event_of_this_path_is_a_bad_request(content: bytes) -> None:
    recorder = Recorder()
    answer = client_for(recorder).post(PATH, content=content, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["code"] == "invalidBody"
    assert recorder.seen == []


def test_only_the_declared_event_types_have_a_listener() -> None:
    client = client_for(Recorder(), event_types={"serviceOrderCreateEvent"})
    assert client.post(PATH, json=event()).status_code == 404
    create = f"{BASE}/listener/serviceOrderCreateEvent"
    assert client.post(create, json=event(event_type="serviceOrderCreateEvent")).status_code == 204


def test_the_listener_can_demand_the_senders_credentials() -> None:
    def partner(authorization: str | None = Header(None)) -> None:
        if authorization != "Bearer partner-token":
            raise Unauthorized("the seller must authenticate", code="missingCredentials")

    recorder = Recorder()
    client = client_for(recorder, dependencies=[Depends(partner)])
    assert client.post(PATH, json=event()).status_code == 401
    assert client.post(PATH, json=event(), headers={"Authorization": "Bearer partner-token"}).status_code == 204
    assert len(recorder.seen) == 1
