"""domain_worker and domain_endpoint: the worker processes of a domain sharing one database,
with their heartbeats, and where the parts they share (the network twin) answer

Revision ID: 0010_domain_workers
Revises: 0009_sof_operational_state
Create Date: 2026-12-02 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_domain_workers"
down_revision = "0009_sof_operational_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "domain_worker",
        sa.Column("executor_id", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("executor_id", name=op.f("pk_domain_worker")),
    )
    op.create_table(
        "domain_endpoint",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_domain_endpoint")),
    )


def downgrade() -> None:
    op.drop_table("domain_endpoint")
    op.drop_table("domain_worker")
