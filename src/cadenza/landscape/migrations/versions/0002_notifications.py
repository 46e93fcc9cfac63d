"""notifications: hub event subscriptions and the transactional outbox

Revision ID: 0002_notifications
Revises: 0001_core
Create Date: 2026-11-27 00:40:13.519315
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_notifications"
down_revision = "0001_core"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
DUE_PG = "delivered_at IS NULL AND NOT dead"
DUE_SQLITE = "delivered_at IS NULL AND dead = 0"


def upgrade() -> None:
    op.create_table(
        "event_subscription",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("api", sa.String(length=100), nullable=False),
        sa.Column("party", sa.String(length=100), nullable=False),
        sa.Column("callback", sa.String(length=2000), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=True),
        sa.Column("event_types", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_subscription")),
    )
    with op.batch_alter_table("event_subscription", schema=None) as batch_op:
        batch_op.create_index("ix_event_subscription_api_party", ["api", "party"], unique=False)

    op.create_table(
        "outbox_event",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("api", sa.String(length=100), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("target_url", sa.String(length=2200), nullable=False),
        sa.Column("body", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=36), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("dead", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        sa.UniqueConstraint("event_id", "subscription_id", name="uq_outbox_event_event_id_subscription"),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_event_due", ["next_attempt_at"], unique=False,
                              postgresql_where=sa.text(DUE_PG), sqlite_where=sa.text(DUE_SQLITE))
        batch_op.create_index(batch_op.f("ix_outbox_event_subscription_id"), ["subscription_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_event_subscription_id"))
        batch_op.drop_index("ix_outbox_event_due")
    op.drop_table("outbox_event")
    with op.batch_alter_table("event_subscription", schema=None) as batch_op:
        batch_op.drop_index("ix_event_subscription_api_party")
    op.drop_table("event_subscription")
