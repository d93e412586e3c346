"""The sandbox's PID resolution: Handle proxy API codes, `/<handle>` redirects, the DOI resolver."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from bridge.sandbox.store import metadata_value


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One HTTP client per module: building an httpx client (its TLS context) costs more than a request."""
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture
def item(sandbox):
    coll = sandbox.store.collections()[0]
    return sandbox.store.create_item(coll["uuid"], {"dc.title": [metadata_value("Weights of run 42")]})


@pytest.fixture
def get(sandbox, http):
    """Return a GET on the sandbox that does not follow redirects."""

    def call(path: str, **params: str) -> httpx.Response:
        return http.get(sandbox.base_url + path, params=params, follow_redirects=False)

    return call


def test_handle_api_answers_with_url_and_admin_values(sandbox, item, get):
    r = get(f"/api/handles/{item['handle']}")
    assert r.status_code == 200
    body = r.json()
    assert body["responseCode"] == 1 and body["handle"] == item["handle"]
    by_index = {v["index"]: v for v in body["values"]}
    assert by_index[1]["type"] == "URL"
    assert by_index[1]["data"] == {"format": "string", "value": f"{sandbox.base_url}/handle/{item['handle']}"}
    assert by_index[100]["type"] == "HS_ADMIN" and by_index[100]["data"]["format"] == "admin"
    assert by_index[100]["data"]["value"]["handle"] == "0.NA/10261"
    assert by_index[1]["ttl"] == 86400
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", by_index[1]["timestamp"])


def test_handle_api_filters_by_type_and_index(sandbox, item, get):
    only_url = get(f"/api/handles/{item['handle']}", type="URL").json()
    assert [v["index"] for v in only_url["values"]] == [1]
    only_admin = get(f"/api/handles/{item['handle']}", index="100").json()
    assert [v["type"] for v in only_admin["values"]] == ["HS_ADMIN"]


def test_handle_api_unknown_handle_is_100_with_404(sandbox, get):
    r = get("/api/handles/10261/999999")
    assert r.status_code == 404
    assert r.json()["responseCode"] == 100 and r.json()["message"]


@pytest.mark.parametrize("bad", ["10261", "/10261", "10261/"])
def test_handle_api_malformed_handle_is_102_with_400(sandbox, bad, http, get):
    r = http.get(f"{sandbox.base_url}/api/handles/{bad}")
    assert r.status_code == 400
    assert r.json()["responseCode"] == 102


def test_handle_url_override_and_missing_url_value(sandbox, item, get):
    sandbox.store.set_handle_url(item["handle"], "https://elsewhere.example/x")
    values = get(f"/api/handles/{item['handle']}", type="URL").json()["values"]
    assert values[0]["data"]["value"] == "https://elsewhere.example/x"
    sandbox.store.set_handle_url(item["handle"], "")  # no URL value at all
    r = get(f"/api/handles/{item['handle']}", type="URL")
    assert r.status_code == 200
    assert r.json()["responseCode"] == 200 and r.json()["values"] == []
    unfiltered = get(f"/api/handles/{item['handle']}").json()
    assert unfiltered["responseCode"] == 1 and [v["index"] for v in unfiltered["values"]] == [100]


def test_handle_redirects_to_landing_page(sandbox, item, get):
    r = get(f"/{item['handle']}")
    assert r.status_code == 302
    assert r.headers["location"] == f"{sandbox.base_url}/handle/{item['handle']}"
    assert get(f"/{item['handle']}", noredirect="").status_code == 200
    assert get("/10261/999999").status_code == 404


def test_collection_handle_resolves(sandbox, get):
    coll = sandbox.store.collections()[0]
    body = get(f"/api/handles/{coll['handle']}").json()
    assert body["responseCode"] == 1
    assert body["values"][0]["data"]["value"].endswith(f"/handle/{coll['handle']}")


def test_deleted_item_handle_is_not_found(sandbox, item, get):
    sandbox.store.delete_item(item["uuid"])
    assert get(f"/api/handles/{item['handle']}").json()["responseCode"] == 100


def test_doi_resolver_api_resolves_findable_and_registered_dois_case_insensitively(sandbox, get):
    store = sandbox.store
    store.save_doi("10.5072/abcd-1234", state="findable", url="https://example.org/x", attributes={}, owner=None)
    store.save_doi("10.5072/reg-0001", state="registered", url="https://example.org/r", attributes={}, owner=None)
    r = get("/doi/api/handles/10.5072/ABCD-1234")
    assert r.status_code == 200
    assert r.json()["responseCode"] == 1
    assert [v["data"]["value"] for v in r.json()["values"] if v["type"] == "URL"] == ["https://example.org/x"]
    assert get("/doi/api/handles/10.5072/reg-0001", type="URL").json()["responseCode"] == 1


def test_doi_resolver_does_not_resolve_drafts(sandbox, get):
    sandbox.store.save_doi("10.5072/draft-1", state="draft", url=None, attributes={}, owner=None)
    r = get("/doi/api/handles/10.5072/draft-1")
    assert r.status_code == 404 and r.json()["responseCode"] == 100
    assert get("/doi/10.5072/draft-1").status_code == 404


def test_doi_redirects_to_its_url(sandbox, get):
    sandbox.store.save_doi(
        "10.5072/ab12-cd34", state="findable", url="https://example.org/l", attributes={}, owner=None
    )
    r = get("/doi/10.5072/AB12-CD34")
    assert r.status_code == 302 and r.headers["location"] == "https://example.org/l"
    # hdl.handle.net resolves DOIs too; so does the sandbox's handle resolver
    assert get("/10.5072/ab12-cd34").headers["location"] == "https://example.org/l"
