"""The route filter chooses what FastAPI's router chooses: the first matching route in order,
path parameters, a 405 for a known path with another method, slash redirects and a 404."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from cadenza.core.route_index import _paths, index_routes


def _app() -> FastAPI:
    app = FastAPI()
    first = APIRouter(prefix="/api/things")

    @first.get("/{thing}")
    def one_thing(thing: str) -> dict:
        return {"route": "thing", "thing": thing}

    @first.post("/special")
    def special() -> dict:  # after /{thing}, so GET /special is the thing's, POST this
        return {"route": "special"}

    other = APIRouter(prefix="/api")

    @other.get("/things/{thing}/parts")
    def parts(thing: str) -> dict:
        return {"route": "parts", "thing": thing}

    @other.get("/other/")
    def other_route() -> dict:
        return {"route": "other"}

    app.include_router(first)
    app.include_router(other)

    @app.get("/health")
    def health() -> dict:
        return {"route": "health"}

    return app


def _answers(app: FastAPI) -> list[tuple[int, object]]:
    client = TestClient(app)
    asked = [("GET", "/api/things/a"), ("GET", "/api/things/special"), ("POST", "/api/things/special"),
             ("GET", "/api/things/a/parts"), ("DELETE", "/api/things/a"), ("GET", "/api/other"),
             ("GET", "/api/other/"), ("GET", "/health"), ("GET", "/nowhere"), ("GET", "/api/things/")]
    answers = []
    for method, path in asked:
        reply = client.request(method, path, follow_redirects=False)
        answers.append((reply.status_code, reply.json() if reply.status_code == 200 else reply.headers.get("location")))
    return answers


def test_the_indexed_app_answers_every_request_as_the_plain_one() -> None:
    plain, indexed = _app(), _app()
    index_routes(indexed)
    assert indexed.router.middleware_stack != indexed.router.app  # the filter is in place
    assert _answers(indexed) == _answers(plain)
    assert (200, {"route": "special"}) in _answers(indexed)  # the case order decides


def test_a_route_added_after_indexing_is_found() -> None:
    app = _app()
    index_routes(app)
    assert TestClient(app).get("/api/things/a").status_code == 200  # the filter has read the routes

    @app.get("/late")
    def late() -> dict:
        return {"route": "late"}

    assert TestClient(app).get("/late").json() == {"route": "late"}


def test_the_paths_read_from_the_routers_are_fastapis_effective_paths() -> None:
    app = FastAPI()
    outer = APIRouter(prefix="/outer")
    inner = APIRouter(prefix="/inner")

    @inner.get("/{item}")
    def item(item: str) -> dict:
        return {"item": item}

    outer.include_router(inner, prefix="/more")
    app.include_router(outer, prefix="/top")
    [included] = [route for route in app.router.routes if hasattr(route, "original_router")]
    effective = sorted(context.path_format for context in included.effective_route_contexts())
    assert sorted(path for path in _paths(included) if path) == effective == ["/top/outer/more/inner/{item}"]
