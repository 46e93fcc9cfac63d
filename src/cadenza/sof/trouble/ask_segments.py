"""A remedy asked of each SP segment in turn over PRESTO (reroute, reassign, re-apply): what
each segment's ICM answered, in words, or the first refusal.

A 409 is raised, not said: it is a move already under way (ours, asked before a crash), and
the step is tried again once it has ended; any other refusal ends the remedy with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from cadenza.interfaces.presto.client import PrestoRefused

__all__ = ["Asked", "ask_each_segment"]

Request = TypeVar("Request")
Answer = TypeVar("Answer")


@dataclass(frozen=True, slots=True)
class Asked:
    said: list[str]  # one sentence per segment, in the order asked
    refused: str | None  # why the first segment refused, None when none did


def ask_each_segment(segments: Iterable[tuple[str, str, Request]],
                     ask: Callable[[str, str, Request], Answer],
                     say: Callable[[str, Request, Answer], str],
                     refusal: Callable[[str, Request, PrestoRefused], str]) -> Asked:
    """`segments`: (uuid, network domain, what to ask of it); `ask(domain, uuid, request)`;
    `say(domain, request, answer)` and `refusal(domain, request, error)` the sentences."""
    said: list[str] = []
    for uuid, domain, request in segments:
        try:
            answer = ask(domain, uuid, request)
        except PrestoRefused as exc:
            if exc.status == 409:
                raise
            return Asked(said, refusal(domain, request, exc))
        said.append(say(domain, request, answer))
    return Asked(said, None)
