"""Performance Monitoring v2 at INTERLUDE and LEGATO beside ALLEGRO v5: the API of each
performance row; v2's suspend, resume and modify requests beside cancellations; the partner
segment's intervals fetched over INTERLUDE and the jobs kept at partners

Revision ID: 0016_pm_v2_partner
Revises: 0015_sof_alarms
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016_pm_v2_partner"
down_revision = "0015_sof_alarms"
branch_labels = None
depends_on = None

_TABLES = ("sof_performance_profile", "sof_performance_job", "sof_performance_report", "sof_cancel_performance_job",
           "sof_pm_tracking_record")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("api", sa.String(length=20), nullable=False, server_default="allegro"))
            batch_op.create_index(batch_op.f(f"ix_{table}_api"), ["api"], unique=False)
    with op.batch_alter_table("sof_cancel_performance_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), nullable=False, server_default="cancel"))
        batch_op.add_column(sa.Column("document", _json(), nullable=True))
        batch_op.add_column(sa.Column("denied", sa.Text(), nullable=True))
    op.create_table(
        "sof_partner_pm_interval",
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("figures", _json(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_id", "direction", "number", name=op.f("pk_sof_partner_pm_interval")),
    )
    op.create_table(
        "sof_partner_pm_job",
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("partner_service_id", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_sof_partner_pm_job")),
    )
    with op.batch_alter_table("sof_partner_pm_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sof_partner_pm_job_job_id"), ["job_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sof_partner_pm_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sof_partner_pm_job_job_id"))
    op.drop_table("sof_partner_pm_job")
    op.drop_table("sof_partner_pm_interval")
    with op.batch_alter_table("sof_cancel_performance_job", schema=None) as batch_op:
        batch_op.drop_column("denied")
        batch_op.drop_column("document")
        batch_op.drop_column("kind")
    for table in reversed(_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_api"))
            batch_op.drop_column("api")
