"""Schemathesis runs of the official CANTATA and SONATA OpenAPI files against the running
domains: no 5xx, every status code documented, every response body as the spec describes, and
every request that violates the spec refused (`negative_data_rejection`). Beside them, hostile
input a person would send by hand, on the same running landscape."""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import pytest

from cadenza.core.openapi_validation import Operation
from cadenza.interfaces.cantata import openapi as cantata
from cadenza.interfaces.sonata.paths import PRODUCT_ORDER_LISTENER_BASE
from cadenza.landscape.business import PARTNER_LISTENER_PREFIX
from cadenza.landscape.domain import served_operations
from tests.e2e.conftest import CONTACT, Parties
from tests.helpers.mef import MEF_LSO
from tests.helpers.openapi import assert_conforms
from tests.helpers.product_api_conformance import (
    CHECKS,
    EXAMPLES,
    assert_product_api_conforms,
    run_schemathesis_once_more_if_the_tool_fails,
    start_schemathesis,
)

LANDSCAPE_PARTNERS = ("partner-a",)  # Beta Fibre is not asked here

pytestmark = pytest.mark.slow

# the pre-order APIs (qualification, quote, address, site) run in test_conformance_pre_order.py, on
# a landscape of their own, so that two workers share these runs
APIS = [
    ("productApi/order/productOrderManagement.api.yaml", "productOrderingManagement", {"cantata": "v5",
                                                                                       "sonata": "v10"}),
    ("productApi/inventory/productInventoryManagement.api.yaml", "productInventory", {"cantata": "v1",
                                                                                     "sonata": "v7"}),
    ("productApi/catalog/productCatalog.api.yaml", "productCatalog", {"cantata": "v2", "sonata": "v2"}),
]
# Routes under a spec's base path that the spec does not have: Cadenza's documented additions.
ADDITIONS = {("POST", "/mefApi/cantata/productInventory/v1/product/{id}/acceptance"),
             ("POST", "/mefApi/sonata/productInventory/v7/product/{id}/acceptance"),
             ("POST", "/mefApi/interlude/serviceOrderingManagement/v1/serviceOrder/{id}/cancel"),
             ("POST", "/mefApi/legato/serviceOrderingManagement/v5/serviceOrder/{id}/cancel"),
             # cancelling a change waiting for its time (docs/allegro-profile.md, "Cancelling a change ...")
             ("POST", "/mefApi/allegro/serviceOrderingManagement/v1/serviceOrder/{id}/cancel"),
             # the bounds of a service's dynamic control (docs/allegro-profile.md, "Dynamic control bounds")
             ("GET", "/mefApi/allegro/serviceInventory/v2/service/{id}/cadenzaControlPolicy"),
             *(("GET", f"/mefApi/{api}/hub/{{id}}") for api in ("cantata/productOfferingQualification/v1",
                                                               "sonata/productOfferingQualification/v7",
                                                               "cantata/quoteManagement/v2",
                                                               "sonata/quoteManagement/v8"))}
ORDERING = "/mefApi/cantata/productOrderingManagement/v5"


@pytest.mark.timeout(3000)
@pytest.mark.parametrize(("spec", "api", "versions"), APIS, ids=[a[1] for a in APIS])
def test_the_running_domains_conform_to_the_official_spec(parties: Parties, spec: str, api: str,
                                                          versions: dict[str, str]) -> None:
    assert_product_api_conforms(parties, spec, api, versions)


@pytest.mark.timeout(1500)
def test_the_buyers_product_order_listener_conforms_to_the_notification_spec(parties: Parties) -> None:
    # The Service Provider hears of its orders at Alpha Access here; an event naming an order
    # the partner does not know is acknowledged and dropped.
    base = f"{parties.sp.base_url}{PARTNER_LISTENER_PREFIX}/partner-a{PRODUCT_ORDER_LISTENER_BASE}"
    args = [str(MEF_LSO / "sonata/productApi/order/productOrderNotification.api.yaml"), "--url", base, "-c", CHECKS,
            "-n", EXAMPLES, "--phases", "examples,coverage,fuzzing"]
    code, output = run_schemathesis_once_more_if_the_tool_fails(args, start_schemathesis(args))
    assert code == 0, output[-8000:]


@pytest.mark.parametrize("domain", ["sp", "partner-a"])
def test_every_route_under_a_spec_base_is_an_operation_of_that_spec(parties: Parties, domain: str) -> None:
    """So the spec validates every request there: a route the spec does not know would go
    unchecked (and would be an undocumented addition)."""
    table = served_operations()
    bases = [base for base, _prefixed in table.bases()]
    served = parties.landscape.client(domain, *(("sp-operator", "operator-demo-secret") if domain == "sp" else
                                                ("partner-a-operator", "operator-demo-secret")))
    with served:
        paths = served.get("/openapi.json").json()["paths"]
    served_paths = [(op.method, path) for path, op in table.operations]
    unmapped = []
    for path, methods in paths.items():
        base = next((b for b in sorted(bases, key=len, reverse=True) if b in path), None)
        if base is None or "/restconf/operations/cadenza-" in path:  # Cadenza's PRESTO additions
            continue
        # the route's own parameters ({event_type} of a listener) stand for any spec path segment
        tail = path[path.index(base):].rstrip("/")
        pattern = re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(tail)) + "/?$")
        for method in methods:
            known = any(m == method.upper() and pattern.match(p) for m, p in served_paths)
            if not known and (method.upper(), path) not in ADDITIONS:
                unmapped.append(f"{method.upper()} {path}")
    assert not unmapped, unmapped


def _operations_with_a_body() -> list[tuple[str, Operation]]:
    return [(path, op) for path, op in served_operations().operations
            if path.startswith("/mefApi/cantata/") and op.body is not None]


@pytest.mark.parametrize(("path", "operation"), _operations_with_a_body(),
                         ids=lambda v: v if isinstance(v, str) else v.operation_id)
def test_a_broken_body_gets_the_error_shape_its_operation_documents(parties: Parties, path: str,
                                                                    operation: Operation) -> None:
    concrete = path.replace("{id}", "no-such-id")
    reply = parties.acme.request(operation.method, concrete, json={"@type": 5, "id": [None], "state": None})
    spec = f"cantata/{operation.spec_path.relative_to(cantata.SPEC_DIR).as_posix()}"
    if reply.status_code == 422:
        assert operation.answers_422_list and isinstance(reply.json(), list), reply.text
    else:
        assert reply.status_code in (400, 404), reply.text
        assert isinstance(reply.json(), dict)
    assert_conforms(spec, operation.template, operation.method.lower(), reply.status_code, reply.json())


def test_nulls_in_cancel_and_delivery_date_changes_are_refused(parties: Parties) -> None:
    cancel = parties.acme.post(f"{ORDERING}/cancelProductOrder", json={
        "productOrder": {"productOrderId": "x"}, "cancellationReason": "x", "relatedContactInformation": [None]})
    assert cancel.status_code == 422, cancel.text
    assert "/relatedContactInformation/0" in [e["propertyPath"] for e in cancel.json()]
    for item in ([None], None, {"productOrderId": None, "productOrderItemId": "1"}):
        change = parties.acme.post(f"{ORDERING}/modifyProductOrderItemRequestedDeliveryDate", json={
            "productOrderItem": item, "requestedCompletionDate": "2030-01-01T00:00:00Z"})
        assert change.status_code == 422 and isinstance(change.json(), list), change.text
        assert change.json()[0]["propertyPath"].startswith("/productOrderItem")


@pytest.mark.parametrize("value", ["null", "abc", "2025-13-45T00:00:00Z"])
def test_a_date_filter_given_garbage_is_refused_not_ignored(parties: Parties, value: str) -> None:
    reply = parties.acme.get(f"{ORDERING}/productOrder", params={"orderDate.gt": value})
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == "invalidQuery" and "orderDate.gt" in reply.json()["reason"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_numbers_json_does_not_have_are_a_400_on_an_open_connection(parties: Parties, number: str) -> None:
    body = f'{{"productOrder": {{"productOrderId": "x"}}, "cancellationReason": {number}}}'
    first = parties.acme.post(f"{ORDERING}/cancelProductOrder", content=body,
                              headers={"Content-Type": "application/json"})
    assert first.status_code == 400 and first.json()["code"] == "invalidBody", first.text
    assert parties.acme.get(f"{ORDERING}/productOrder", params={"limit": 1}).status_code == 200


def test_a_megabyte_external_id_is_refused_and_not_stored(parties: Parties) -> None:
    reply = parties.acme.post(f"{ORDERING}/productOrder", json={
        "externalId": "x" * 1_000_000, "relatedContactInformation": CONTACT, "productOrderItem": []})
    assert reply.status_code == 422, reply.text[:300]
    assert any(e["propertyPath"] == "/externalId" and "at most 255" in e["reason"] for e in reply.json())
    assert len(reply.content) < 10_000


def _raw_exchange(url: str, requests: list[bytes]) -> list[bytes]:
    split = urlsplit(url)
    answers = []
    with socket.create_connection((split.hostname, split.port), timeout=60) as sock:
        for request in requests:
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            while len(rest) < length:
                rest += sock.recv(65536)
            answers.append(head + b"\r\n\r\n" + rest)
    return answers


def test_an_oversized_body_plain_or_chunked_is_a_413_and_the_connection_lives_on(parties: Parties) -> None:
    auth = parties.acme.headers["Authorization"].encode()
    big = b'{"cancellationReason": "' + b"x" * (3 << 20) + b'"}'
    chunked = b"".join(f"{len(big[i:i + 65536]):x}\r\n".encode() + big[i:i + 65536] + b"\r\n"
                       for i in range(0, len(big), 65536)) + b"0\r\n\r\n"
    head = f"POST {ORDERING}/cancelProductOrder HTTP/1.1\r\nHost: sp\r\nContent-Type: application/json\r\n".encode()
    sized, streamed, after = _raw_exchange(str(parties.acme.base_url), [
        head + b"Authorization: " + auth + f"\r\nContent-Length: {len(big)}\r\n\r\n".encode() + big,
        head + b"Authorization: " + auth + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
        f"GET {ORDERING}/productOrder?limit=1 HTTP/1.1\r\nHost: sp\r\nAuthorization: ".encode() + auth + b"\r\n\r\n"])
    for answer in (sized, streamed):
        assert answer.startswith(b"HTTP/1.1 413") and b'"code":"payloadTooLarge"' in answer, answer[:300]
    assert after.startswith(b"HTTP/1.1 200"), after[:300]


def test_a_route_that_validates_an_unknown_reference_answers_the_spec_list(parties: Parties) -> None:
    reply = parties.acme.post(f"{ORDERING}/cancelProductOrder", json={
        "productOrder": {"productOrderId": "no-such-order"}, "cancellationReason": "x",
        "relatedContactInformation": CONTACT})
    assert reply.status_code == 422 and reply.json()[0]["code"] == "referenceNotFound", reply.text
    assert_conforms("cantata/productApi/order/productOrderManagement.api.yaml", "/cancelProductOrder", "post", 422,
                    reply.json())
