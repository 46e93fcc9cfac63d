"""SOF's trouble reports: the services the BUS asked it to diagnose (MEF 55.0.1 §10.5)

Revision ID: 0022_sof_trouble_report
Revises: 0021_bus_usage
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022_sof_trouble_report"
down_revision = "0021_bus_usage"
branch_labels = None
depends_on = None

_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sof_trouble_report",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.String(length=64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("cause", sa.String(length=400), nullable=True),
        sa.Column("partner", sa.String(length=100), nullable=True),
        sa.Column("partner_reference", sa.String(length=200), nullable=True),
        sa.Column("remedy", sa.Text(), nullable=True),
        sa.Column("findings", _DOCUMENT, nullable=False),
        sa.Column("history", _DOCUMENT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_trouble_report")),
        sa.UniqueConstraint("service_id", "ticket_id", "attempt", name=op.f("uq_sof_trouble_report_service_id")),
    )
    for column in ("party", "service_id", "ticket_id", "state"):
        op.create_index(op.f(f"ix_sof_trouble_report_{column}"), "sof_trouble_report", [column])


def downgrade() -> None:
    for column in ("party", "service_id", "ticket_id", "state"):
        op.drop_index(op.f(f"ix_sof_trouble_report_{column}"), table_name="sof_trouble_report")
    op.drop_table("sof_trouble_report")
