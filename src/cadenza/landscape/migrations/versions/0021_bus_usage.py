"""bus_usage_record: the usage events the SOF reported, once per change (MEF 55.0.1 §10.3 step 14)

Revision ID: 0021_bus_usage
Revises: 0020_sof_function_testing
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021_bus_usage"
down_revision = "0020_sof_function_testing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bus_usage_record",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("service_order_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("usage_type", sa.String(length=40), nullable=False),
        sa.Column("changes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bus_usage_record")),
    )
    op.create_index(op.f("ix_bus_usage_record_product_id"), "bus_usage_record", ["product_id"])
    op.create_index(op.f("ix_bus_usage_record_owner"), "bus_usage_record", ["owner"])


def downgrade() -> None:
    op.drop_index(op.f("ix_bus_usage_record_owner"), table_name="bus_usage_record")
    op.drop_index(op.f("ix_bus_usage_record_product_id"), table_name="bus_usage_record")
    op.drop_table("bus_usage_record")
