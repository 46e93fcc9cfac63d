"""The SOF's fault management for customers: jobs, reports, cancel and modify requests and
tracking records (ALLEGRO Fault Management v3)

Revision ID: 0017_sof_faults
Revises: 0016_pm_v2_partner
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017_sof_faults"
down_revision = "0016_pm_v2_partner"
branch_labels = None
depends_on = None

_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_AT = sa.DateTime(timezone=True)
_INDEXED = {
    "sof_fault_job": ("party", "state", "service_id", "created_at"),
    "sof_fault_report": ("party", "state", "job_id", "service_id", "created_at"),
    "sof_fault_job_process": ("kind", "party", "job_id", "created_at"),
    "sof_fm_tracking_record": ("party", "related_id", "created_at"),
}


def upgrade() -> None:
    op.create_table(
        "sof_fault_job",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("job_type", sa.String(length=20), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=True),
        sa.Column("period_s", sa.Float(), nullable=False),
        sa.Column("next_report_s", sa.Float(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("document", _DOCUMENT, nullable=False),
        sa.Column("termination", _DOCUMENT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_fault_job")),
    )
    op.create_table(
        "sof_fault_report",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("document", _DOCUMENT, nullable=False),
        sa.Column("content", _DOCUMENT, nullable=True),
        sa.Column("termination", _DOCUMENT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_fault_report")),
    )
    op.create_table(
        "sof_fault_job_process",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("document", _DOCUMENT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_fault_job_process")),
    )
    op.create_table(
        "sof_fm_tracking_record",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("related_type", sa.String(length=40), nullable=False),
        sa.Column("related_id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("request", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_fm_tracking_record")),
    )
    for table, columns in _INDEXED.items():
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    for table, columns in _INDEXED.items():
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
