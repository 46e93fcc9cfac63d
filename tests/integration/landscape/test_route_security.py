"""No route of a provider domain answers without the token and the scope it needs.

Every route of a whole domain's app (the demo Service Provider: CANTATA, SONATA, LEGATO,
INTERLUDE, PRESTO, hubs, listeners, the twin, trace and key control) is called with every
method it serves: without a token it must answer 401 with the MEF error body, with a token of
this domain holding every scope but its own 403, and with a token holding its own scope
neither. Path parameters are dummies: the point is that authorisation comes before anything
else. A route added without a scope, or public without being in `PUBLIC`, fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cadenza.landscape.config import load_domain_config
from cadenza.landscape.domain import ProviderDomain

DEMO = Path(__file__).parents[3] / "src/cadenza/landscape/demo/sp.yaml"
PARTY = "cadenza-sp"

# Answer anyone: liveness, getting a token, checking a token, reading the API documentation.
PUBLIC = {
    ("GET", "/health"),
    ("POST", "/oauth2/token"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/.well-known/oauth-authorization-server"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}

# The scope each route needs, by path prefix (first match); docs/security.md has the same table.
SCOPES = [
    # trouble tickets (MEF 124): a customer's at the SP, a provider's buying from this domain
    ("/mefApi/cantata/troubleTicket/v4/", "cantata"),
    ("/mefApi/sonata/troubleTicket/v4/", "sonata"),
    # work orders and appointments for site visits (MEF 137), the same two buyers
    ("/mefApi/cantata/workOrderManagement/v2/", "cantata"),
    ("/mefApi/cantata/appointment/v2/", "cantata"),
    ("/mefApi/sonata/workOrderManagement/v2/", "sonata"),
    ("/mefApi/sonata/appointment/v2/", "sonata"),
    ("/mefApi/cantata/", "cantata"),
    ("/mefApi/sonata/", "sonata"),
    # Performance Monitoring v2: the BUS at its SOF, a buyer SOF at a partner's
    ("/mefApi/legato/performanceMonitoring/v2/", "legato"),
    ("/mefApi/interlude/performanceMonitoring/v2/", "interlude"),
    ("/mefApi/legato/", "legato"),
    ("/mefApi/interlude/", "interlude"),
    ("/presto/", "presto"),
    ("/mefApi/allegro/faultManagement/v3/", "allegro"),
    ("/mefApi/allegro/", "allegro"),
    ("/cadenza/allegro/reservation/v1/", "allegro"),
    ("/cadenza/legato/partnerAccess/v1/", "legato"),
    ("/cadenza/legato/serviceFeasibility/v1/", "legato"),
    ("/cadenza/legato/slsDegradation/v1/", "legato"),
    ("/cadenza/legato/usage/v1/", "legato"),
    ("/cadenza/legato/troubleReport/v1/", "legato"),
    ("/cadenza/twin/v1/", "twin"),
    ("/cadenza/trace/v1/", "admin"),
    ("/cadenza/sls/v1/", "admin"),
    ("/cadenza/trouble/v1/", "admin"),
    ("/cadenza/keys/v1/", "admin"),
    # listeners: events from the domain's own ICMs and SOF, and from its partners
    ("/cadenza/bus/legato/", "notify"),
    ("/cadenza/sof/presto/", "notify"),
    ("/cadenza/bus/sonata/", "notify"),
    ("/cadenza/sof/interlude/", "notify"),
]
ALL_SCOPES = sorted({scope for _, scope in SCOPES})


def scope_of(path: str) -> str | None:
    return next((scope for prefix, scope in SCOPES if path.startswith(prefix)), None)


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route, those of included routers too."""

    def walk(candidates: list) -> Iterator:
        for route in candidates:
            if hasattr(route, "effective_route_contexts"):  # an included router
                yield from route.effective_route_contexts()
            else:
                yield route

    found = {(method, route.path) for route in walk(app.routes) for method in (getattr(route, "methods", None) or ())
             if method != "HEAD"}
    # the walk must see at least what the API documents, or routes could hide from it
    documented = {(method.upper(), path) for path, operations in app.openapi()["paths"].items()
                  for method in operations}
    assert documented <= found, sorted(documented - found)
    return sorted(found)


@pytest.fixture(scope="module")
def domain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ProviderDomain, FastAPI]]:
    tmp = tmp_path_factory.mktemp("route-security")
    domain = ProviderDomain(load_domain_config(DEMO), database_url=f"sqlite:///{tmp / 'sp.db'}", var_dir=tmp / "sp",
                            driver="scale", netconf_base_port=0, public_url="http://127.0.0.1:1")
    app = domain.start()
    try:
        yield domain, app
    finally:
        domain.stop()


def _bearer(domain: ProviderDomain, scopes: list[str], party: str = PARTY) -> dict[str, str]:
    assert domain.token_issuer is not None
    token = domain.token_issuer.issue(client_id="route-walker", party=party, role="operator", scopes=scopes)
    return {"Authorization": f"Bearer {token}"}


def _is_mef_error(reply: object) -> bool:
    try:
        body = reply.json()  # type: ignore[attr-defined]
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("reason"), str)


def test_every_route_needs_a_token_of_this_domain_and_its_scope(domain: tuple[ProviderDomain, FastAPI]) -> None:
    provider, app = domain
    client = TestClient(app, raise_server_exceptions=False)
    table = routes(app)
    assert len(table) > 100, "the walk found too few routes to be the whole domain"
    wrong: list[str] = []
    for method, template in table:
        path = re.sub(r"\{[^}]+\}", "x", template)
        anonymous = client.request(method, path)
        if (method, template) in PUBLIC:
            if anonymous.status_code in (401, 403):
                wrong.append(f"{method} {template}: public, yet answered {anonymous.status_code}")
            continue
        scope = scope_of(template)
        if scope is None:
            wrong.append(f"{method} {template}: neither public nor in the scope table (it answered "
                         f"{anonymous.status_code} without a token)")
            continue
        if anonymous.status_code != 401 or not _is_mef_error(anonymous):
            wrong.append(f"{method} {template}: {anonymous.status_code} without a token, not 401 with a MEF error")
        others = client.request(method, path, headers=_bearer(provider, [s for s in ALL_SCOPES if s != scope]))
        if others.status_code != 403 or not _is_mef_error(others):
            wrong.append(f"{method} {template}: {others.status_code} with every scope but '{scope}', not 403")
        # a partner's listener hears only that partner
        partner = re.match(r"/cadenza/(?:bus/sonata|sof/interlude)/([^/]+)/", template)
        own = client.request(method, path, headers=_bearer(provider, [scope], partner[1] if partner else PARTY))
        if own.status_code in (401, 403):
            wrong.append(f"{method} {template}: {own.status_code} even with '{scope}': it needs another scope")
    assert not wrong, "\n".join(wrong)


def test_a_token_with_the_scope_but_from_another_party_is_refused_at_a_partners_listener(
        domain: tuple[ProviderDomain, FastAPI]) -> None:
    provider, app = domain
    assert provider.token_issuer is not None
    client = TestClient(app)
    path = "/cadenza/bus/sonata/partner-a/mefApi/sonata/productOrderingNotification/v10/listener/x"
    # 400: past auth, an empty event; our own party is no partner: it cannot speak for one
    for party, status in (("partner-b", 403), ("partner-a", 400), (PARTY, 403)):
        token = provider.token_issuer.issue(client_id=party, party=party, role="seller", scopes=["notify"])
        assert client.post(path, json={}, headers={"Authorization": f"Bearer {token}"}).status_code == status
