"""The VLAN mirror: what it says is in use always matches the database, whatever commits or
rolls back, and the lowest free S-VLAN is the lowest id free on both ends."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from cadenza.core.db import Database
from cadenza.icm.rows import VlanAllocationRow
from cadenza.icm.vlan_use import FIRST_S_VLAN, VlanUse

A, B = ("p1", "east"), ("p2", "west")


def claim(database: Database, use: VlanUse, vlans: list[int], service: str, *, fail: bool = False) -> None:
    class Abandoned(Exception):
        pass

    try:
        with database.transaction() as session:
            for vlan in vlans:
                rows = [{"network_domain": "metro", "element": e, "port": p, "vlan_id": vlan, "service_uuid": service}
                        for e, p in (A, B)]
                session.execute(insert(VlanAllocationRow), rows)
                use.claimed(session, [(A, vlan), (B, vlan)])
            if fail:
                raise Abandoned
    except Abandoned:
        pass


def in_database(database: Database, port: tuple[str, str]) -> set[int]:
    with database.read() as session:
        return set(session.scalars(select(VlanAllocationRow.vlan_id).where(
            VlanAllocationRow.element == port[0], VlanAllocationRow.port == port[1])))


def lowest(database: Database, use: VlanUse) -> int | None:
    with database.transaction() as session:
        return use.lowest_free(session, A, B)


@pytest.mark.parametrize("forget_between", [False, True])
def test_claims_releases_and_rollbacks_keep_the_mirror_equal_to_the_database(database: Database,
                                                                             forget_between: bool) -> None:
    use = VlanUse("metro")
    assert lowest(database, use) == FIRST_S_VLAN
    claim(database, use, [2, 3, 4], "s1")
    assert lowest(database, use) == 5
    claim(database, use, [5, 6], "s2", fail=True)  # rolled back: 5 and 6 are free again
    assert lowest(database, use) == 5
    claim(database, use, [5, 7], "s3")
    assert lowest(database, use) == 6
    if forget_between:
        use.forget()  # read again from the database: the same answers
    with database.transaction() as session:
        released = session.scalars(select(VlanAllocationRow).where(VlanAllocationRow.service_uuid == "s1")).all()
        for row in released:
            session.delete(row)
        use.released(session, [((r.element, r.port), r.vlan_id) for r in released])
    assert lowest(database, use) == 2
    with database.transaction() as session:
        assert use.taken(session, [A, B]) == {A: in_database(database, A), B: in_database(database, B)} \
            == {A: {5, 7}, B: {5, 7}}


def test_the_lowest_free_id_is_free_on_both_ends(database: Database) -> None:
    use = VlanUse("metro")
    with database.transaction() as session:
        session.execute(insert(VlanAllocationRow), [
            {"network_domain": "metro", "element": A[0], "port": A[1], "vlan_id": 2, "service_uuid": "x"},
            {"network_domain": "metro", "element": B[0], "port": B[1], "vlan_id": 3, "service_uuid": "y"}])
    assert lowest(database, use) == 4
