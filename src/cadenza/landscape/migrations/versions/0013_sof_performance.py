"""sof_service.customer and the SOF's performance monitoring for customers: profiles, jobs,
reports, job cancellations and tracking records (ALLEGRO Performance Monitoring v5)

Revision ID: 0013_sof_performance
Revises: 0012_icm_pm
Create Date: 2026-12-02 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013_sof_performance"
down_revision = "0012_icm_pm"
branch_labels = None
depends_on = None

_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sof_service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_sof_service_customer"), ["customer"], unique=False)
    op.create_table(
        "sof_performance_profile",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=True),
        sa.Column("document", _DOCUMENT, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_performance_profile")),
    )
    op.create_index(op.f("ix_sof_performance_profile_party"), "sof_performance_profile", ["party"])
    op.create_table(
        "sof_performance_job",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("profile", _DOCUMENT, nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=True),
        sa.Column("next_report_s", sa.Float(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("document", _DOCUMENT, nullable=False),
        sa.Column("termination", _DOCUMENT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_performance_job")),
    )
    for column in ("party", "state", "service_id"):
        op.create_index(op.f(f"ix_sof_performance_job_{column}"), "sof_performance_job", [column])
    op.create_table(
        "sof_performance_report",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=True),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("granularity_s", sa.Integer(), nullable=False),
        sa.Column("document", _DOCUMENT, nullable=False),
        sa.Column("content", _DOCUMENT, nullable=True),
        sa.Column("termination", _DOCUMENT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_performance_report")),
    )
    for column in ("party", "state", "job_id", "service_id"):
        op.create_index(op.f(f"ix_sof_performance_report_{column}"), "sof_performance_report", [column])
    op.create_table(
        "sof_cancel_performance_job",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_cancel_performance_job")),
    )
    op.create_index(op.f("ix_sof_cancel_performance_job_party"), "sof_cancel_performance_job", ["party"])
    op.create_index(op.f("ix_sof_cancel_performance_job_job_id"), "sof_cancel_performance_job", ["job_id"])
    op.create_table(
        "sof_pm_tracking_record",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("related_type", sa.String(length=40), nullable=False),
        sa.Column("related_id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("request", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sof_pm_tracking_record")),
    )
    for column in ("party", "related_id", "created_at"):
        op.create_index(op.f(f"ix_sof_pm_tracking_record_{column}"), "sof_pm_tracking_record", [column])


def downgrade() -> None:
    for table in ("sof_pm_tracking_record", "sof_cancel_performance_job", "sof_performance_report",
                  "sof_performance_job", "sof_performance_profile"):
        op.drop_table(table)
    with op.batch_alter_table("sof_service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sof_service_customer"))
        batch_op.drop_column("customer")
