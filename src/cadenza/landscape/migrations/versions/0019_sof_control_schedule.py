"""sof_control_schedule, sof_capacity_reservation: scheduled and temporary changes of a
customer's service, and the bandwidth it reserves for a window (MEF 55.0.1 §10.3 variations)

Revision ID: 0019_sof_control_schedule
Revises: 0018_sof_control_policy
Create Date: 2026-12-03 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019_sof_control_schedule"
down_revision = "0018_sof_control_policy"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "sof_control_schedule",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("apply_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revert_to", _JSON, nullable=True),
        sa.Column("revert_order", sa.String(length=64), nullable=True),
        sa.Column("reverts", sa.String(length=64), nullable=True),
        sa.Column("reservation_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_sof_control_schedule")),
    )
    op.create_index(op.f("ix_sof_control_schedule_service_id"), "sof_control_schedule", ["service_id"])
    op.create_table(
        "sof_capacity_reservation",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("mbps", sa.Integer(), nullable=False),
        sa.Column("extra_mbps", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("links", _JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_capacity_reservation")),
    )
    op.create_index(op.f("ix_sof_capacity_reservation_party"), "sof_capacity_reservation", ["party"])
    op.create_index(op.f("ix_sof_capacity_reservation_service_id"), "sof_capacity_reservation", ["service_id"])


def downgrade() -> None:
    op.drop_table("sof_capacity_reservation")
    op.drop_table("sof_control_schedule")
