"""bus_incident_degradation: how far each incident has followed each SLS degradation attached to
it (one incident per product, bus/incident/follow.py); an open incident is keyed by its product

Before this an incident followed one degradation, keyed by it (`bus_resource.external_key`), and
the count of its notes said how far. Each existing incident keeps following its degradation: its
notes are the steps applied, the degradation's state is read from the incident's (closed:
resolved; inProgress: manualIntervention when its last note is the engineer's, else rerouting;
created: detected). The oldest open incident of a product becomes the one its new degradations
attach to (`external_key` = the product); the others keep no key.

Revision ID: 0025_bus_incident_degradation
Revises: 0024_icm_published_down_ports
Create Date: 2026-12-04 18:40:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0025_bus_incident_degradation"
down_revision = "0024_icm_published_down_ports"
branch_labels = None
depends_on = None

_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_RESOURCE = sa.table("bus_resource", sa.column("id", sa.String), sa.column("kind", sa.String),
                     sa.column("state", sa.String), sa.column("external_key", sa.String),
                     sa.column("document", _DOCUMENT), sa.column("created_at", sa.DateTime(timezone=True)))
_LINK = sa.table("bus_incident_degradation", sa.column("degradation_id", sa.String),
                 sa.column("incident_id", sa.String), sa.column("direction", sa.String),
                 sa.column("applied", sa.Integer), sa.column("state", sa.String),
                 sa.column("expected_closed", sa.String))


def _state(status: str, document: dict[str, Any]) -> str:
    if status == "closed":
        return "resolved"
    if status == "inProgress":
        last = ((document.get("note") or [{}])[-1].get("text") or "")
        return "manualIntervention" if last.startswith("An engineer is on it") else "rerouting"
    return "detected"


def _direction(document: dict[str, Any]) -> str:
    """From the description notes.py wrote: "<product> between <A> and <Z>: traffic from <A>
    to <Z> ..." (or "from its Z end ..." where the product has no two sites of ours)."""
    head, _, tail = (document.get("description") or "").partition(": traffic from ")
    if tail.startswith("its Z end"):
        return "z-to-a"
    if " between " in head and not tail.startswith(head.split(" between ", 1)[1].split(" and ", 1)[0]):
        return "z-to-a"
    return "a-to-z"


def upgrade() -> None:
    op.create_table(
        "bus_incident_degradation",
        sa.Column("degradation_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("expected_closed", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["bus_resource.id"],
                                name=op.f("fk_bus_incident_degradation_incident_id_bus_resource"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("degradation_id", name=op.f("pk_bus_incident_degradation")),
    )
    op.create_index(op.f("ix_bus_incident_degradation_incident_id"), "bus_incident_degradation", ["incident_id"])
    bind = op.get_bind()
    rows = bind.execute(sa.select(_RESOURCE.c.id, _RESOURCE.c.state, _RESOURCE.c.external_key,
                                  _RESOURCE.c.document).where(_RESOURCE.c.kind == "incident")
                        .order_by(_RESOURCE.c.created_at, _RESOURCE.c.id)).all()
    keyed: set[str] = set()
    for incident_id, status, degradation_id, document in rows:
        if degradation_id:
            state = _state(status, document)
            bind.execute(sa.insert(_LINK).values(
                degradation_id=degradation_id, incident_id=incident_id, direction=_direction(document),
                applied=len(document.get("note") or []), state=state,
                expected_closed=document.get("expectedClosedDate") if state in ("rerouting", "manualIntervention")
                else None))
        product = next((e["id"] for e in document.get("relatedEntity") or []
                        if e.get("@referredType") == "Product"), None)
        key = product if status != "closed" and product is not None and product not in keyed else None
        if key is not None:
            keyed.add(key)
        bind.execute(sa.update(_RESOURCE).where(_RESOURCE.c.id == incident_id).values(external_key=key))


def downgrade() -> None:
    bind = op.get_bind()
    followed = bind.execute(sa.select(_LINK.c.incident_id, sa.func.min(_LINK.c.degradation_id))
                            .group_by(_LINK.c.incident_id)).all()
    for incident_id, degradation_id in followed:  # the schema before knew one degradation per incident
        bind.execute(sa.update(_RESOURCE).where(_RESOURCE.c.id == incident_id).values(external_key=degradation_id))
    op.drop_index(op.f("ix_bus_incident_degradation_incident_id"), table_name="bus_incident_degradation")
    op.drop_table("bus_incident_degradation")
