"""An app with the domain's auth (token endpoint, one registered customer) and MEF error
handling, for tests of the core parts to add their own routes to."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cadenza.core.auth import ClientRegistry, token_router
from cadenza.core.db import Database
from cadenza.core.errors import install_error_handlers
from tests.helpers.auth import authenticator

CUSTOMER, SECRET, PARTY = "acme", "s3cret", "acme-corp"


@pytest.fixture
def auth_app(database: Database) -> FastAPI:
    ClientRegistry(database).register(CUSTOMER, SECRET, party=PARTY, role="customer", scopes=["cantata"])
    app = FastAPI()
    app.state.auth = authenticator(ClientRegistry(database))
    install_error_handlers(app)
    app.include_router(token_router())
    return app


def bearer(client: TestClient, secret: str = SECRET) -> dict[str, str]:
    """The customer's token as a header; asserts the token endpoint granted it."""
    token = client.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": CUSTOMER,
                                               "client_secret": secret})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
