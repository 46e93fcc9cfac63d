"""Persistence of BUS resources behind one small repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadenza.bus.rows import BusResourceRow
from cadenza.core.clock import now
from cadenza.core.errors import NotFound
from cadenza.core.ids import new_id

__all__ = ["ResourceStore"]


class ResourceStore:
    """Reads are always scoped by owner unless the caller is the domain itself (owner=None)."""

    def __init__(self, kind: str, *, label: str) -> None:
        self.kind = kind
        self.label = label  # how error messages name it, e.g. "product order"

    def add(self, session: Session, *, family: str, owner: str, state: str, document: dict[str, Any],
            external_key: str | None = None, resource_id: str | None = None) -> BusResourceRow:
        moment = now()
        row = BusResourceRow(id=resource_id or new_id(), kind=self.kind, family=family, owner=owner, state=state,
                             external_key=external_key, document=document, created_at=moment, updated_at=moment,
                             version=0)
        session.add(row)
        session.flush()
        return row

    def get(self, session: Session, resource_id: str, owner: str | None, *, for_update: bool = False
            ) -> BusResourceRow:
        query = select(BusResourceRow).where(BusResourceRow.id == resource_id, BusResourceRow.kind == self.kind)
        if for_update and session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.scalars(query).first()
        if row is None or (owner is not None and row.owner != owner):
            raise NotFound(f"No {self.label} with id '{resource_id}'")
        return row

    def find_by_key(self, session: Session, owner: str, external_key: str) -> BusResourceRow | None:
        return session.scalars(select(BusResourceRow).where(
            BusResourceRow.kind == self.kind, BusResourceRow.owner == owner,
            BusResourceRow.external_key == external_key)).first()

    def list(self, session: Session, owner: str | None, *, state: str | None = None, offset: int = 0,
             limit: int = 100, family: str | None = None) -> tuple[Sequence[BusResourceRow], int]:
        query = select(BusResourceRow).where(BusResourceRow.kind == self.kind)
        if owner is not None:
            query = query.where(BusResourceRow.owner == owner)
        if state is not None:
            query = query.where(BusResourceRow.state == state)
        if family is not None:
            query = query.where(BusResourceRow.family == family)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(BusResourceRow.created_at.desc(), BusResourceRow.id)
                               .offset(offset).limit(limit)).all()
        return rows, total

    def ids_in(self, session: Session, states: Sequence[str], *, family: str | None = None) -> list[str]:
        """The ids of every resource in one of `states`, oldest first: what a start-up resumes
        (all of them, however many, and without reading their documents)."""
        query = select(BusResourceRow.id).where(BusResourceRow.kind == self.kind, BusResourceRow.state.in_(states))
        if family is not None:
            query = query.where(BusResourceRow.family == family)
        return list(session.scalars(query.order_by(BusResourceRow.created_at, BusResourceRow.id)))

    @staticmethod
    def save(row: BusResourceRow, document: dict[str, Any], *, state: str | None = None) -> None:
        row.document = document
        if state is not None:
            row.state = state
        row.updated_at = now()
        row.version += 1
