"""Hostile input meets the request guard before any route runs: strict JSON, a body size limit
(also for chunked bodies), and the official OpenAPI operation each MEF request targets. The
routes here are tripwires at the real spec paths: they record that they ran."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import Body, Depends, FastAPI
from fastapi.testclient import TestClient

from cadenza.core.auth import Principal, require
from cadenza.core.request_guard import RequestLimits, guard_endpoints, install_request_guard
from cadenza.landscape.domain import served_operations
from tests.helpers.servers import serve
from tests.integration.core.conftest import bearer

ORDERING = "/mefApi/cantata/productOrderingManagement/v5"
LIMIT = 2 << 20
RAN: list[str] = []


@pytest.fixture(scope="module")
def operations():  # noqa: ANN201 - compiled once for the module
    return served_operations()


@pytest.fixture
def guarded(auth_app: FastAPI, operations: Any) -> FastAPI:
    app = auth_app
    install_request_guard(app, limits=RequestLimits(max_request_bytes=LIMIT), operations=operations)
    caller = Depends(require("cantata"))
    RAN.clear()

    @app.post(f"{ORDERING}/cancelProductOrder", status_code=201)
    def cancel(payload: Any = Body(...), principal: Principal = caller) -> dict:
        RAN.append("cancel")
        return {"id": "c1", "state": "acknowledged", **payload}

    @app.post(f"{ORDERING}/modifyProductOrderItemRequestedDeliveryDate", status_code=201)
    def modify(payload: Any = Body(...), principal: Principal = caller) -> dict:
        RAN.append("modify")
        return payload

    @app.post(f"{ORDERING}/productOrder", status_code=201)
    def create(payload: Any = Body(...), principal: Principal = caller) -> dict:
        RAN.append("create")
        return payload

    @app.get(f"{ORDERING}/productOrder")
    def orders(principal: Principal = caller) -> list:
        RAN.append("list")
        return [{"id": "o1"}]

    @app.post("/cadenza/echo")
    def echo(payload: Any = Body(...)) -> Any:
        RAN.append("echo")
        return payload

    @app.get("/health")
    def health() -> dict:
        return {"status": "up"}

    assert guard_endpoints(app) >= 5
    return app


@pytest.fixture
def client(guarded: FastAPI) -> Iterator[TestClient]:
    with TestClient(guarded) as http:
        http.headers.update(bearer(http))
        yield http


CANCEL = {"productOrder": {"productOrderId": "o1"}, "cancellationReason": "not needed",
          "relatedContactInformation": [{"role": "buyerContactInformation", "name": "Ann", "number": "1",
                                         "emailAddress": "ann@example.com"}]}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e309", "-1e400"])
def test_numbers_json_does_not_have_are_refused_with_the_mef_error(client: TestClient, number: str) -> None:
    for path in (f"{ORDERING}/cancelProductOrder", "/cadenza/echo"):
        reply = client.post(path, content=f'{{"productOrder": {{"productOrderId": {number}}}}}',
                            headers={"Content-Type": "application/json"})
        assert reply.status_code == 400, reply.text
        assert reply.json()["code"] == "invalidBody" and "NaN, Infinity" in reply.json()["reason"]
    assert RAN == []


def test_a_valid_request_reaches_its_route(client: TestClient) -> None:
    assert client.post(f"{ORDERING}/cancelProductOrder", json=CANCEL).status_code == 201
    assert client.get(f"{ORDERING}/productOrder", params={"state": "completed", "limit": 5}).status_code == 200
    assert RAN == ["cancel", "list"]


@pytest.mark.parametrize(("body", "pointer"), [
    ({**CANCEL, "relatedContactInformation": [None]}, "/relatedContactInformation/0"),
    ({**CANCEL, "productOrder": None}, "/productOrder"),
    ({**CANCEL, "productOrder": {"productOrderId": 7}}, "/productOrder/productOrderId"),
    ({"cancellationReason": "x"}, "/productOrder"),
])
def test_nulls_and_wrong_types_on_cancel_are_the_spec_list_of_error422(client: TestClient, body: dict,
                                                                       pointer: str) -> None:
    reply = client.post(f"{ORDERING}/cancelProductOrder", json=body)
    assert reply.status_code == 422, reply.text
    errors = reply.json()
    assert isinstance(errors, list) and pointer in [e["propertyPath"] for e in errors]
    assert all(set(e) <= {"code", "reason", "message", "propertyPath"} for e in errors)
    assert RAN == []


def test_nulls_in_the_items_of_a_delivery_date_change_are_refused(client: TestClient) -> None:
    body = {"productOrderItem": [None], "requestedCompletionDate": "2030-01-01T00:00:00Z"}
    reply = client.post(f"{ORDERING}/modifyProductOrderItemRequestedDeliveryDate", json=body)
    assert reply.status_code == 422 and isinstance(reply.json(), list), reply.text
    assert RAN == []


@pytest.mark.parametrize(("query", "code", "names"), [
    ({"orderDate.gt": "null"}, "invalidQuery", "'orderDate.gt' must be a date-time"),
    ({"orderDate.gt": "abc"}, "invalidQuery", "'orderDate.gt' must be a date-time"),
    ({"limit": "ten"}, "invalidQuery", "'limit' must be a whole number"),
    ({"offset": ""}, "missingQueryValue", "'offset' has no value"),
    ({"state": "finished"}, "invalidQuery", "'state' must be one of acknowledged"),
])
def test_typed_query_filters_with_invalid_values_are_refused_not_ignored(client: TestClient, query: dict,
                                                                          code: str, names: str) -> None:
    reply = client.get(f"{ORDERING}/productOrder", params=query)
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == code and names in reply.json()["reason"]
    assert RAN == []


def test_a_megabyte_external_id_is_refused_naming_the_field_and_the_limit(client: TestClient) -> None:
    order = {"externalId": "x" * 1_000_000, "productOrderItem": [], "relatedContactInformation": []}
    reply = client.post(f"{ORDERING}/productOrder", json=order)
    assert reply.status_code == 422, reply.text[:500]
    errors = {e["propertyPath"]: e for e in reply.json()}
    assert "1000000 characters long; at most 255" in errors["/externalId"]["reason"]
    assert len(reply.content) < 5000  # the value is not echoed
    reason = client.post(f"{ORDERING}/cancelProductOrder", json={**CANCEL, "cancellationReason": "x" * 5000})
    assert reason.status_code == 422 and "at most 4000" in reason.json()[0]["reason"]
    assert RAN == []


def test_without_a_token_the_caller_learns_401_not_the_validation(guarded: FastAPI) -> None:
    with TestClient(guarded) as http:
        reply = http.post(f"{ORDERING}/cancelProductOrder", json={"productOrder": None})
    assert reply.status_code == 401 and RAN == []


def _raw(sock: socket.socket, request: bytes) -> bytes:
    """Send one request on an open connection; read one whole response."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(
        b"content-length")))
    while len(rest) < length:
        rest += sock.recv(65536)
    return head + b"\r\n\r\n" + rest


def test_an_oversized_body_gets_413_and_the_connection_stays_usable(guarded: FastAPI) -> None:
    big = b'{"productOrder": {"productOrderId": "' + b"x" * (LIMIT * 2) + b'"}}'
    chunks = b"".join(f"{len(big[i:i + 8192]):x}\r\n".encode() + big[i:i + 8192] + b"\r\n"
                      for i in range(0, len(big), 8192)) + b"0\r\n\r\n"
    with serve(guarded) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sized = _raw(sock, f"POST /cadenza/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               f"Content-Length: {len(big)}\r\n\r\n".encode() + big)
            chunked = _raw(sock, b"POST /cadenza/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
            after = _raw(sock, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = httpx.post(f"{url}/cadenza/echo", content=b'{"a": NaN}', headers={"Content-Type": "application/json"})
    for answer in (sized, chunked):
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"code":"payloadTooLarge"' in answer and str(LIMIT).encode() in answer
    assert after.startswith(b"HTTP/1.1 200") and b'"up"' in after
    assert reply.status_code == 400 and RAN == []
