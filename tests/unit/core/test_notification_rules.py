"""The pure rules of notifications: hub queries, callbacks, listener URLs and backoff."""

from __future__ import annotations

import random

import pytest

from cadenza.core.notifications import Backoff, CallbackError, QueryError, check_callback, listener_url
from cadenza.core.notifications import parse_event_types as parse

KNOWN = {"productOrderStateChangeEvent", "productOrderItemStateChangeEvent"}


@pytest.mark.parametrize("query", [None, "", "   "])
def test_an_empty_query_selects_every_event_type(query: str | None) -> None:
    assert parse(query, KNOWN) == []


@pytest.mark.parametrize("query", ["eventType=productOrderStateChangeEvent,productOrderItemStateChangeEvent",
                                   "eventType = productOrderStateChangeEvent, productOrderItemStateChangeEvent",
                                   "eventType=productOrderStateChangeEvent&eventType=productOrderItemStateChangeEvent"])
def test_the_spellings_of_the_specs_select_the_same_types(query: str) -> None:
    assert parse(query, KNOWN) == ["productOrderItemStateChangeEvent", "productOrderStateChangeEvent"]


@pytest.mark.parametrize("query", ["eventType=nope", "eventType=", "state=completed", "productOrderStateChangeEvent"])
def test_unknown_types_and_other_filters_are_refused_with_a_reason(query: str) -> None:
    with pytest.raises(QueryError, match=r"\w"):
        parse(query, KNOWN)


def test_a_listener_url_is_callback_plus_base_path_plus_event_type() -> None:
    url = listener_url("https://buyer.co/cb/", "/mefApi/sonata/productOrderingNotification/v10/",
                       "productOrderStateChangeEvent")
    assert url == ("https://buyer.co/cb/mefApi/sonata/productOrderingNotification/v10/listener/"
                   "productOrderStateChangeEvent")


def test_an_absolute_http_callback_is_accepted_as_given() -> None:
    assert check_callback("http://127.0.0.1:8080/cb") == "http://127.0.0.1:8080/cb"
    with pytest.raises(CallbackError):
        check_callback("https://buyer.co/cb#frag")


def test_backoff_grows_exponentially_up_to_the_cap_and_jitter_only_shortens() -> None:
    plain = Backoff(base_s=0.5, factor=2.0, cap_s=4.0, jitter=0.0)
    assert [plain.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    jittered = Backoff(base_s=1.0, cap_s=60.0, jitter=0.25)
    rng = random.Random(7)
    delays = [jittered.delay(3, rng=rng) for _ in range(200)]
    assert all(3.0 <= d <= 4.0 for d in delays) and len(set(delays)) > 100
