"""bus_resource_key: the filterable attributes of BUS resources, so lists filter before paging

Revision ID: 0007_busstate_keys
Revises: 0006_signing_keys_sec
Create Date: 2026-12-01 22:10:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0007_busstate_keys"
down_revision = "0006_signing_keys_sec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bus_resource_key",
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["bus_resource.id"],
                                name=op.f("fk_bus_resource_key_resource_id_bus_resource"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id", "name", "value", name=op.f("pk_bus_resource_key")),
    )
    op.create_index("ix_bus_resource_key_name_value", "bus_resource_key", ["name", "value"], unique=False)
    _backfill()


def _backfill() -> None:
    """Keys for the resources stored before this revision, extracted as the stores extract them
    (the same functions, so an existing domain's lists filter its old resources too)."""
    from cadenza.bus import keys

    extract = {"productOrder": keys.order_keys, "cancelProductOrder": keys.cancellation_keys,
               "modifyDeliveryDate": keys.date_change_keys, "product": keys.product_keys, "poq": keys.poq_keys,
               "quote": keys.quote_keys}
    bind = op.get_bind()
    resource = sa.table("bus_resource", sa.column("id", sa.String), sa.column("kind", sa.String),
                        sa.column("document", sa.JSON))
    key = sa.table("bus_resource_key", sa.column("resource_id", sa.String), sa.column("name", sa.String),
                   sa.column("value", sa.String))
    rows = bind.execute(sa.select(resource.c.id, resource.c.kind, resource.c.document)
                        .where(resource.c.kind.in_(sorted(extract))))
    batch: list[dict[str, str]] = []
    for resource_id, kind, document in rows:
        if isinstance(document, str):  # plain JSON text on SQLite
            document = json.loads(document)
        for name, value in sorted(set(extract[kind](document or {}))):
            batch.append({"resource_id": resource_id, "name": name, "value": value})
    if batch:
        bind.execute(sa.insert(key), batch)


def downgrade() -> None:
    op.drop_index("ix_bus_resource_key_name_value", table_name="bus_resource_key")
    op.drop_table("bus_resource_key")
