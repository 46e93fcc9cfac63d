"""icm_ip_allocation: the IPv4 subnets Internet gateways hand out, one per Internet Access

Revision ID: 0008_icmstate_ip_pool
Revises: 0007_busstate_keys
Create Date: 2026-12-01 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_icmstate_ip_pool"
down_revision = "0007_busstate_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "icm_ip_allocation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("network_domain", sa.String(length=100), nullable=False),
        sa.Column("edge_point", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=43), nullable=False),
        sa.Column("service_uuid", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icm_ip_allocation")),
        sa.UniqueConstraint("network_domain", "edge_point", "prefix",
                            name=op.f("uq_icm_ip_allocation_network_domain")),
    )
    with op.batch_alter_table("icm_ip_allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_icm_ip_allocation_service_uuid"), ["service_uuid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("icm_ip_allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_icm_ip_allocation_service_uuid"))
    op.drop_table("icm_ip_allocation")
