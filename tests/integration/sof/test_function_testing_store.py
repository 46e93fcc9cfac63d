"""The service function testing tables on SQLite and PostgreSQL: the migration makes exactly the
tables the code maps, the offered profiles are seeded once however often a worker starts, and a
customer's profile list holds the offered ones and its own, never another's."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cadenza.core.clock import now
from cadenza.core.db import Base, Database
from cadenza.landscape import models  # noqa: F401 - every table mapped
from cadenza.sof.function_testing import profile as profiles
from cadenza.sof.function_testing import repository
from cadenza.sof.function_testing import rows as sft_rows


def test_the_function_testing_tables_are_the_migrations(database: Database) -> None:
    with database.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [diff for diff in diffs if "sof_test_" in str(diff)] == []


def test_offered_profiles_are_seeded_once_and_a_customer_lists_them_beside_its_own_only(database: Database) -> None:
    for _ in range(2):
        with database.transaction() as session:
            profiles.seed(session)
    at = now()
    with database.transaction() as session:
        for party in ("acme-corp", "globex"):
            session.add(sft_rows.TestProfileRow(id=f"own-{party}", party=party, lifecycle_state=profiles.AVAILABLE,
                                                specification_id=profiles.EVC_SPECIFICATION, document={},
                                                created_at=at, updated_at=at))
    with database.read() as session:
        listed = [r.id for r in session.scalars(repository.profiles("acme-corp", None, (None, None), (None, None)))]
        evc = [r.id for r in session.scalars(repository.profiles("acme-corp", profiles.EVC_SPECIFICATION,
                                                                 (None, None), (None, None)))]
    assert sorted(listed) == sorted([*profiles.OFFERED, "own-acme-corp"])
    assert sorted(evc) == ["cadenza-sft-evc-activation", "own-acme-corp"]
