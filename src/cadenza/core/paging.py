"""Paging and filtering as the MEF specs define them.

List operations take `offset` and `limit` query parameters and answer with the
`X-Total-Count` (all matches) and `X-Result-Count` (returned now) headers. Attribute filters
are plain query parameters compared for equality.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import Query, Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

__all__ = ["Page", "page_params", "paginate", "paginate_query", "set_count_headers", "matches", "date_windows",
           "Window", "Windows", "within"]

# A date filter's bounds: (after `name.gt`, before `name.lt`), either open; and by attribute name.
Window = tuple[datetime | None, datetime | None]
Windows = dict[str, Window]

T = TypeVar("T")
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Page:
    offset: int
    limit: int


def page_params(
    offset: int = Query(0, ge=0, description="Requested index for start of item to be provided in response"),
    limit: int = Query(100, ge=1, le=MAX_LIMIT, description="Requested number of items to be provided in response"),
) -> Page:
    return Page(offset=offset, limit=limit)


def set_count_headers(response: Response, *, total: int, returned: int) -> None:
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Result-Count"] = str(returned)


def paginate(items: Sequence[T], page: Page, response: Response) -> list[T]:
    window = list(items[page.offset : page.offset + page.limit])
    set_count_headers(response, total=len(items), returned=len(window))
    return window


def paginate_query(session: Session, query: Select[Any], page: Page, response: Response) -> list[Any]:
    """One page of `query`'s rows, paged by the database: `query` carries every filter in its
    WHERE clause and an ORDER BY; X-Total-Count counts all its matches, and only the page's
    rows are fetched (LIMIT/OFFSET), however many there are."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(session.scalars(query.offset(page.offset).limit(page.limit)))
    set_count_headers(response, total=total, returned=len(rows))
    return rows


def matches(items: Iterable[T], filters: dict[str, Any], get: Callable[[T, str], Any]) -> list[T]:
    """Keep the items whose attribute equals every given (non-None) filter value."""
    wanted = {k: v for k, v in filters.items() if v is not None}
    return [item for item in items if all(str(get(item, k)) == str(v) for k, v in wanted.items())]


def date_windows(*names: str) -> Callable[..., Windows]:
    """A dependency reading the spec's `{name}.gt` / `{name}.lt` query parameters (typed, so a
    value that is no date-time is refused rather than ignored) as a window per name."""
    parameters = [inspect.Parameter(f"p{n}_{bound}", inspect.Parameter.KEYWORD_ONLY, annotation=datetime | None,
                                    default=Query(None, alias=f"{name}.{bound}",
                                                  description=f"{name} {'after' if bound == 'gt' else 'before'} this"))
                  for n, name in enumerate(names) for bound in ("gt", "lt")]

    def windows(**given: datetime | None) -> Windows:
        return {name: (given[f"p{n}_gt"], given[f"p{n}_lt"]) for n, name in enumerate(names)}

    windows.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return windows


def _utc(moment: datetime) -> datetime:
    # a date-time without an offset is read as UTC, as the MEF examples write them; SQLite keeps
    # no offset, so a bound must be in UTC to compare with what is stored
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)


def within(query: Select[Any], column: Any, window: Window, *, epoch: bool = False) -> Select[Any]:  # noqa: ANN401 - a column
    """`query` kept to the rows whose `column` lies strictly inside `window` (the spec's `.gt` /
    `.lt` filters). `epoch`: the column holds POSIX seconds rather than a date-time."""
    after, before = window
    if after is not None:
        query = query.where(column > (_utc(after).timestamp() if epoch else _utc(after)))
    if before is not None:
        query = query.where(column < (_utc(before).timestamp() if epoch else _utc(before)))
    return query
