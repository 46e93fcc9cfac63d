"""The one OAuth2 client-credentials token provider every reference-point client uses."""

from __future__ import annotations

import httpx
import pytest

from cadenza.core.client_credentials import ClientCredentials, TokenUnavailable, send_with_token


class TokenEndpoint:
    def __init__(self, status: int = 200, lifetime: int = 300) -> None:
        self.calls = 0
        self.status = status
        self.lifetime = lifetime

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        form = dict(x.split("=") for x in request.content.decode().split("&"))
        assert form["grant_type"] == "client_credentials"
        if self.status != 200:
            return httpx.Response(self.status, json={"code": "unauthorized", "reason": "bad client secret"})
        return httpx.Response(200, json={"access_token": f"token-{self.calls}", "expires_in": self.lifetime})


def test_a_burst_of_calls_costs_one_token_request_and_expiry_renews_it() -> None:
    endpoint, clock = TokenEndpoint(lifetime=300), [0.0]
    credentials = ClientCredentials("http://seller", "buyer", "buyer-secret", transport=httpx.MockTransport(endpoint),
                                    clock=lambda: clock[0])
    assert [credentials() for _ in range(5)] == ["token-1"] * 5
    clock[0] = 269.0  # renewed 30 s before it expires
    assert credentials() == "token-1"
    clock[0] = 271.0
    assert credentials() == "token-2"
    assert endpoint.calls == 2


def test_forget_fetches_a_new_token() -> None:
    endpoint = TokenEndpoint()
    credentials = ClientCredentials("http://seller/", "buyer", "buyer-secret", transport=httpx.MockTransport(endpoint))
    assert credentials.token() == "token-1"
    credentials.forget()
    assert credentials.token() == "token-2"


def test_a_refused_secret_says_where_and_keeps_the_answer() -> None:
    credentials = ClientCredentials("http://seller", "buyer", "wrong-secret",
                                    transport=httpx.MockTransport(TokenEndpoint(status=401)))
    with pytest.raises(TokenUnavailable) as raised:
        credentials()
    assert raised.value.status == 401
    assert raised.value.url == "http://seller/oauth2/token"
    assert raised.value.response is not None and raised.value.response.json()["reason"] == "bad client secret"


def test_a_refused_token_is_replaced_and_the_request_sent_once_more() -> None:
    endpoint = TokenEndpoint()
    credentials = ClientCredentials("http://seller", "buyer", "buyer-secret", transport=httpx.MockTransport(endpoint))
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        # the server retired the key that signed token-1
        return httpx.Response(401 if request.headers["Authorization"] == "Bearer token-1" else 200, json={})

    with httpx.Client(base_url="http://seller", transport=httpx.MockTransport(api)) as http:
        assert send_with_token(http, "GET", "/thing", credentials).status_code == 200
        assert send_with_token(http, "GET", "/thing", credentials).status_code == 200
    assert seen == ["Bearer token-1", "Bearer token-2", "Bearer token-2"]


def test_a_token_refused_twice_is_the_servers_answer() -> None:
    credentials = ClientCredentials("http://seller", "buyer", "s3cret-s3cret",
                                    transport=httpx.MockTransport(TokenEndpoint()))
    with httpx.Client(base_url="http://seller", transport=httpx.MockTransport(lambda _: httpx.Response(401))) as http:
        assert send_with_token(http, "GET", "/thing", credentials).status_code == 401
