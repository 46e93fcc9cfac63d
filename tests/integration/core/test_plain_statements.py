"""Statements run on the driver directly (`execute_plain`, `insert_at_commit`) do what the same
statements do through SQLAlchemy, on SQLite and on PostgreSQL: the hot paths of planning use
them, so a difference in parameter order or a literal lost in compilation would corrupt
reservations."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from cadenza.core.db import Database, execute_plain, insert_at_commit
from cadenza.icm.resources import _TAKE_LINK, _TAKE_PORT
from cadenza.icm.rows import LinkCapacityRow, PortUsageRow, VlanAllocationRow

LINKS = LinkCapacityRow.__table__
PORTS = PortUsageRow.__table__
# The planner's own statements: bindparams the caller fills, one used twice, and a literal
# in the WHERE clause that SQLAlchemy binds itself.
TAKE_LINK = _TAKE_LINK
TAKE_SHARED_PORT = _TAKE_PORT["vlan"]


@pytest.fixture
def seeded(database: Database) -> Database:
    with database.transaction() as session:
        session.add_all([LinkCapacityRow(network_domain="metro", link_id=f"l{n}", capacity_mbps=100, reserved_mbps=0)
                         for n in range(3)])
        session.add_all([PortUsageRow(network_domain="metro", element="pe1", port=port, speed_mbps=1000,
                                      reserved_mbps=0, mode=mode, users=0)
                         for port, mode in (("uni1", "free"), ("uni2", "port"))])
    return database


def _reserved(database: Database) -> dict[str, int]:
    with database.read() as session:
        return dict(session.execute(select(LINKS.c.link_id, LINKS.c.reserved_mbps)).all())


def test_an_executemany_counts_only_the_rows_whose_condition_held(seeded: Database) -> None:
    with seeded.transaction() as session:
        changed = execute_plain(session, TAKE_LINK, [{"domain": "metro", "link": link, "delta": 60}
                                                     for link in ("l0", "l1")])
        assert changed == 2
        again = execute_plain(session, TAKE_LINK, [{"domain": "metro", "link": link, "delta": 60}
                                                   for link in ("l1", "l2")])
        assert again == 1  # l1 has only 40 left
    assert _reserved(seeded) == {"l0": 60, "l1": 60, "l2": 60}


def test_a_literal_in_the_where_clause_still_applies(seeded: Database) -> None:
    with seeded.transaction() as session:
        take = {"domain": "metro", "el": "pe1", "delta": 10, "wanted": "vlan"}
        assert execute_plain(session, TAKE_SHARED_PORT, {**take, "pt": "uni1"}) == 1
        assert execute_plain(session, TAKE_SHARED_PORT, {**take, "pt": "uni2"}) == 0  # dedicated to a port-based one
    with seeded.read() as session:
        rows = {port: (mode, users, mbps) for port, mode, users, mbps in session.execute(
            select(PORTS.c.port, PORTS.c.mode, PORTS.c.users, PORTS.c.reserved_mbps))}
    assert rows == {"uni1": ("vlan", 1, 10), "uni2": ("port", 0, 0)}


def test_rows_queued_for_commit_are_written_with_it_or_not_at_all(seeded: Database) -> None:
    claims = [{"network_domain": "metro", "element": "pe1", "port": "uni1", "vlan_id": vlan, "service_uuid": "s1"}
              for vlan in (10, 11, 12)]
    with pytest.raises(RuntimeError), seeded.transaction() as session:
        insert_at_commit(session, insert(VlanAllocationRow.__table__), claims)
        raise RuntimeError("the planning failed")
    with seeded.transaction() as session:
        insert_at_commit(session, insert(VlanAllocationRow.__table__), claims[:2])
        insert_at_commit(session, insert(VlanAllocationRow.__table__), claims[2:])
    with seeded.read() as session:
        assert sorted(session.scalars(select(VlanAllocationRow.vlan_id))) == [10, 11, 12]
    # a constraint the queued rows break fails the commit, and the whole transaction with it
    with pytest.raises(IntegrityError), seeded.transaction() as session:
        execute_plain(session, TAKE_LINK, {"domain": "metro", "link": "l0", "delta": 1})
        insert_at_commit(session, insert(VlanAllocationRow.__table__), claims[:1])
    assert _reserved(seeded)["l0"] == 0
