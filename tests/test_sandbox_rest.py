"""The sandbox's DSpace REST API over real HTTP: CSRF, JWT, HAL, paging, errors, patch, files, pid/find, search."""

from __future__ import annotations

import hashlib
import json
import os
import re
import ssl
import time
import uuid
from pathlib import Path

import httpx
import jwt
import pytest

from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.server import running_sandbox
from bridge.sandbox.store import Store, metadata_value

CSRF_MESSAGE = "Access is denied. Invalid CSRF token."
TLS = ssl.create_default_context()  # shared: building one per httpx client costs ~0.1 s, the server is plain HTTP
ENV = {
    "BRIDGE_SANDBOX_ADMIN_EMAIL": "admin@sandbox.test",
    "BRIDGE_SANDBOX_ADMIN_PASSWORD": "admin-secret-1",
    "BRIDGE_SANDBOX_SUBMITTER_EMAIL": "submitter@sandbox.test",
    "BRIDGE_SANDBOX_SUBMITTER_PASSWORD": "submitter-secret-1",
}


def anonymous(sandbox) -> httpx.Client:
    """Return a plain client on the API (no CSRF handling, not logged in)."""
    return httpx.Client(base_url=sandbox.urls["rest"] + "/", timeout=10, verify=TLS)


def client(sandbox, account=None) -> httpx.Client:
    """Return an httpx client on the API that keeps its CSRF token current (and is logged in as `account`)."""
    http = anonymous(sandbox)

    def track(response: httpx.Response) -> None:
        if token := response.headers.get("DSPACE-XSRF-TOKEN"):
            http.headers["X-XSRF-TOKEN"] = token

    http.event_hooks["response"] = [track]
    assert http.get("security/csrf").status_code == 204
    if account is not None:
        r = http.post("authn/login", data={"user": account.email, "password": account.password})
        assert r.status_code == 200, r.text
        http.headers["Authorization"] = r.headers["Authorization"]
    return http


def collection_uuid(sandbox) -> str:
    return sandbox.store.resolve_handle("10261/2")["resource"]


def create_item(http: httpx.Client, sandbox, title: str, **extra: list[str]) -> dict:
    metadata = {"dc.title": [{"value": title, "language": "en"}]}
    metadata |= {k.replace("_", "."): [{"value": v} for v in vs] for k, vs in extra.items()}
    r = http.post("core/items", params={"owningCollection": collection_uuid(sandbox)}, json={"metadata": metadata})
    assert r.status_code == 201, r.text
    return r.json()


def multipart(parts: list[tuple[str, str | None, bytes, str | None]]) -> tuple[bytes, str]:
    """Build a multipart body by hand (so file names reach the server exactly as written)."""
    boundary = "sandbox-test-boundary-7f3a"
    out = b""
    for name, filename, data, ctype in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        out += f"Content-Type: {ctype}\r\n".encode() if ctype else b""
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(http: httpx.Client, bundle: str, name: str, data: bytes, properties: str | None = None) -> httpx.Response:
    parts = [("properties", None, properties.encode(), None)] if properties is not None else []
    body, ctype = multipart([*parts, ("file", name, data, "application/octet-stream")])
    return http.post(f"core/bundles/{bundle}/bitstreams", content=body, headers={"Content-Type": ctype})


def item_with_file(http: httpx.Client, sandbox, data: bytes, name: str = "weights.bin") -> tuple[dict, dict]:
    item = create_item(http, sandbox, "Item with a file")
    bundle = http.post(f"core/items/{item['uuid']}/bundles", json={"name": "ORIGINAL", "metadata": {}})
    assert bundle.status_code == 201, bundle.text
    r = upload(http, bundle.json()["uuid"], name, data)
    assert r.status_code == 201, r.text
    return item, r.json()


def assert_spring_error(r: httpx.Response, status: int, message: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"timestamp", "status", "error", "message", "path"}
    assert body["status"] == status and body["path"].startswith("/server/api")
    if message is not None:
        assert body["message"] == message
    return body


# -- CSRF and authentication -------------------------------------------------------------------------------
def test_first_login_without_csrf_is_refused_with_a_token_and_the_retry_succeeds(sandbox) -> None:
    http = anonymous(sandbox)
    form = {"user": sandbox.admin.email, "password": sandbox.admin.password}
    r = http.post("authn/login", data=form)
    assert_spring_error(r, 403, CSRF_MESSAGE)
    token = r.headers["DSPACE-XSRF-TOKEN"]
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"DSPACE-XSRF-COOKIE={token};")
    assert "Path=/server" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert http.cookies["DSPACE-XSRF-COOKIE"] == token
    r = http.post("authn/login", data=form, headers={"X-XSRF-TOKEN": token})
    assert r.status_code == 200
    assert r.headers["Authorization"].startswith("Bearer ey")
    assert r.headers["DSPACE-XSRF-TOKEN"] != token  # rotated on login
    assert http.cookies["DSPACE-XSRF-COOKIE"] == r.headers["DSPACE-XSRF-TOKEN"]


def test_mismatched_csrf_token_is_refused_with_a_fresh_token(sandbox) -> None:
    http = client(sandbox, sandbox.admin)
    good = http.headers["X-XSRF-TOKEN"]
    r = http.post("authn/logout", headers={"X-XSRF-TOKEN": "not-the-token"})
    assert_spring_error(r, 403, CSRF_MESSAGE)
    fresh = r.headers["DSPACE-XSRF-TOKEN"]
    assert fresh not in (good, "not-the-token")
    assert http.cookies["DSPACE-XSRF-COOKIE"] == fresh
    # a write without any token header is refused too, even when logged in
    del http.headers["X-XSRF-TOKEN"]
    assert_spring_error(http.post("core/communities", json={"name": "x"}), 403, CSRF_MESSAGE)
    assert http.post("authn/logout").status_code == 204  # the tracked fresh token works


def test_login_failure_status_logout_and_refresh(sandbox) -> None:
    http = client(sandbox)
    r = http.post("authn/login", data={"user": sandbox.admin.email, "password": "wrong"})
    assert_spring_error(r, 401)
    assert r.headers["WWW-Authenticate"] == 'password realm="DSpace REST API"'
    status = http.get("authn/status").json()
    assert status["okay"] is True and status["authenticated"] is False and status["type"] == "status"

    http = client(sandbox, sandbox.submitter)
    status = http.get("authn/status").json()
    assert status["authenticated"] is True
    assert status["_embedded"]["eperson"]["email"] == sandbox.submitter.email
    refreshed = http.post("authn/login")  # only the Bearer: a new token comes back
    assert refreshed.status_code == 200 and refreshed.headers["Authorization"].startswith("Bearer ")

    old = http.headers["Authorization"]
    assert http.post("authn/logout").status_code == 204
    assert http.get("authn/status").json()["authenticated"] is False
    r = http.post("submission/workspaceitems", headers={"Authorization": old})
    assert_spring_error(r, 401, "Authentication is required")


def test_jwt_is_signed_with_the_sandbox_secret_and_survives_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(data_dir=tmp_path / "data", jwt_ttl=600)
    with running_sandbox(config, env=ENV) as first:
        token = client(first, first.admin).headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, first.sandbox.jwt_secret, algorithms=["HS256"])
        admin = first.store.authenticate(first.admin.email, first.admin.password)
        assert claims["eid"] == admin["uuid"] and claims["sg"] == []
        assert abs(claims["exp"] - (time.time() + 600)) < 5
    with running_sandbox(SandboxConfig(data_dir=tmp_path / "data"), env=ENV) as second:
        public = anonymous(second)
        r = public.get("authn/status", headers={"Authorization": f"Bearer {token}"})
        assert r.json()["authenticated"] is True
        forged = jwt.encode({"eid": admin["uuid"], "sg": [], "exp": int(time.time()) + 60}, "k" * 32, "HS256")
        expired = jwt.encode({"eid": admin["uuid"], "sg": [], "exp": int(time.time()) - 5}, second.sandbox.jwt_secret)
        for bad in (forged, expired):
            r = public.get("authn/status", headers={"Authorization": f"Bearer {bad}"})
            assert r.json()["authenticated"] is False


def test_short_lived_token_opens_a_download_but_not_a_write(sandbox) -> None:
    admin = client(sandbox, sandbox.admin)
    data = os.urandom(2048)
    item, bs = item_with_file(admin, sandbox, data)
    r = admin.patch(f"core/items/{item['uuid']}", json=[{"op": "replace", "path": "/withdrawn", "value": True}])
    assert r.status_code == 200
    url = f"core/bitstreams/{bs['uuid']}/content"
    public = anonymous(sandbox)
    assert_spring_error(public.get(url), 401)  # a withdrawn item's files are for admins only
    token = admin.post("authn/shortlivedtokens").json()["token"]
    assert public.get(url, params={"authentication-token": token}).content == data
    assert public.get(url, headers={"Authorization": token}).content == data  # raw, as dspace-rest-client
    write = client(sandbox)
    r = write.post("core/communities", json={"name": "no"}, headers={"Authorization": f"Bearer {token}"})
    assert_spring_error(r, 401)


# -- HAL, paging, errors ----------------------------------------------------------------------------------
def test_item_is_hal_with_absolute_links(sandbox) -> None:
    admin = client(sandbox, sandbox.admin)
    created = create_item(admin, sandbox, "HAL shape", dc_contributor_author=["Doe, Jane"])
    public = anonymous(sandbox)
    item = public.get(f"core/items/{created['uuid']}").json()
    assert item["id"] == item["uuid"] == created["uuid"] and item["type"] == "item"
    assert re.fullmatch(r"10261/\d+", item["handle"])
    assert item["inArchive"] is True and item["discoverable"] is True and item["withdrawn"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", item["lastModified"])
    assert item["metadata"]["dc.title"] == [
        {"value": "HAL shape", "language": "en", "authority": None, "confidence": -1, "place": 0}
    ]
    assert item["metadata"]["dc.identifier.uri"][0]["value"].endswith(f"/handle/{item['handle']}")
    assert "dc.date.accessioned" in item["metadata"] and "dc.date.available" in item["metadata"]
    assert item["_links"]["self"]["href"] == f"{sandbox.base_url}/server/api/core/items/{item['uuid']}"
    assert {"bundles", "owningCollection", "self"} <= set(item["_links"])
    assert all(link["href"].startswith(sandbox.base_url + "/server/api/") for link in item["_links"].values())
    embedded = public.get(item["_links"]["self"]["href"], params={"embed": "owningCollection"}).json()
    assert embedded["_embedded"]["owningCollection"]["handle"] == "10261/2"
    root = public.get(sandbox.urls["rest"]).json()
    assert root["_links"]["items"]["href"] == f"{sandbox.base_url}/server/api/core/items"


def test_pagination_with_next_links(sandbox) -> None:
    admin = client(sandbox, sandbox.admin)
    made = {create_item(admin, sandbox, f"Paged item {i}")["uuid"] for i in range(5)}
    first = admin.get("core/items", params={"size": 2}).json()
    assert first["page"] == {"size": 2, "totalElements": 5, "totalPages": 3, "number": 0}
    assert "prev" not in first["_links"] and first["_links"]["last"]["href"].endswith("page=2&size=2")
    seen, page = [], first
    while True:
        seen += [i["uuid"] for i in page["_embedded"]["items"]]
        if "next" not in page["_links"]:
            break
        assert page["_links"]["next"]["href"].startswith(sandbox.base_url)
        page = admin.get(page["_links"]["next"]["href"]).json()
    assert page["page"]["number"] == 2 and len(seen) == 5 and set(seen) == made
    beyond = admin.get("core/items", params={"page": 9, "size": 2}).json()
    assert beyond["_embedded"]["items"] == [] and beyond["page"]["totalElements"] == 5
    assert admin.get("core/items", params={"size": 100000}).json()["page"]["size"] == 1000
    assert_spring_error(admin.get("core/items", params={"page": "-1"}), 400)
    assert_spring_error(admin.get("core/items", params={"size": "many"}), 400)


def test_spring_error_json_for_401_403_404_422(sandbox) -> None:
    nobody, submitter = client(sandbox), client(sandbox, sandbox.submitter)
    coll = collection_uuid(sandbox)
    r = nobody.post("core/items", params={"owningCollection": coll}, json={"metadata": {}})
    assert_spring_error(r, 401, "Authentication is required")
    assert_spring_error(submitter.post("core/communities", json={"name": "x"}), 403, "Access is denied")
    assert_spring_error(nobody.get(f"core/items/{uuid.uuid4()}"), 404)
    assert_spring_error(nobody.get("core/no-such-endpoint"), 404)
    admin = client(sandbox, sandbox.admin)
    r = admin.post("core/items", params={"owningCollection": coll}, json={"metadata": {"nonsense.field": []}})
    assert_spring_error(r, 422)


# -- JSON Patch -------------------------------------------------------------------------------------------
def test_json_patch_on_item_metadata(sandbox) -> None:
    admin = client(sandbox, sandbox.admin)
    item = create_item(admin, sandbox, "Old title")
    url = f"core/items/{item['uuid']}"
    ops = [
        {"op": "add", "path": "/metadata/dc.subject", "value": [{"value": "alpha"}]},
        {"op": "add", "path": "/metadata/dc.subject/-", "value": {"value": "beta"}},
        {"op": "add", "path": "/metadata/dc.subject/0", "value": {"value": "first"}},
        {"op": "replace", "path": "/metadata/dc.title/0", "value": {"value": "New title", "language": "en"}},
        {"op": "replace", "path": "/metadata/dc.subject/1/language", "value": "es"},
        {"op": "remove", "path": "/metadata/dc.subject/2"},
    ]
    r = admin.patch(url, json=ops)
    assert r.status_code == 200 and r.json()["id"] == item["uuid"] and r.json()["type"] == "item"
    md = admin.get(url).json()["metadata"]
    assert [(v["value"], v["language"], v["place"]) for v in md["dc.subject"]] == [
        ("first", None, 0),
        ("alpha", "es", 1),
    ]
    assert md["dc.title"][0]["value"] == "New title"
    r = admin.patch(url, json=[{"op": "move", "from": "/metadata/dc.subject/1", "path": "/metadata/dc.subject/0"}])
    assert [v["value"] for v in r.json()["metadata"]["dc.subject"]] == ["alpha", "first"]
    r = admin.patch(url, json=[{"op": "remove", "path": "/metadata/dc.subject"}])
    assert "dc.subject" not in r.json()["metadata"]
    found = admin.get("discover/search/objects", params={"query": "dc.title:new"}).json()
    assert found["_embedded"]["searchResult"]["page"]["totalElements"] == 1  # the word index follows patches


def test_bad_patches_are_refused_without_changing_anything(sandbox) -> None:
    admin = client(sandbox, sandbox.admin)
    item = create_item(admin, sandbox, "Stable")
    url = f"core/items/{item['uuid']}"
    good = {"op": "add", "path": "/metadata/dc.subject", "value": [{"value": "kept?"}]}
    assert_spring_error(admin.patch(url, json=[good, {"op": "replace", "path": "/nonsense", "value": 1}]), 422)
    assert_spring_error(admin.patch(url, json=[{"op": "add", "path": "/metadata/foo.bar", "value": []}]), 422)
    assert_spring_error(admin.patch(url, json=[{"op": "replace", "path": "/metadata/dc.title/7", "value": {}}]), 422)
    assert_spring_error(admin.patch(url, json=[{"op": "copy", "path": "/metadata/dc.title", "from": "/x"}]), 422)
    assert_spring_error(admin.patch(url, json={"not": "a patch"}), 400)
    assert_spring_error(admin.patch(url, content=b"[]", headers={"Content-Type": "text/plain"}), 415)
    assert "dc.subject" not in admin.get(url).json()["metadata"]
    submitter = client(sandbox, sandbox.submitter)
    assert_spring_error(submitter.patch(url, json=[good]), 403)  # archived items are the admins'


def test_withdraw_reinstate_and_discoverable(sandbox) -> None:
    admin = client(sandbox, sandbox.admin)
    item = create_item(admin, sandbox, "Withdrawable", dc_subject=["tombstone"])
    url = f"core/items/{item['uuid']}"
    public = anonymous(sandbox)

    def anonymous_hits() -> int:
        r = public.get("discover/search/objects", params={"query": "tombstone"})
        return r.json()["_embedded"]["searchResult"]["page"]["totalElements"]

    assert anonymous_hits() == 1
    r = admin.patch(url, json=[{"op": "replace", "path": "/withdrawn", "value": True}])
    assert r.json()["inArchive"] is False and r.json()["withdrawn"] is True
    tombstone = public.get(url).json()
    assert tombstone["withdrawn"] is True and tombstone["metadata"] == {}
    assert admin.get(url).json()["metadata"]["dc.title"][0]["value"] == "Withdrawable"
    assert anonymous_hits() == 0
    admin_hits = admin.get("discover/search/objects", params={"query": "tombstone"}).json()
    assert admin_hits["_embedded"]["searchResult"]["page"]["totalElements"] == 1  # admins find withdrawn items
    r = admin.patch(url, json=[{"op": "replace", "path": "/withdrawn", "value": "false"}])
    assert r.json()["inArchive"] is True and r.json()["withdrawn"] is False
    r = admin.patch(url, json=[{"op": "replace", "path": "/discoverable", "value": False}])
    assert r.json()["discoverable"] is False
    assert anonymous_hits() == 0
    assert_spring_error(public.get(url), 401)


# -- files ------------------------------------------------------------------------------------------------
def test_bitstream_upload_checksum_content_and_etag(sandbox) -> None:
    admin = client(sandbox, sandbox.admin)
    item = create_item(admin, sandbox, "Files")
    bundle = admin.post(f"core/items/{item['uuid']}/bundles", json={"name": "ORIGINAL", "metadata": {}}).json()
    data = os.urandom(200_000)
    properties = json.dumps({"name": "..\\..\\evil/../we\x07ights.bin", "metadata": {}}) + ";application/json"
    body, ctype = multipart([("properties", None, properties.encode(), None), ("file", "x.bin", data, None)])
    # dspace-rest-client labels the plain multipart body gzip; the server must not try to decode it
    r = admin.post(
        f"core/bundles/{bundle['uuid']}/bitstreams",
        content=body,
        headers={"Content-Type": ctype, "Content-Encoding": "gzip"},
    )
    assert r.status_code == 201, r.text
    bs = r.json()
    assert bs["name"] == "weights.bin" and bs["bundleName"] == "ORIGINAL" and bs["sequenceId"] == 1
    assert bs["sizeBytes"] == len(data)
    assert bs["checkSum"] == {"checkSumAlgorithm": "MD5", "value": hashlib.md5(data).hexdigest()}
    public = anonymous(sandbox)
    content = public.get(bs["_links"]["content"]["href"])
    assert content.status_code == 200 and content.content == data
    assert content.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert content.headers["Content-Length"] == str(len(data))
    assert content.headers["Content-Type"] == "application/octet-stream"
    assert content.headers["Content-Disposition"].startswith('attachment; filename="weights.bin"')
    again = public.get(bs["_links"]["content"]["href"], headers={"If-None-Match": content.headers["ETag"]})
    assert again.status_code == 304
    listed = admin.get(f"core/bundles/{bundle['uuid']}/bitstreams").json()["_embedded"]["bitstreams"]
    assert [b["uuid"] for b in listed] == [bs["uuid"]]
    bundles = public.get(f"core/items/{item['uuid']}/bundles").json()
    assert bundles["_embedded"]["bundles"][0]["_links"]["bitstreams"]["href"].endswith("/bitstreams")
    r = upload(admin, bundle["uuid"], "données.csv", b"a,b\n1,2\n")
    assert r.json()["name"] == "données.csv" and r.json()["sequenceId"] == 2
    csv = public.get(r.json()["_links"]["content"]["href"])
    assert csv.headers["Content-Type"] == "text/csv"  # guessed from the name, no charset invented
    assert "filename*=UTF-8''donn%C3%A9es.csv" in csv.headers["Content-Disposition"]


def test_upload_limit_gives_413_and_leaves_no_file(tmp_path: Path) -> None:
    config = SandboxConfig(data_dir=tmp_path / "data", upload_limit=1024)
    with running_sandbox(config, env=ENV) as small:
        admin = client(small, small.admin)
        item = create_item(admin, small, "Limited")
        bundle = admin.post(f"core/items/{item['uuid']}/bundles", json={"name": "ORIGINAL"}).json()
        assert_spring_error(upload(admin, bundle["uuid"], "big.bin", os.urandom(4096)), 413)
        # a body under the declared length check but over the limit is cut off while streaming
        body, ctype = multipart([("file", "big.bin", os.urandom(1500), None)])
        r = admin.post(
            f"core/bundles/{bundle['uuid']}/bitstreams", content=iter([body]), headers={"Content-Type": ctype}
        )
        assert_spring_error(r, 413)
        assert not [p for p in small.store.assetstore.rglob("*") if p.is_file()]
        assert upload(admin, bundle["uuid"], "ok.bin", os.urandom(1000)).status_code == 201


# -- identifiers and search -------------------------------------------------------------------------------
def test_pid_find_redirects_every_handle_form_and_dois(sandbox) -> None:
    admin = client(sandbox, sandbox.admin)
    item = create_item(admin, sandbox, "Findable", dc_identifier_doi=["https://doi.org/10.5072/dspace/77"])
    handle, self_href = item["handle"], item["_links"]["self"]["href"]
    public = anonymous(sandbox)
    forms = [handle, f"hdl:{handle}", f"https://hdl.handle.net/{handle}", f"http://example.org/handle/{handle}"]
    forms += ["doi:10.5072/DSPACE/77", "https://doi.org/10.5072/dspace/77", "10.5072/dspace/77"]
    for form in forms:
        r = public.get("pid/find", params={"id": form})
        assert r.status_code == 302 and r.headers["Location"] == self_href, form
    followed = public.get("pid/find", params={"id": f"hdl:{handle}"}, follow_redirects=True)
    assert followed.status_code == 200 and followed.json()["uuid"] == item["uuid"]
    assert_spring_error(public.get("pid/find", params={"id": "10261/999999"}), 404)
    assert_spring_error(public.get("pid/find"), 400)
    assert_spring_error(public.get("pid/find", params={"id": "not an identifier"}), 501)


def test_search_query_forms_scope_type_and_paging(sandbox) -> None:
    admin = client(sandbox, sandbox.admin)
    a = create_item(admin, sandbox, "Neural network weights for jet tagging", dc_identifier_other=["bridge-abc123"])
    b = create_item(admin, sandbox, "Anonymised monitoring logs", dc_subject=["Network monitoring"])
    public = anonymous(sandbox)

    def hits(**params: str) -> list[str]:
        r = public.get("discover/search/objects", params=params)
        assert r.status_code == 200, r.text
        results = r.json()["_embedded"]["searchResult"]
        return [o["_embedded"]["indexableObject"].get("uuid") for o in results["_embedded"]["objects"]]

    assert set(hits(query="NETWORK", dsoType="item")) == {a["uuid"], b["uuid"]}
    assert hits(query="dc.identifier.other:bridge-abc123") == [a["uuid"]]
    assert hits(query='dc.title:"jet tagging"') == [a["uuid"]]
    assert hits(query='dc.title:"tagging jet"') == []
    assert hits(query="network AND monitoring", dsoType="item") == [b["uuid"]]
    assert set(hits(query="jet OR anonymised", dsoType="item")) == {a["uuid"], b["uuid"]}
    assert hits(query="monit*", dsoType="item") == [b["uuid"]]
    assert len(hits(query="*:*", dsoType="item")) == 2
    assert set(hits(query="*:*", dsoType="ITEM", scope=collection_uuid(sandbox))) == {a["uuid"], b["uuid"]}
    community = sandbox.store.resolve_handle("10261/1")["resource"]
    assert len(hits(query="*:*", dsoType="item", scope=community)) == 2
    assert hits(query="*:*", dsoType="item", scope=str(uuid.uuid4())) == []
    assert hits(query="cantabria", dsoType="community") == [community]
    page = public.get("discover/search/objects", params={"query": "*:*", "dsoType": "item", "size": 1}).json()
    result = page["_embedded"]["searchResult"]
    assert result["page"] == {"size": 1, "totalElements": 2, "totalPages": 2, "number": 0}
    second = public.get(result["_links"]["next"]["href"]).json()["_embedded"]["searchResult"]
    assert second["page"]["number"] == 1
    titles = [
        o["_embedded"]["indexableObject"]["name"]
        for o in public.get(
            "discover/search/objects", params={"query": "*:*", "dsoType": "item", "sort": "dc.title,asc"}
        ).json()["_embedded"]["searchResult"]["_embedded"]["objects"]
    ]
    assert titles == sorted(titles)
    assert_spring_error(public.get("discover/search/objects", params={"sort": "dc.title,sideways"}), 400)


def test_search_index_covers_items_stored_before_the_api_started(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    store = Store(data_dir)
    store.create_community("Seeded community")
    coll = store.create_collection("Seeded collection", store.communities()[0]["uuid"])
    store.create_item(coll["uuid"], {"dc.title": [metadata_value("Prehistoric seeded record")]})
    store.close()
    with running_sandbox(SandboxConfig(data_dir=data_dir), env=ENV) as started:
        r = anonymous(started).get("discover/search/objects", params={"query": "prehistoric"})
        assert r.json()["_embedded"]["searchResult"]["page"]["totalElements"] == 1


@pytest.mark.parametrize("path", ["core/communities", "core/collections", "core/communities/search/top"])
def test_container_lists_are_public(sandbox, path: str) -> None:
    body = anonymous(sandbox).get(path).json()
    key = path.split("/")[1]
    assert body["page"]["totalElements"] == 1 and body["_embedded"][key][0]["handle"] in ("10261/1", "10261/2")
