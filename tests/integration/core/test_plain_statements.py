"""Statements run on the driver directly (`execute_plain`, `insert_at_commit`) do what the same
statements do through SQLAlchemy, on SQLite and on PostgreSQL: the hot paths of planning use
them, so a difference in parameter order or a literal lost in compilation would corrupt
reservations."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from cadenza.core.db import Database, execute_plain, insert_at_commit
from cadenza.icm.rows import LinkCapacityRow, PortUsageRow, VlanAllocationRow

LINKS = LinkCapacityRow.__table__
PORTS = PortUsageRow.__table__
# bindparams the caller fills, one used twice, and a literal SQLAlchemy binds itself
TAKE_LINK = (update(LINKS)
             .where(LINKS.c.network_domain == bindparam("domain"), LINKS.c.link_id == bindparam("link"),
                    LINKS.c.reserved_mbps + bindparam("delta") <= LINKS.c.capacity_mbps)
             .values(reserved_mbps=LINKS.c.reserved_mbps + bindparam("delta")))
TAKE_SHARED_PORT = (update(PORTS)
                    .where(PORTS.c.network_domain == bindparam("domain"), PORTS.c.port == bindparam("pt"),
                           PORTS.c.mode != "port")
                    .values(mode=bindparam("wanted"), users=PORTS.c.users + 1))


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
        assert execute_plain(session, TAKE_SHARED_PORT, {"domain": "metro", "pt": "uni1", "wanted": "vlan"}) == 1
        assert execute_plain(session, TAKE_SHARED_PORT, {"domain": "metro", "pt": "uni2", "wanted": "vlan"}) == 0
    with seeded.read() as session:
        rows = dict(session.execute(select(PORTS.c.port, PORTS.c.mode)).all())
    assert rows == {"uni1": "vlan", "uni2": "port"}


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
