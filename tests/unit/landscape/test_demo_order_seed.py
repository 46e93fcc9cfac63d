"""`cadenza demo order --seed N` orders the same thing every time it is given the same N."""

from __future__ import annotations

import pytest

from cadenza.landscape.demo_orders import off_net_order


def test_the_same_seed_chooses_the_same_site_vlan_and_bandwidth() -> None:
    first = off_net_order("acme", "Springfield", seed=42)
    again = off_net_order("acme", "Springfield", seed=42)
    assert first == again and first.payload() == again.payload()
    item = first.payload()["productOrderItem"][0]["product"]
    assert item["place"][0]["id"] == first.near_site and item["place"][1]["city"] == "Springfield"
    assert item["productConfiguration"]["evcEndPointA"]["evcEndPointMap"]["vlanId"] == [first.vlan]


def test_other_seeds_choose_otherwise() -> None:
    chosen = {(o.near_site, o.vlan) for o in (off_net_order("globex", "Ogdenville", seed=s) for s in range(20))}
    assert len(chosen) > 1


def test_an_unknown_city_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="Springfield"):
        off_net_order("acme", "Atlantis", seed=1)
