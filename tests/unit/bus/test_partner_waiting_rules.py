"""Waiting for a partner that does not answer: the back-off, the patience, and when the partner
policy moves an off-net end to another partner (bus/partner_choice.decide)."""

from __future__ import annotations

import random

from cadenza.bus.partner_choice import Choice, Unanswered, decide
from cadenza.core.patience import Patience, Waiting

ALPHA = Unanswered("partner-a", "Alpha Access", "SONATA productOfferingQualification")
T0 = 1_800_000_000.0


def test_the_back_off_doubles_up_to_its_cap_with_jitter_between_half_and_all_of_it() -> None:
    patience = Patience(first_retry_s=2, max_retry_s=30)
    rng = random.Random(7)
    for attempt, ceiling in [(0, 2), (1, 4), (2, 8), (3, 16), (4, 30), (10, 30), (500, 30)]:
        pauses = [patience.retry_in(attempt, rng) for _ in range(50)]
        assert all(ceiling / 2 <= p <= ceiling for p in pauses), (attempt, pauses)
        assert len(set(pauses)) > 1  # jittered: waiting work does not come back all at once


def test_an_end_only_a_silent_partner_serves_waits_with_a_reason_naming_the_partner() -> None:
    choice = Choice(None, "No partner can serve it (partner-a: Alpha Access could not be asked: timed out)", (ALPHA,))
    decision = decide(choice, since=None, at=T0, attempt=0, patience={"partner-a": Patience(patience_s=3600)})
    assert decision.kind == "wait"
    assert decision.reason.startswith("waiting for Alpha Access (partner-a): SONATA productOfferingQualification "
                                      "not answered since ")
    assert "retrying until" in decision.reason
    assert 1 <= decision.retry_in_s <= 2


def test_the_wait_ends_in_failure_only_once_the_partners_patience_is_spent() -> None:
    choice = Choice(None, "No partner can serve it", (ALPHA,))
    patience = {"partner-a": Patience(patience_s=3600)}
    assert decide(choice, since=T0, at=T0 + 3599, attempt=9, patience=patience).kind == "wait"
    failed = decide(choice, since=T0, at=T0 + 3600, attempt=10, patience=patience)
    assert failed.kind == "fail"
    assert "Alpha Access (partner-a) did not answer SONATA productOfferingQualification" in failed.reason
    assert "gave up after 1 h" in failed.reason


def test_a_partner_that_answered_takes_the_end_once_the_silent_ones_failover_wait_has_passed() -> None:
    choice = Choice("partner-b", "partner-b chosen: lowest 12-month total", (ALPHA,))
    patience = {"partner-a": Patience(patience_s=3600, failover_after_s=600)}
    waiting = decide(choice, since=T0, at=T0 + 599, attempt=3, patience=patience)
    assert waiting.kind == "wait" and "partner-b serves it too: moving to it at" in waiting.reason
    assert waiting.retry_in_s <= 1  # never sleeps past the moment it may move
    moved = decide(choice, since=T0, at=T0 + 600, attempt=4, patience=patience)
    assert (moved.kind, moved.partner, moved.failover) == ("chosen", "partner-b", True)
    assert "Alpha Access (partner-a) did not answer" in moved.reason and "moved the segment to partner-b" in \
        moved.reason


def test_without_a_failover_wait_the_silent_partner_is_waited_for_its_whole_patience() -> None:
    choice = Choice("partner-b", "partner-b chosen", (ALPHA,))
    patience = {"partner-a": Patience(patience_s=3600, failover_after_s=None)}
    assert decide(choice, since=T0, at=T0 + 3599, attempt=20, patience=patience).kind == "wait"
    assert decide(choice, since=T0, at=T0 + 3600, attempt=21, patience=patience).partner == "partner-b"


def test_when_every_partner_answered_the_policys_choice_or_refusal_stands() -> None:
    assert decide(Choice("partner-a", "ok"), since=None, at=T0, attempt=0, patience={}).kind == "chosen"
    refused = decide(Choice(None, "No partner can serve it (partner-a: red)"), since=None, at=T0, attempt=0,
                     patience={})
    assert (refused.kind, refused.reason) == ("fail", "No partner can serve it (partner-a: red)")


def test_a_waiting_reason_says_when_the_wait_began_and_when_it_gives_up() -> None:
    waiting = Waiting("partner-a", "Alpha Access", "SONATA productOrder", T0, Patience(patience_s=4 * 3600))
    assert waiting.gives_up_at == T0 + 4 * 3600
    assert not waiting.expired(T0 + 4 * 3600 - 1) and waiting.expired(T0 + 4 * 3600)
    assert "2027-01-15 08:00 UTC" in waiting.reason() and "2027-01-15 12:00 UTC" in waiting.reason()
