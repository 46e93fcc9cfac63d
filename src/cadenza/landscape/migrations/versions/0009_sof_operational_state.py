"""sof_service.operational_state and sof_segment_state: a service's operational state, derived
from its PRESTO segments

Revision ID: 0009_sof_operational_state
Revises: 0008_icmstate_ip_pool
Create Date: 2026-12-02 02:20:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0009_sof_operational_state"
down_revision = "0008_icmstate_ip_pool"
branch_labels = None
depends_on = None

# Services already live have segments the SOF never recorded: they start DISABLED, and the
# SOF's first reading of its ICMs at start-up (sof/operational.py, reconcile) sets the truth.
_UNKNOWN = "DISABLED"


def upgrade() -> None:
    with op.batch_alter_table("sof_service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operational_state", sa.String(length=10), nullable=False,
                                      server_default=_UNKNOWN))
    segments = op.create_table(
        "sof_segment_state",
        sa.Column("uuid", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("network_domain", sa.String(length=100), nullable=False),
        sa.Column("operational_state", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_sof_segment_state")),
    )
    with op.batch_alter_table("sof_segment_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sof_segment_state_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sof_segment_state_network_domain"), ["network_domain"], unique=False)
    live = op.get_bind().execute(sa.text(
        "SELECT id, design FROM sof_service WHERE state IN ('active', 'inactive')")).all()
    rows = []
    for service_id, design in live:
        design = json.loads(design) if isinstance(design, str) else design
        rows += [{"uuid": s["uuid"], "service_id": service_id, "network_domain": s["networkDomain"],
                  "operational_state": _UNKNOWN} for s in (design or {}).get("segments", [])]
    if rows:
        op.bulk_insert(segments, rows)


def downgrade() -> None:
    with op.batch_alter_table("sof_segment_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sof_segment_state_network_domain"))
        batch_op.drop_index(batch_op.f("ix_sof_segment_state_service_id"))
    op.drop_table("sof_segment_state")
    with op.batch_alter_table("sof_service", schema=None) as batch_op:
        batch_op.drop_column("operational_state")
