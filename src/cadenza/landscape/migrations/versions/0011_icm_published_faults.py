"""icm_published_faults: what is down in each network domain as its operational state events
last told it, so that of several workers watching the network one publishes each change

Revision ID: 0011_icm_published_faults
Revises: 0010_domain_workers
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_icm_published_faults"
down_revision = "0010_domain_workers"
branch_labels = None
depends_on = None

_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "icm_published_faults",
        sa.Column("network_domain", sa.String(length=100), nullable=False),
        sa.Column("down_links", _DOCUMENT, nullable=False),
        sa.Column("down_elements", _DOCUMENT, nullable=False),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("network_domain", name=op.f("pk_icm_published_faults")),
    )


def downgrade() -> None:
    op.drop_table("icm_published_faults")
