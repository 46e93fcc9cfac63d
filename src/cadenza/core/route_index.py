"""Routing a request past the routes that cannot match it.

A domain's app has some 400 routes under about 60 included routers, and FastAPI matches a
request by trying them in order, twice (to choose, then to handle), reading again on each try
how many routes every router below has. A PRESTO call, whose routers come last, cost about
as much CPU in routing as in its own work, and every change of a service makes several.

`index_routes` puts a filter in front of the app's router: for a request it keeps, in their
order, only the top-level routes with a path that could start the request's path (the literal
part of each path, before its first `{`), and lets the router choose among those. A route whose
every path has a literal part the request's path does not start with cannot match it, so the
choice is the one the whole list gives; when none of the kept routes matches, the whole list
decides as before (the 404, 405 and slash redirects are the router's own).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match, Router
from starlette.types import Receive, Scope, Send

__all__ = ["index_routes"]

_CACHED_PATHS = 4096  # distinct request paths whose kept routes are remembered (operations, collections)


def _literal(path: str) -> str:
    return path.split("{", 1)[0]


def _paths(route: BaseRoute, prefix: str = "") -> Iterator[str | None]:
    """The paths `route` serves (None for one that cannot be known). An included router's are
    read from the routers it includes, with the prefixes they were included under, not from
    FastAPI's effective routes, which would be built for every route at once (a second of a
    domain's start on a busy machine, before it serves, while recovered workflows call it)."""
    included = getattr(route, "original_router", None)
    if included is None:
        path = getattr(route, "path_format", None)
        yield prefix + path if isinstance(path, str) else None
        return
    context = getattr(route, "include_context", None)
    inner = getattr(context, "prefix", None)
    if not isinstance(inner, str):
        yield None
        return
    for child in included.routes:
        yield from _paths(child, prefix + inner)


def _prefixes(route: BaseRoute) -> tuple[str, ...] | None:
    """The literal parts of the paths `route` serves; None when they cannot be known (kept always)."""
    paths = list(_paths(route))
    if not paths or any(path is None for path in paths):
        return None
    return tuple(sorted({_literal(path) for path in paths if path is not None}))


class _IndexedRouter:
    def __init__(self, router: Router) -> None:
        self._router = router
        self._everything = router.middleware_stack
        self._index(router.routes)

    def _index(self, routes: Sequence[BaseRoute]) -> None:
        self._count = len(routes)
        self._routes = [(route, _prefixes(route)) for route in routes]
        self._kept: dict[str, Router] = {}

    def _view(self, path: str) -> Router:
        if len(self._router.routes) != self._count:  # a route added since: filter on them all
            self._index(self._router.routes)
        view = self._kept.get(path)
        if view is None:
            view = copy.copy(self._router)
            view.routes = [route for route, prefixes in self._routes
                           if prefixes is None or any(path.startswith(p) for p in prefixes)]
            if len(self._kept) >= _CACHED_PATHS:
                self._kept.clear()
            self._kept[path] = view
        return view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            await self._everything(scope, receive, send)
            return
        view = self._view(scope["path"])
        if any(route.matches(scope)[0] != Match.NONE for route in view.routes):
            scope.setdefault("router", self._router)  # url_for looks in every route, not the kept ones
            await view.app(scope, receive, send)
        else:
            await self._everything(scope, receive, send)


def index_routes(app: FastAPI) -> None:
    """Route `app`'s requests past the routes that cannot match them (best called once every
    route is in: a top-level route added later has the filter read them all again)."""
    router: Any = app.router
    if router.middleware_stack != router.app:  # middleware of the router's own would be skipped
        return
    router.middleware_stack = _IndexedRouter(router)
