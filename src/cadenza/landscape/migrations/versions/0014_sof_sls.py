"""sof_sls_assessment and sof_sls_degradation: how far each service's SLS is assessed, and the
degradations found and followed until they clear

Revision ID: 0014_sof_sls
Revises: 0013_sof_performance
Create Date: 2026-12-02 17:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014_sof_sls"
down_revision = "0013_sof_performance"
branch_labels = None
depends_on = None

_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sof_sls_assessment",
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.Column("assessed_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_sof_sls_assessment")),
    )
    op.create_table(
        "sof_sls_degradation",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=True),
        sa.Column("breaches", _DOCUMENT, nullable=False),
        sa.Column("first_number", sa.BigInteger(), nullable=False),
        sa.Column("last_breach_number", sa.BigInteger(), nullable=False),
        sa.Column("resolved_number", sa.BigInteger(), nullable=True),
        sa.Column("history", _DOCUMENT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_sls_degradation")),
    )
    op.create_index(op.f("ix_sof_sls_degradation_service_id"), "sof_sls_degradation", ["service_id"])
    op.create_index(op.f("ix_sof_sls_degradation_state"), "sof_sls_degradation", ["state"])


def downgrade() -> None:
    op.drop_table("sof_sls_degradation")
    op.drop_table("sof_sls_assessment")
