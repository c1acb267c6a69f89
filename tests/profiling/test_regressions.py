"""Which profile route served a scenario's request: the template it matches, the most
specific one, the query string left out."""

from __future__ import annotations

from perfkit.profiling.regressions import route_of

ROUTES = ["GET /api/users/{id}", "GET /api/users/me", "POST /api/chat", "GET /work/{n}",
          "GET /", "GET /v1/{id}/items/{item}"]  # fmt: skip


def test_a_request_finds_the_template_that_served_it() -> None:
    assert route_of("GET", "/work/7", ROUTES) == "GET /work/{n}"
    assert route_of("get", "/api/users/42?fields=name", ROUTES) == "GET /api/users/{id}"
    assert route_of("GET", "/api/users/me", ROUTES) == "GET /api/users/me"  # the specific one
    assert route_of("POST", "/api/chat", ROUTES) == "POST /api/chat"
    assert route_of("GET", "/v1/a/items/b", ROUTES) == "GET /v1/{id}/items/{item}"
    assert route_of("GET", "/", ROUTES) == "GET /"


def test_no_route_for_another_method_or_a_longer_path() -> None:
    assert route_of("GET", "/api/chat", ROUTES) is None
    assert route_of("GET", "/work/7/more", ROUTES) is None
    assert route_of("GET", "/work/7", []) is None
