"""icm_pm_bin: each bin's delay figures with every probe qualified (p99 FD, FD range, IFDV), so
a history of intervals that stayed available is read without its probes; bins stored before
have none and are computed from their steps as before

Revision ID: 0023_icm_pm_bin_delay_summary
Revises: 0022_sof_trouble_report
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_icm_pm_bin_delay_summary"
down_revision = "0022_sof_trouble_report"
branch_labels = None
depends_on = None

_COLUMNS = ("fd_p99_ms", "fdr_p99_ms", "ifdv_p99_ms")


def upgrade() -> None:
    with op.batch_alter_table("icm_pm_bin", schema=None) as batch_op:
        for name in _COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("icm_pm_bin", schema=None) as batch_op:
        for name in reversed(_COLUMNS):
            batch_op.drop_column(name)
