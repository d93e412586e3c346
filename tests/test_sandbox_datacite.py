"""The sandbox's DataCite REST API subset, driven by the real `datacite` DataCiteRESTClient and by plain httpx."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

import httpx
import pytest
from datacite import DataCiteRESTClient
from datacite.errors import DataCiteError, DataCiteNotFoundError


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One HTTP client per module: building an httpx client (its TLS context) costs more than a request."""
    with httpx.Client(timeout=30) as client:
        yield client


META = {
    "titles": [{"title": "Trained weights of run 42"}],
    "creators": [{"name": "Doe, Jane", "nameType": "Personal", "affiliation": [{"name": "IFCA"}]}],
    "publisher": {"name": "Digital.CSIC"},
    "publicationYear": "2025",
    "types": {"resourceTypeGeneral": "Model", "resourceType": "Trained neural network weights"},
    "schemaVersion": "http://datacite.org/schema/kernel-4",
}
JSONAPI = {"Content-Type": "application/vnd.api+json"}


def meta() -> dict:
    return copy.deepcopy(META)  # the client adds keys to the dict it is given


@pytest.fixture
def client(sandbox) -> DataCiteRESTClient:
    return DataCiteRESTClient(
        username=sandbox.admin.email,
        password=sandbox.admin.password,
        prefix=sandbox.sandbox.config.doi_prefix,
        url=sandbox.urls["doi_api"] + "/",
    )


@pytest.fixture
def api(sandbox, http):
    def call(method: str, path: str, body: dict | None = None, auth=None, **params) -> httpx.Response:
        account = sandbox.admin if auth is None else auth
        credentials = None if account is False else (account.email, account.password)
        return http.request(
            method, f"{sandbox.urls['doi_api']}{path}", json=body, auth=credentials, params=params, headers=JSONAPI
        )

    return call


def test_draft_doi_gets_a_random_suffix_and_stays_private(sandbox, client, api):
    doi = client.draft_doi(meta())
    assert re.fullmatch(r"10\.5072/[0-9a-z]{4}-[0-9a-z]{4}", doi)
    attributes = client.get_metadata(doi)
    assert attributes["state"] == "draft" and attributes["isActive"] is False
    assert attributes["prefix"] == "10.5072" and attributes["doi"] == doi
    assert api("GET", f"/dois/{doi}", auth=False).status_code == 404  # anonymous callers see findable DOIs only


def test_public_doi_is_findable_resolvable_and_readable_anonymously(sandbox, client, api, http):
    doi = client.public_doi(meta(), "https://example.org/landing", doi="weights-42")
    assert doi == "10.5072/weights-42"
    assert client.get_doi(doi) == "https://example.org/landing"
    anonymous = api("GET", f"/dois/{doi}", auth=False)
    assert anonymous.status_code == 200
    assert anonymous.headers["content-type"].startswith("application/vnd.api+json")
    data = anonymous.json()["data"]
    assert data["type"] == "dois" and data["id"] == doi
    attributes = data["attributes"]
    assert attributes["state"] == "findable" and attributes["isActive"] is True
    assert attributes["titles"] == META["titles"] and attributes["publicationYear"] == "2025"
    assert attributes["publisher"] == "Digital.CSIC"  # names only without ?publisher=true, as DataCite
    assert api("GET", f"/dois/{doi}", publisher="true").json()["data"]["attributes"]["publisher"] == META["publisher"]
    assert {"created", "updated", "suffix", "url", "creators", "types"} <= attributes.keys()
    resolved = http.get(f"{sandbox.urls['doi_resolver_api']}/{doi.upper()}").json()
    assert resolved["responseCode"] == 1
    assert [v["data"]["value"] for v in resolved["values"] if v["type"] == "URL"] == ["https://example.org/landing"]


def test_private_doi_update_url_hide_and_show(client, api):
    doi = client.private_doi(meta(), "https://example.org/a", doi="10.5072/run-7")
    assert client.get_metadata(doi)["state"] == "registered"
    assert api("GET", f"/dois/{doi}", auth=False).status_code == 404
    assert client.update_url(doi, "https://example.org/b") == "https://example.org/b"
    assert client.show_doi(doi)["state"] == "findable"
    assert client.hide_doi(doi)["state"] == "registered"
    assert client.get_doi(doi) == "https://example.org/b"


def test_draft_can_be_deleted_but_published_doi_cannot(client, api):
    draft = client.draft_doi(meta(), doi="to-delete")
    client.delete_doi(draft)
    with pytest.raises(DataCiteNotFoundError):
        client.get_metadata(draft)
    public = client.public_doi(meta(), "https://example.org/p")
    with pytest.raises(DataCiteError):
        client.delete_doi(public)
    r = api("DELETE", f"/dois/{public}")
    assert r.status_code == 405 and r.json()["errors"][0]["status"] == "405"
    assert client.get_metadata(public)["state"] == "findable"


def test_draft_then_publish_with_put(client, api):
    doi = client.draft_doi(meta())
    r = api("PUT", f"/dois/{doi}", {"data": {"attributes": {"event": "publish", "url": "https://example.org/z"}}})
    assert r.status_code == 200 and r.json()["data"]["attributes"]["state"] == "findable"
    # an event that does not apply to the current state is ignored, as DataCite's state machine does
    again = api("PUT", f"/dois/{doi}", {"data": {"attributes": {"event": "register"}}})
    assert again.status_code == 200 and again.json()["data"]["attributes"]["state"] == "findable"


def test_publish_needs_url_and_mandatory_metadata(api):
    body = {"data": {"type": "dois", "attributes": {"prefix": "10.5072", "event": "publish", "titles": []}}}
    r = api("POST", "/dois", body)
    assert r.status_code == 422
    sources = {e["source"] for e in r.json()["errors"]}
    assert sources == {"url", "titles", "creators", "publisher", "publicationYear", "types"}
    assert all(e["status"] == "422" for e in r.json()["errors"])


def test_wrong_prefix_duplicate_and_unknown_event_are_422(api):
    r = api("POST", "/dois", {"data": {"attributes": {"prefix": "10.9999"}}})
    assert r.status_code == 422 and r.json()["errors"][0]["title"]
    r = api("POST", "/dois", {"data": {"attributes": {"doi": "10.9999/x"}}})
    assert r.status_code == 422
    assert api("POST", "/dois", {"data": {"attributes": {"doi": "10.5072/twice"}}}).status_code == 201
    assert api("POST", "/dois", {"data": {"attributes": {"doi": "10.5072/TWICE"}}}).status_code == 422
    r = api("PUT", "/dois/10.5072/twice", {"data": {"attributes": {"event": "destroy"}}})
    assert r.status_code == 422


def test_writes_need_valid_credentials(sandbox, api):
    body = {"data": {"attributes": {"prefix": "10.5072"}}}
    assert api("POST", "/dois", body, auth=False).status_code == 401
    bad = type(sandbox.admin)(email=sandbox.admin.email, password="wrong", admin=True)
    r = api("POST", "/dois", body, auth=bad)
    assert r.status_code == 401 and r.json()["errors"][0]["status"] == "401"


def test_other_accounts_cannot_see_or_change_drafts(sandbox, client, api):
    doi = client.draft_doi(meta())
    assert api("GET", f"/dois/{doi}", auth=sandbox.submitter).status_code == 404
    r = api("PUT", f"/dois/{doi}", {"data": {"attributes": {"url": "https://evil.example"}}}, auth=sandbox.submitter)
    assert r.status_code == 403
    assert client.get_metadata(doi)["url"] is None


def test_put_creates_a_missing_doi(api):
    r = api("PUT", "/dois/10.5072/made-by-put", {"data": {"attributes": {"titles": [{"title": "T"}]}}})
    assert r.status_code == 201
    assert r.json()["data"]["attributes"]["state"] == "draft"
    assert api("GET", "/dois/10.5072/made-by-put").json()["data"]["attributes"]["titles"] == [{"title": "T"}]


def test_malformed_body_is_400(sandbox, http):
    r = http.post(
        f"{sandbox.urls['doi_api']}/dois",
        content=b"{not json",
        auth=(sandbox.admin.email, sandbox.admin.password),
        headers=JSONAPI,
    )
    assert r.status_code == 400 and r.json()["errors"][0]["status"] == "400"
