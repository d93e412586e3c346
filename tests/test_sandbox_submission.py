"""The DSpace submission flow of the sandbox over plain HTTP: workspace item, patches, upload, licence, deposit."""

from __future__ import annotations

import hashlib
import os
import re
import ssl
from pathlib import Path

import httpx

from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.server import running_sandbox

TLS = ssl.create_default_context()  # shared: building one per httpx client costs ~0.1 s, the server is plain HTTP
ENV = {
    "BRIDGE_SANDBOX_ADMIN_EMAIL": "admin@sandbox.test",
    "BRIDGE_SANDBOX_ADMIN_PASSWORD": "admin-secret-1",
    "BRIDGE_SANDBOX_SUBMITTER_EMAIL": "submitter@sandbox.test",
    "BRIDGE_SANDBOX_SUBMITTER_PASSWORD": "submitter-secret-1",
}
PAGE_ONE = "/sections/traditionalpageone"


def login(sandbox, email: str | None, password: str | None) -> httpx.Client:
    """Log in the way DSpace's Angular UI does: fetch a CSRF token, post the form, keep the Bearer token."""
    http = httpx.Client(base_url=sandbox.urls["rest"] + "/", timeout=10, verify=TLS)

    def track(response: httpx.Response) -> None:
        if token := response.headers.get("DSPACE-XSRF-TOKEN"):
            http.headers["X-XSRF-TOKEN"] = token

    http.event_hooks["response"] = [track]
    http.get("security/csrf")
    if email is not None:
        r = http.post("authn/login", data={"user": email, "password": password})
        assert r.status_code == 200, r.text
        http.headers["Authorization"] = r.headers["Authorization"]
    return http


def start_submission(http: httpx.Client, sandbox) -> dict:
    collection = sandbox.store.resolve_handle("10261/2")["resource"]
    r = http.post("submission/workspaceitems", params={"owningCollection": collection}, json={})
    assert r.status_code == 201, r.text
    return r.json()


def patch(http: httpx.Client, wsi: dict, ops: list[dict]) -> dict:
    r = http.patch(f"submission/workspaceitems/{wsi['id']}", json=ops)
    assert r.status_code == 200, r.text
    return r.json()


def add_file(http: httpx.Client, wsi: dict, name: str, data: bytes) -> dict:
    r = http.post(f"submission/workspaceitems/{wsi['id']}", files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == 201, r.text
    return r.json()


def deposit(http: httpx.Client, wsi: dict) -> httpx.Response:
    return http.post(
        "workflow/workflowitems", content=wsi["_links"]["self"]["href"], headers={"Content-Type": "text/uri-list"}
    )


def complete_submission(http: httpx.Client, sandbox, files: dict[str, bytes]) -> dict:
    wsi = start_submission(http, sandbox)
    patch(
        http,
        wsi,
        [
            {"op": "add", "path": f"{PAGE_ONE}/dc.title", "value": [{"value": "Jet tagger weights", "language": "en"}]},
            {"op": "add", "path": f"{PAGE_ONE}/dc.date.issued", "value": [{"value": "2026-11-25"}]},
            {"op": "add", "path": f"{PAGE_ONE}/dc.contributor.author", "value": [{"value": "Doe, Jane"}]},
            {"op": "add", "path": f"{PAGE_ONE}/dc.contributor.author/-", "value": {"value": "Roe, Richard"}},
            {"op": "add", "path": "/sections/traditionalpagetwo/dc.subject", "value": [{"value": "particle physics"}]},
        ],
    )
    for name, data in files.items():
        wsi = add_file(http, wsi, name, data)
    return patch(http, wsi, [{"op": "add", "path": "/sections/license/granted", "value": True}])


def test_full_submission_flow_archives_the_item_with_a_handle(sandbox) -> None:
    http = login(sandbox, sandbox.submitter.email, sandbox.submitter.password)
    wsi = start_submission(http, sandbox)
    assert wsi["type"] == "workspaceitem" and isinstance(wsi["id"], int)
    assert wsi["_links"]["self"]["href"] == f"{sandbox.base_url}/server/api/submission/workspaceitems/{wsi['id']}"
    messages = {e["message"]: e["paths"] for e in wsi["errors"]}
    assert messages == {
        "error.validation.required": [f"{PAGE_ONE}/dc.title", f"{PAGE_ONE}/dc.date.issued"],
        "error.validation.filerequired": ["/sections/upload"],
        "error.validation.license.notgranted": ["/sections/license"],
    }
    files = {"weights.safetensors": os.urandom(30_000), "README.md": b"# Jet tagger\n"}
    done = complete_submission(http, sandbox, files)
    assert done["errors"] == []
    assert [v["value"] for v in done["sections"]["traditionalpageone"]["dc.contributor.author"]] == [
        "Doe, Jane",
        "Roe, Richard",
    ]
    assert done["sections"]["traditionalpagetwo"]["dc.subject"][0]["value"] == "particle physics"
    assert done["sections"]["license"]["granted"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", done["sections"]["license"]["acceptanceDate"])
    uploaded = done["sections"]["upload"]["files"]
    assert [f["metadata"]["dc.title"][0]["value"] for f in uploaded] == list(files)
    assert [f["checkSum"]["value"] for f in uploaded] == [hashlib.md5(d).hexdigest() for d in files.values()]

    embedded = http.get(f"submission/workspaceitems/{done['id']}", params={"embed": "item"}).json()
    assert embedded["_embedded"]["item"]["_links"]["self"] == done["_links"]["item"]

    r = deposit(http, done)
    assert r.status_code == 201, r.text
    workflow = r.json()
    assert workflow["type"] == "workflowitem" and workflow["errors"] == []
    item = http.get(workflow["_links"]["item"]["href"]).json()
    assert item["uuid"] == done["_links"]["item"]["href"].rsplit("/", 1)[-1]  # the item keeps its UUID
    assert re.fullmatch(r"10261/\d+", item["handle"]) and item["inArchive"] is True
    assert item["metadata"]["dc.title"][0]["value"] == "Jet tagger weights"
    assert item["metadata"]["dc.identifier.uri"][0]["value"].endswith(f"/handle/{item['handle']}")
    assert {"dc.date.accessioned", "dc.date.available", "dc.description.provenance"} <= set(item["metadata"])

    public = httpx.Client(base_url=sandbox.urls["rest"] + "/", verify=TLS)
    bundles = public.get(f"core/items/{item['uuid']}/bundles").json()["_embedded"]["bundles"]
    assert [b["name"] for b in bundles] == ["ORIGINAL"]
    stored = public.get(bundles[0]["_links"]["bitstreams"]["href"]).json()["_embedded"]["bitstreams"]
    assert [b["name"] for b in stored] == list(files)
    for bs, data in zip(stored, files.values(), strict=True):
        assert bs["checkSum"]["value"] == hashlib.md5(data).hexdigest() and bs["sizeBytes"] == len(data)
        assert public.get(bs["_links"]["content"]["href"]).content == data
    found = public.get("pid/find", params={"id": f"hdl:{item['handle']}"}, follow_redirects=True)
    assert found.json()["uuid"] == item["uuid"]
    # the workspace item is gone once deposited
    assert http.get("submission/workspaceitems/search/item", params={"uuid": item["uuid"]}).status_code == 204
    assert http.get(f"submission/workspaceitems/{done['id']}").status_code == 404


def test_deposit_with_a_missing_title_is_refused(sandbox) -> None:
    http = login(sandbox, sandbox.submitter.email, sandbox.submitter.password)
    wsi = complete_submission(http, sandbox, {"data.csv": b"a,b\n"})
    wsi = patch(http, wsi, [{"op": "remove", "path": f"{PAGE_ONE}/dc.title"}])
    assert wsi["errors"] == [{"message": "error.validation.required", "paths": [f"{PAGE_ONE}/dc.title"]}]
    r = deposit(http, wsi)
    assert r.status_code == 422 and r.json()["status"] == 422
    item = http.get(wsi["_links"]["item"]["href"]).json()
    assert item["inArchive"] is False and item["handle"] is None


def test_workspace_items_belong_to_their_submitter(sandbox) -> None:
    sandbox.store.upsert_eperson("other@sandbox.test", "other-secret-1", admin=False)
    mine = login(sandbox, sandbox.submitter.email, sandbox.submitter.password)
    wsi = complete_submission(mine, sandbox, {"data.csv": b"x\n"})
    item_url = wsi["_links"]["item"]["href"]
    item_uuid = item_url.rsplit("/", 1)[-1]
    other = login(sandbox, "other@sandbox.test", "other-secret-1")
    nobody = login(sandbox, None, None)
    admin = login(sandbox, sandbox.admin.email, sandbox.admin.password)
    assert nobody.get(f"submission/workspaceitems/{wsi['id']}").status_code == 401
    assert other.get(f"submission/workspaceitems/{wsi['id']}").status_code == 403
    assert admin.get(f"submission/workspaceitems/{wsi['id']}").status_code == 200
    assert nobody.get(item_url).status_code == 401  # not archived: not public
    assert other.get(item_url).status_code == 403
    assert mine.get(item_url).json()["inArchive"] is False
    found = mine.get("submission/workspaceitems/search/item", params={"uuid": item_uuid})
    assert found.status_code == 200 and found.json()["id"] == wsi["id"]
    listed = mine.get(
        "submission/workspaceitems/search/findBySubmitter",
        params={"uuid": wsi["_links"]["submitter"]["href"].rsplit("/", 1)[-1], "embed": "item"},
    )
    assert [w["id"] for w in listed.json()["_embedded"]["workspaceitems"]] == [wsi["id"]]
    assert listed.json()["_embedded"]["workspaceitems"][0]["_embedded"]["item"]["uuid"] == item_uuid
    assert other.get(listed.request.url).status_code == 403
    assert deposit(other, wsi).status_code == 403
    r = other.patch(f"submission/workspaceitems/{wsi['id']}", json=[{"op": "remove", "path": f"{PAGE_ONE}/dc.title"}])
    assert r.status_code == 403
    unknown = mine.patch(f"submission/workspaceitems/{wsi['id']}", json=[{"op": "add", "path": "/sections/x/y"}])
    assert unknown.status_code == 422
    assert mine.delete(f"submission/workspaceitems/{wsi['id']}").status_code == 204
    assert admin.get(item_url).status_code == 404


def test_deposited_item_survives_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(data_dir=tmp_path / "data")
    files = {"model.h5": os.urandom(10_000)}
    with running_sandbox(config, env=ENV) as first:
        http = login(first, first.submitter.email, first.submitter.password)
        r = deposit(http, complete_submission(http, first, files))
        assert r.status_code == 201
        item = http.get(r.json()["_links"]["item"]["href"]).json()
    with running_sandbox(SandboxConfig(data_dir=tmp_path / "data"), env=ENV) as second:
        public = httpx.Client(base_url=second.urls["rest"] + "/", verify=TLS)
        again = public.get("pid/find", params={"id": item["handle"]}, follow_redirects=True).json()
        assert again["uuid"] == item["uuid"] and again["metadata"]["dc.title"] == item["metadata"]["dc.title"]
        bundle = public.get(f"core/items/{item['uuid']}/bundles").json()["_embedded"]["bundles"][0]
        bs = public.get(bundle["_links"]["bitstreams"]["href"]).json()["_embedded"]["bitstreams"][0]
        content = public.get(bs["_links"]["content"]["href"])
        assert content.content == files["model.h5"]
        assert content.headers["ETag"] == f'"{hashlib.md5(files["model.h5"]).hexdigest()}"'
        hits = public.get("discover/search/objects", params={"query": "jet tagger"}).json()
        assert hits["_embedded"]["searchResult"]["page"]["totalElements"] == 1
