"""The product catalog: who sees what, tier pricing, lead times."""

from __future__ import annotations

import pytest

from cadenza.bus import product_schemas as ps
from cadenza.bus.catalog import EIR_SHARE, OFFERINGS, Catalog
from cadenza.core.errors import NotFound, Unprocessable


def test_customers_see_epl_evpl_internet_and_uni_and_buyers_see_access_eline_and_operator_uni() -> None:
    catalog = Catalog()
    assert [o.id for o in catalog.offerings("cantata")] == ["epl", "evpl", "internet-access", "uni"]
    assert [o.id for o in catalog.offerings("sonata")] == ["access-eline", "operator-uni"]
    assert catalog.kind_of("uni", "cantata") == "uni" and catalog.kind_of("operator-uni", "sonata") == "uni"
    assert catalog.sells("access-eline", "sonata") and not catalog.sells("access-eline", "cantata")
    assert catalog.kind_of("epl", "cantata") == "evc" and catalog.kind_of("epl", "sonata") is None


def test_an_offering_of_the_other_family_is_not_found() -> None:
    with pytest.raises(NotFound) as caught:
        Catalog().offering("access-eline", "cantata")
    assert "epl" in caught.value.reason


def test_every_offering_names_a_supported_product_schema() -> None:
    assert {o.spec_type for o in OFFERINGS} <= set(ps.SUPPORTED_TYPES)


def test_a_bandwidth_is_priced_at_the_smallest_tier_that_carries_it() -> None:
    catalog = Catalog()
    assert catalog.price("epl", 100) == catalog.price("epl", 51)
    price = catalog.price("epl", 150)
    assert (price.tier_mbps, price.mrc, price.nrc, price.currency) == (200, 950, 1000, "USD")
    assert catalog.price("evpl", 10).mrc < catalog.price("evpl", 1000).mrc


def test_the_price_factor_scales_every_charge() -> None:
    cheap = Catalog(price_factor=0.8).price("access-eline", 100)
    assert (cheap.nrc, cheap.mrc) == (480, 336)


@pytest.mark.parametrize("mbps", [0, 1001])
def test_a_bandwidth_outside_the_tiers_is_refused(mbps: int) -> None:
    with pytest.raises(Unprocessable) as caught:
        Catalog().price("internet-access", mbps)
    assert "1000 Mbit/s" in caught.value.reason


def test_off_net_takes_longer() -> None:
    catalog = Catalog()
    for offering in OFFERINGS:
        assert catalog.lead_time_days(offering.id, off_net=True) > catalog.lead_time_days(offering.id, off_net=False)


def test_an_excess_rate_is_priced_at_a_share_of_its_tier_and_alone_it_is_a_best_effort_service() -> None:
    catalog = Catalog()
    committed = catalog.price("evpl", 100)
    with_excess = catalog.price("evpl", 100, eir_mbps=100)
    best_effort = catalog.price("evpl", 0, eir_mbps=70)
    assert with_excess.mrc == committed.mrc + EIR_SHARE * catalog.price("evpl", 100).mrc
    assert (best_effort.tier_mbps, best_effort.eir_tier_mbps, best_effort.mrc) == (0, 100, EIR_SHARE * 600)
    assert best_effort.nrc == committed.nrc  # the installation is the same
    with pytest.raises(Unprocessable):
        catalog.price("evpl", 0, eir_mbps=0)
    with pytest.raises(Unprocessable):
        catalog.price("evpl", 100, eir_mbps=5000)


def test_a_uni_is_priced_by_its_port_speed() -> None:
    catalog = Catalog()
    assert catalog.price("uni", 1000).mrc < catalog.price("uni", 10_000).mrc
