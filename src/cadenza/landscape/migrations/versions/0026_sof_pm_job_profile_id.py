"""sof_performance_job.profile_id: the profile a job's values came from, indexed, so whether a
profile is assigned is one lookup instead of a read of every job's values. Filled from the
values' `profileId` for the jobs there are.

Revision ID: 0026_sof_pm_job_profile_id
Revises: 0025_bus_incident_degradation
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0026_sof_pm_job_profile_id"
down_revision = "0025_bus_incident_degradation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sof_performance_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_sof_performance_job_profile_id"), ["profile_id"], unique=False)
    bind = op.get_bind()
    jobs = sa.table("sof_performance_job", sa.column("id", sa.String), sa.column("profile", sa.Text),
                    sa.column("profile_id", sa.String))
    rows = bind.execute(sa.select(jobs.c.id, sa.cast(jobs.c.profile, sa.Text))).all()
    for job_id, text in rows:
        values = json.loads(text) if text else {}
        if isinstance(values, dict) and values.get("profileId"):
            bind.execute(jobs.update().where(jobs.c.id == job_id).values(profile_id=str(values["profileId"])[:64]))


def downgrade() -> None:
    with op.batch_alter_table("sof_performance_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sof_performance_job_profile_id"))
        batch_op.drop_column("profile_id")
