"""A remedy asked of each segment: the answers in words, the first refusal ends it, a move under way is tried again."""

from __future__ import annotations

import pytest

from cadenza.interfaces.presto.client import PrestoRefused
from cadenza.sof.trouble.ask_segments import ask_each_segment

SEGMENTS = [("s1", "metro-east", "agg-e1"), ("s2", "metro-west", "agg-w1")]


def _say(domain: str, request: str, answer: str) -> str:
    return f"{domain} keeps off {request}: {answer}"


def _refusal(domain: str, request: str, exc: PrestoRefused) -> str:
    return f"{domain} cannot keep off {request}: {exc}"


def test_every_segment_is_asked_in_turn_and_said_in_order() -> None:
    asked_of: list[tuple[str, str, str]] = []

    def ask(domain: str, uuid: str, request: str) -> str:
        asked_of.append((domain, uuid, request))
        return f"moved {uuid}"

    asked = ask_each_segment(SEGMENTS, ask, _say, _refusal)
    assert asked_of == [("metro-east", "s1", "agg-e1"), ("metro-west", "s2", "agg-w1")]
    assert asked.said == ["metro-east keeps off agg-e1: moved s1", "metro-west keeps off agg-w1: moved s2"]
    assert asked.refused is None


def test_the_first_refusal_ends_the_remedy_with_its_reason_and_the_rest_is_not_asked() -> None:
    asked_of: list[str] = []

    def ask(domain: str, uuid: str, request: str) -> str:
        asked_of.append(uuid)
        raise PrestoRefused("no path keeps off agg-e1", status=422)

    asked = ask_each_segment(SEGMENTS, ask, _say, _refusal)
    assert asked_of == ["s1"]
    assert asked.refused == "metro-east cannot keep off agg-e1: no path keeps off agg-e1"
    assert asked.said == []


def test_a_move_already_under_way_is_raised_so_the_step_is_tried_again() -> None:
    def ask(domain: str, uuid: str, request: str) -> str:
        raise PrestoRefused("being rerouted", status=409)

    with pytest.raises(PrestoRefused, match="being rerouted"):
        ask_each_segment(SEGMENTS, ask, _say, _refusal)
