"""sof_control_policy: the bounds within which a customer may change each service itself
(MEF 55.0.1 §10.3, ALLEGRO Service Ordering)

Revision ID: 0018_sof_control_policy
Revises: 0017_sof_faults
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_sof_control_policy"
down_revision = "0017_sof_faults"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sof_control_policy",
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_sof_control_policy")),
    )


def downgrade() -> None:
    op.drop_table("sof_control_policy")
