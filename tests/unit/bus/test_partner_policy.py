"""The partner policy: cheapest first-year total, then lead time, then partner id."""

from __future__ import annotations

from cadenza.bus.partner_policy import PartnerOffer, Price, choose_partner


def offer(partner: str, nrc: float, mrc: float, days: int, *, currency: str = "USD",
          serviceable: bool = True) -> PartnerOffer:
    return PartnerOffer(partner, serviceable, "ok" if serviceable else "no footprint at this address",
                        price=Price(nrc, mrc, currency), lead_time_days=days)


def test_the_lowest_twelve_month_total_wins_even_with_a_higher_installation_charge() -> None:
    cheap_install = offer("alpha", nrc=100, mrc=500, days=10)  # 6100
    cheap_monthly = offer("beta", nrc=1000, mrc=400, days=30)  # 5800
    choice = choose_partner([cheap_install, cheap_monthly], currency="USD")
    assert choice.chosen is cheap_monthly
    assert choice.alternatives == (cheap_install,)
    assert "5800.00" in choice.reason


def test_equal_totals_go_to_the_shorter_lead_time() -> None:
    slow = offer("alpha", nrc=600, mrc=100, days=40)
    fast = offer("beta", nrc=600, mrc=100, days=20)
    choice = choose_partner([slow, fast], currency="USD")
    assert choice.chosen is fast
    assert "lead time" in choice.reason


def test_equal_totals_and_lead_times_go_to_the_first_partner_id_whatever_the_order() -> None:
    first, second = offer("alpha", 600, 100, 20), offer("beta", 600, 100, 20)
    assert choose_partner([second, first], currency="USD").chosen is first
    assert choose_partner([first, second], currency="USD").chosen is first


def test_offers_that_are_not_serviceable_or_in_another_currency_are_never_chosen() -> None:
    refused = offer("alpha", 1, 1, 1, serviceable=False)
    euros = offer("beta", 1, 1, 1, currency="EUR")
    dear = offer("gamma", 5000, 5000, 90)
    choice = choose_partner([refused, euros, dear], currency="USD")
    assert choice.chosen is dear
    assert choice.alternatives == (refused, euros)


def test_no_usable_offer_explains_each_partner() -> None:
    choice = choose_partner([offer("alpha", 1, 1, 1, serviceable=False)], currency="USD")
    assert choice.chosen is None
    assert "alpha: no footprint at this address" in choice.reason
    assert choose_partner([], currency="USD").chosen is None


def test_the_total_weighs_twelve_months() -> None:
    assert Price(1000, 420, "USD").total() == 6040
