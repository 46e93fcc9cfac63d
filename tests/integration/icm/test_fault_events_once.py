"""Every worker process of a domain runs a fault watcher for each of its ICMs. Two watchers on
one database, following one network, publish each operational state change once between
them: the database records what the events have told, and only the watcher that moves that
record on publishes (in the same transaction)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from cadenza.core.db import Base, Database
from cadenza.core.notifications.rows import OutboxEventRow
from cadenza.core.notifications.store import HubStore
from cadenza.ecm.runtime import TwinRuntime, start_twin
from cadenza.ecm.settings import EcmSettings
from cadenza.icm import connectivity_service as cs
from cadenza.icm.commands import CreateConnectivityService, EndPointRequest
from cadenza.icm.rows import ConnectivityServiceRow
from cadenza.icm.service import Icm
from cadenza.icm.topology import Topology
from cadenza.interfaces.presto.paths import (
    DISABLED,
    ENABLED,
    NODE_STATE_CHANGE_EVENT,
    SIP_STATE_CHANGE_EVENT,
    STATE_CHANGE_EVENT,
    events_api,
)
from cadenza.landscape.database import migrate
from tests.helpers.planners import DOMAIN, network
from tests.helpers.servers import wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
def twin(tmp_path: Path) -> Iterator[TwinRuntime]:
    """One network: the fault source both workers' ICMs follow."""
    ecm = EcmSettings.model_validate({"twin": {"driver": "scale", "persist": False},
                                      "network_domains": [network()]}, from_attributes=True)
    with start_twin(ecm, var_dir=tmp_path, driver="scale", workers=2) as running:
        yield running


@pytest.fixture
def workers(pg_url: str, twin: TwinRuntime) -> Iterator[list[Icm]]:
    """The ICM of each of two workers: each its own engine on the one database."""
    migrate(Database(pg_url))
    settings = network()
    speeds = {(e.name, p.name): p.speed_mbps for e in settings.elements for p in e.ports}
    icms = [Icm(topology=Topology.from_config(settings), database=Database(pg_url), adagio=twin.manager,
                port_speeds=speeds) for _ in range(2)]
    yield icms
    for icm in icms:
        icm.close()
        icm.database.dispose()


def events(database: Database) -> list[tuple[str, str, str]]:
    """(event type, object, new operational state) of each operational state change queued."""
    with database.read() as session:
        bodies = session.scalars(select(OutboxEventRow.body).order_by(OutboxEventRow.created_at)).all()
    return [(body["eventType"], body["event"]["id"], body["event"]["changed-attributes"][0]["new-value"])
            for body in bodies if "changed-attributes" in body["event"]]


def after(change: Callable[[], object], twin: TwinRuntime, icms: list[Icm]) -> None:
    """Change the network, and wait until both watchers have dealt with the change."""
    change()
    count = twin.manager.wait_for_fault_change(-1, 0)
    wait_until(lambda: all(icm.faults_watcher.seen == count for icm in icms), timeout=20,
               what="both fault watchers to handle the change")


def installed(icm: Icm, a: str, z: str) -> ConnectivityServiceRow:
    row, _ = icm.create(CreateConnectivityService(owner="acme", a=EndPointRequest(a, 100),
                                                  z=EndPointRequest(z, 100), mbps=10))
    with icm.database.transaction() as session:
        cs.settle_activations(session, icm.name, [row.uuid], {}, release=lambda _uuid: None)
    return row


def test_the_published_faults_table_is_the_migrations(workers: list[Icm]) -> None:
    with workers[0].database.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [diff for diff in diffs if "icm_published_faults" in str(diff)] == []


def test_two_watchers_publish_each_operational_state_change_once(workers: list[Icm], twin: TwinRuntime) -> None:
    first, second = workers
    HubStore(first.database).subscribe(api=events_api(DOMAIN), party="acme", callback="http://acme.invalid/cb",
                                       query=None, event_types=[])
    through_r2 = installed(first, "uni-r1-0", "uni-r3-0")
    beside = installed(second, "uni-r4-0", "uni-r5-0")
    assert "r2" in through_r2.plan["elements"] and "r2" not in beside.plan["elements"]
    r2_objects = [(NODE_STATE_CHANGE_EVENT, "r2"), (SIP_STATE_CHANGE_EVENT, "uni-r2-0"),
                  (SIP_STATE_CHANGE_EVENT, "uni-r2-1"), (STATE_CHANGE_EVENT, through_r2.uuid)]
    link = beside.plan["links"][0]
    a, b = (end.split(":")[0] for end in link.split("|"))
    steps = [(lambda: twin.twin.fail_element("r2"), [(kind, name, DISABLED) for kind, name in r2_objects]),
             (lambda: twin.twin.restore_element("r2"), [(kind, name, ENABLED) for kind, name in r2_objects]),
             (lambda: twin.twin.fail_link(a, b), [(STATE_CHANGE_EVENT, beside.uuid, DISABLED)]),
             (lambda: twin.twin.restore_link(a, b), [(STATE_CHANGE_EVENT, beside.uuid, ENABLED)]),
             # a port failed on its own: its edge point and the service ending there, not its element
             (lambda: twin.twin.fail_port("r1", "u0"), [(SIP_STATE_CHANGE_EVENT, "uni-r1-0", DISABLED),
                                                        (STATE_CHANGE_EVENT, through_r2.uuid, DISABLED)]),
             (lambda: twin.twin.restore_port("r1", "u0"), [(SIP_STATE_CHANGE_EVENT, "uni-r1-0", ENABLED),
                                                           (STATE_CHANGE_EVENT, through_r2.uuid, ENABLED)])]
    heard = 0
    for change, expected in steps:
        after(change, twin, workers)
        news = events(first.database)[heard:]
        assert sorted(news) == sorted(expected), f"{len(news)} events where {len(expected)} were due: {news}"
        heard += len(news)
