"""icm_pm_bin and icm_pm_threshold: the PM bins each ICM collects from its elements, and the
threshold crossings it has told

Revision ID: 0012_icm_pm
Revises: 0011_icm_published_faults
Create Date: 2026-12-02 16:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_icm_pm"
down_revision = "0011_icm_published_faults"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "icm_pm_bin",
        sa.Column("network_domain", sa.String(length=100), nullable=False),
        sa.Column("service_uuid", sa.String(length=64), nullable=False),
        sa.Column("ingress", sa.String(length=200), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("egress", sa.String(length=200), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("step_s", sa.Integer(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("offered", sa.BigInteger(), nullable=False),
        sa.Column("green", sa.BigInteger(), nullable=False),
        sa.Column("yellow", sa.BigInteger(), nullable=False),
        sa.Column("red", sa.BigInteger(), nullable=False),
        sa.Column("rx_green", sa.BigInteger(), nullable=False),
        sa.Column("rx_yellow", sa.BigInteger(), nullable=False),
        sa.Column("probes", sa.Integer(), nullable=False),
        sa.Column("probes_lost", sa.Integer(), nullable=False),
        sa.Column("delay_min_ms", sa.Float(), nullable=True),
        sa.Column("delay_mean_ms", sa.Float(), nullable=True),
        sa.Column("delay_max_ms", sa.Float(), nullable=True),
        sa.Column("step_data", sa.LargeBinary(), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("network_domain", "service_uuid", "ingress", "number", name=op.f("pk_icm_pm_bin")),
    )
    op.create_index(op.f("ix_icm_pm_bin_start"), "icm_pm_bin", ["start"])
    op.create_table(
        "icm_pm_threshold",
        sa.Column("network_domain", sa.String(length=100), nullable=False),
        sa.Column("service_uuid", sa.String(length=64), nullable=False),
        sa.Column("ingress", sa.String(length=200), nullable=False),
        sa.Column("parameter", sa.String(length=60), nullable=False),
        sa.Column("above", sa.Boolean(), nullable=False),
        sa.Column("since_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("network_domain", "service_uuid", "ingress", "parameter",
                                name=op.f("pk_icm_pm_threshold")),
    )


def downgrade() -> None:
    op.drop_table("icm_pm_threshold")
    op.drop_index(op.f("ix_icm_pm_bin_start"), table_name="icm_pm_bin")
    op.drop_table("icm_pm_bin")
