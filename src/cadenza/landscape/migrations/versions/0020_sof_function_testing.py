"""The SOF's service function testing for customers: test profiles, test jobs, test results and
cancel / suspend / resume / modify requests (ALLEGRO Service Function Testing v3)

Revision ID: 0020_sof_function_testing
Revises: 0019_sof_control_schedule
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020_sof_function_testing"
down_revision = "0019_sof_control_schedule"
branch_labels = None
depends_on = None

_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_AT = sa.DateTime(timezone=True)
_INDEXED = {
    "sof_test_profile": ("party", "specification_id", "created_at", "updated_at"),
    "sof_test_job": ("party", "state", "service_id", "profile_id", "created_at"),
    "sof_test_result": ("party", "job_id", "service_id", "start_s", "end_s", "created_at"),
    "sof_test_job_process": ("kind", "party", "job_id", "state", "created_at"),
}


def upgrade() -> None:
    op.create_table(
        "sof_test_profile",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=True),
        sa.Column("lifecycle_state", sa.String(length=20), nullable=False),
        sa.Column("specification_id", sa.String(length=200), nullable=False),
        sa.Column("document", _DOCUMENT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_test_profile")),
    )
    op.create_table(
        "sof_test_job",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("held_state", sa.String(length=30), nullable=True),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("profile_id", sa.String(length=64), nullable=True),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("period_s", sa.Float(), nullable=True),
        sa.Column("next_test_s", sa.Float(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("actual_start_s", sa.Float(), nullable=True),
        sa.Column("actual_end_s", sa.Float(), nullable=True),
        sa.Column("document", _DOCUMENT, nullable=False),
        sa.Column("termination", _DOCUMENT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_test_job")),
    )
    op.create_table(
        "sof_test_result",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("specification_id", sa.String(length=200), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("content", _DOCUMENT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_test_result")),
    )
    op.create_table(
        "sof_test_job_process",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("denied_reason", sa.Text(), nullable=True),
        sa.Column("document", _DOCUMENT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_test_job_process")),
    )
    for table, columns in _INDEXED.items():
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    for table, columns in _INDEXED.items():
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
