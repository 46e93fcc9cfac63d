"""Whether a performance profile is assigned (its `isAssigned`, and a deletion refused while it
is) is read from the jobs made from it, by the profile they name; jobs migrated from before the
column name theirs too (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cadenza.core.db import Base, Database
from cadenza.core.errors import Unprocessable
from cadenza.landscape.database import alembic_config, migrate
from cadenza.sof.performance import profile as profiles
from cadenza.sof.performance.rows import PerformanceJobRow, PerformanceProfileRow

AT = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
VALUES = {"jobType": "proactive", "granularity": {"timeDurationValue": 15, "timeDurationUnits": "MIN"}}


def _profile(database: Database, profile_id: str) -> None:
    with database.transaction() as session:
        session.add(PerformanceProfileRow(id=profile_id, api="allegro", party="acme-corp", document=dict(VALUES),
                                          created_at=AT, updated_at=AT))


def _job(database: Database, job_id: str, values: dict) -> None:
    with database.transaction() as session:
        session.add(PerformanceJobRow(id=job_id, api="allegro", party="acme-corp", state="acknowledged",
                                      service_id="svc-1", profile=values, start_s=0.0, end_s=None, next_report_s=0.0,
                                      reports=0, document={}, termination=None, created_at=AT, updated_at=AT))


def _assigned(database: Database, profile_id: str) -> bool:
    with database.read() as session:
        return profiles.render(session.get(PerformanceProfileRow, profile_id), session)["isAssigned"]


def test_a_profile_is_assigned_once_a_job_is_made_from_it_and_not_before(database: Database) -> None:
    _profile(database, "p-used")
    _profile(database, "p-free")
    _job(database, "j-own-values", dict(VALUES))  # a job with values of its own names no profile
    assert not _assigned(database, "p-used") and not _assigned(database, "p-free")
    _job(database, "j-1", {**VALUES, "profileId": "p-used"})
    assert _assigned(database, "p-used") and not _assigned(database, "p-free")
    with database.transaction() as session, pytest.raises(Unprocessable) as refused:
        profiles.delete(session, "p-used", "acme-corp", wake=None)
    assert refused.value.code == "performanceProfileInUse"
    with database.transaction() as session:
        profiles.delete(session, "p-free", "acme-corp", wake=None)
        assert session.get(PerformanceProfileRow, "p-free") is None


def test_jobs_from_before_the_column_name_their_profile_after_the_migration(database: Database) -> None:
    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0025_bus_incident_degradation")
    with database.engine.begin() as connection:
        for job_id, values in (("j-old", {**VALUES, "profileId": "p-old"}), ("j-own", VALUES)):
            connection.execute(sa.text(
                "INSERT INTO sof_performance_job (id, api, party, state, service_id, profile, start_s, next_report_s, "
                "reports, document, created_at, updated_at) VALUES (:id, 'allegro', 'acme-corp', 'acknowledged', "
                "'svc-1', :profile, 0, 0, 0, '{}', :at, :at)"), {"id": job_id, "profile": json.dumps(values), "at": AT})
    migrate(database)
    with database.read() as session:
        named = dict(session.execute(sa.select(PerformanceJobRow.id, PerformanceJobRow.profile_id)).all())
    assert named == {"j-old": "p-old", "j-own": None}
    _profile(database, "p-old")
    assert _assigned(database, "p-old")


def test_the_job_table_is_the_migrations(database: Database) -> None:
    with database.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [diff for diff in diffs if "sof_performance_job" in str(diff)] == []
