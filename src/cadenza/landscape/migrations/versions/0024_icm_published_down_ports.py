"""icm_published_faults.down_ports: the edge points whose port failed on its own, as the
operational state events last told them (a row published before has none: no port was told down)

Revision ID: 0024_icm_published_down_ports
Revises: 0023_icm_pm_bin_delay_summary
Create Date: 2026-12-04 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024_icm_published_down_ports"
down_revision = "0023_icm_pm_bin_delay_summary"
branch_labels = None
depends_on = None

_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("icm_published_faults", schema=None) as batch_op:
        batch_op.add_column(sa.Column("down_ports", _DOCUMENT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("icm_published_faults", schema=None) as batch_op:
        batch_op.drop_column("down_ports")
