"""Persistence of BUS resources behind one small repository."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.orm import Session, object_session

from cadenza.bus.keys import Keys, moment, text
from cadenza.bus.rows import BusResourceKeyRow, BusResourceRow
from cadenza.core.clock import now
from cadenza.core.errors import NotFound
from cadenza.core.ids import new_id
from cadenza.core.paging import Window

__all__ = ["ResourceStore", "Window"]



class ResourceStore:
    """Reads are always scoped by owner unless the caller is the domain itself (owner=None).

    `keys` names the attributes a list may filter on; they are kept in `bus_resource_key` as
    each document is stored, so `list` filters in the database, before paging."""

    def __init__(self, kind: str, *, label: str, keys: Keys | None = None) -> None:
        self.kind = kind
        self.label = label  # how error messages name it, e.g. "product order"
        self._keys = keys

    def _key_set(self, document: dict[str, Any]) -> set[tuple[str, str]]:
        return set(self._keys(document)) if self._keys is not None and document else set()

    def _write_keys(self, session: Session, resource_id: str, old: set[tuple[str, str]],
                    new: set[tuple[str, str]]) -> None:
        gone, added = old - new, new - old
        if gone:
            session.execute(delete(BusResourceKeyRow).where(
                BusResourceKeyRow.resource_id == resource_id,
                tuple_(BusResourceKeyRow.name, BusResourceKeyRow.value).in_(sorted(gone))))
        if added:
            session.execute(insert(BusResourceKeyRow), [
                {"resource_id": resource_id, "name": name, "value": value} for name, value in sorted(added)])

    def add(self, session: Session, *, family: str, owner: str, state: str, document: dict[str, Any],
            external_key: str | None = None, resource_id: str | None = None) -> BusResourceRow:
        moment = now()
        row = BusResourceRow(id=resource_id or new_id(), kind=self.kind, family=family, owner=owner, state=state,
                             external_key=external_key, document=document, created_at=moment, updated_at=moment,
                             version=0)
        session.add(row)
        session.flush()
        self._write_keys(session, row.id, set(), self._key_set(document))
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
             limit: int = 100, family: str | None = None, equal: Mapping[str, Any] | None = None,
             within: Mapping[str, Window] | None = None) -> tuple[Sequence[BusResourceRow], int]:
        """One page of the matching resources, newest first, and how many match in all.
        `equal` and `within` filter on the store's keys (an attribute equal to a value, a date
        inside a window); a resource with several values of a key matches if any does."""
        query = select(BusResourceRow).where(BusResourceRow.kind == self.kind)
        if owner is not None:
            query = query.where(BusResourceRow.owner == owner)
        if state is not None:
            query = query.where(BusResourceRow.state == state)
        if family is not None:
            query = query.where(BusResourceRow.family == family)
        for name, value in (equal or {}).items():
            if value is not None:
                query = query.where(BusResourceRow.id.in_(self._having(name).where(
                    BusResourceKeyRow.value == text(value))))
        for name, (after, before) in (within or {}).items():
            if after is None and before is None:
                continue
            keyed = self._having(name)
            if after is not None:
                keyed = keyed.where(BusResourceKeyRow.value > moment(after))
            if before is not None:
                keyed = keyed.where(BusResourceKeyRow.value < moment(before))
            query = query.where(BusResourceRow.id.in_(keyed))
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

    def _having(self, name: str) -> Any:
        if self._keys is None:
            raise ValueError(f"{self.label} has no filterable keys")
        return select(BusResourceKeyRow.resource_id).where(BusResourceKeyRow.name == name)

    def save(self, row: BusResourceRow, document: dict[str, Any], *, state: str | None = None) -> None:
        """Store a new version of the document. Documents are replaced, never changed in place
        (the JSON column would not see it either), so the old one tells which keys change."""
        if self._keys is not None:
            old, new = self._key_set(row.document), self._key_set(document)
            if old != new:
                session = object_session(row)
                if session is None:
                    raise RuntimeError(f"{self.label} {row.id} is not in a session")
                self._write_keys(session, row.id, old, new)
        row.document = document
        if state is not None:
            row.state = state
        row.updated_at = now()
        row.version += 1
