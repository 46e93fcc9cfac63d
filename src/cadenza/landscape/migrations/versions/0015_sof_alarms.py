"""sof_alarm and sof_segment_state.route_faults: the alarms on customers' services (ALLEGRO
Alarm Management) and what is down under a segment

Revision ID: 0015_sof_alarms
Revises: 0014_sof_sls
Create Date: 2026-12-02 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_sof_alarms"
down_revision = "0014_sof_sls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sof_segment_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("route_faults", sa.JSON().with_variant(
            postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True))
    op.create_table(
        "sof_alarm",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("tca_key", sa.String(length=400), nullable=True),
        sa.Column("specific_attributes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=True),
        sa.Column("customer", sa.String(length=100), nullable=False),
        sa.Column("service_type", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("alarm_type", sa.String(length=40), nullable=False),
        sa.Column("perceived_severity", sa.String(length=20), nullable=False),
        sa.Column("probable_cause", sa.String(length=60), nullable=False),
        sa.Column("specific_problem", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("service_affecting", sa.Boolean(), nullable=False),
        sa.Column("reporting_system", sa.String(length=100), nullable=False),
        sa.Column("source_system", sa.String(length=200), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_alarm")),
    )
    with op.batch_alter_table("sof_alarm", schema=None) as batch_op:
        for column in ("service_id", "tca_key", "customer", "state", "reported_at", "changed_at", "cleared_at"):
            batch_op.create_index(batch_op.f(f"ix_sof_alarm_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sof_alarm", schema=None) as batch_op:
        for column in ("service_id", "tca_key", "customer", "state", "reported_at", "changed_at", "cleared_at"):
            batch_op.drop_index(batch_op.f(f"ix_sof_alarm_{column}"))
    op.drop_table("sof_alarm")
    with op.batch_alter_table("sof_segment_state", schema=None) as batch_op:
        batch_op.drop_column("route_faults")
