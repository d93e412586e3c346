"""The sandbox's stored landing pages are never stale: every way of changing an item shows in the next GET."""

from __future__ import annotations

import httpx
from sandbox_helpers import archived, rest

from bridge.sandbox.store import metadata_value


def landing(sandbox, http: httpx.Client, handle: str) -> httpx.Response:
    return http.get(f"{sandbox.base_url}/handle/{handle}")


def test_rest_patch_new_bitstream_and_withdraw_show_at_once(sandbox) -> None:
    admin, http = rest(sandbox), httpx.Client(timeout=30)
    r = admin.post(
        "core/items",
        params={"owningCollection": sandbox.store.resolve_handle("10261/2")["resource"]},
        json={"metadata": {"dc.title": [{"value": "First title", "language": "en"}]}},
    )
    assert r.status_code == 201, r.text
    item = r.json()
    first = landing(sandbox, http, item["handle"])
    assert first.status_code == 200 and "<title>First title</title>" in first.text
    assert landing(sandbox, http, item["handle"]).content == first.content  # stored: the same bytes again
    assert sandbox.store.query("SELECT 1 FROM oai_fragment WHERE item = ? AND prefix LIKE 'landing %'", (item["uuid"],))
    # A metadata PATCH…
    ops = [{"op": "replace", "path": "/metadata/dc.title/0", "value": {"value": "Second title", "language": "en"}}]
    assert admin.patch(f"core/items/{item['uuid']}", json=ops).status_code == 200
    second = landing(sandbox, http, item["handle"])
    assert "<title>Second title</title>" in second.text and "First title" not in second.text
    # … a new bitstream (in the table and the Link header at once) …
    assert "w.csv" not in second.text and "/bitstream/" not in second.headers["link"]
    bundle = admin.post(f"core/items/{item['uuid']}/bundles", json={"name": "ORIGINAL", "metadata": {}})
    assert bundle.status_code == 201, bundle.text
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="w.csv"\r\nContent-Type: text/csv\r\n\r\n'
    body += b"a,b\n1,2\n\r\n--b--\r\n"
    r = admin.post(
        f"core/bundles/{bundle.json()['uuid']}/bitstreams",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 201, r.text
    third = landing(sandbox, http, item["handle"])
    assert "w.csv" in third.text and "/w.csv>" in third.headers["link"]
    # … and withdrawal: a 410 tombstone with no Signposting.
    ops = [{"op": "replace", "path": "/withdrawn", "value": True}]
    assert admin.patch(f"core/items/{item['uuid']}", json=ops).status_code == 200
    gone = landing(sandbox, http, item["handle"])
    assert gone.status_code == 410 and "link" not in gone.headers and "citation_title" not in gone.text
    admin.close()
    http.close()


def test_store_paths_and_raw_sql_never_serve_a_stale_page(sandbox) -> None:
    store, http = sandbox.store, httpx.Client(timeout=30)
    row = archived(store, "v0")
    for i in range(1, 4):  # every change is followed at once by a read: it must show that change
        store.update_item(row["uuid"], metadata={"dc.title": [metadata_value(f"v{i}", "en")]}, touch=i % 2 == 0)
        assert f"<title>v{i}</title>" in landing(sandbox, http, row["handle"]).text
    # A change made by nobody's code path (a raw UPDATE) is caught by the triggers too.
    store.query("UPDATE item SET metadata = replace(metadata, '\"v3\"', '\"raw\"') WHERE uuid = ?", (row["uuid"],))
    assert "<title>raw</title>" in landing(sandbox, http, row["handle"]).text
    # A file added and deleted through the store shows and goes at once.
    bundle = store.create_bundle(row["uuid"], "ORIGINAL")
    storage, size, md5 = store.store_file([b"data"])
    bs = store.create_bitstream(bundle["uuid"], "d.bin", storage, size, md5, "application/x-test")
    assert "d.bin" in landing(sandbox, http, row["handle"]).text
    store.delete_bitstream(bs["uuid"])
    assert "d.bin" not in landing(sandbox, http, row["handle"]).text
    # Made undiscoverable, the page loses its Signposting header; discoverable again, it is back.
    store.update_item(row["uuid"], discoverable=False)
    assert "link" not in landing(sandbox, http, row["handle"]).headers
    store.update_item(row["uuid"], discoverable=True)
    assert "cite-as" in landing(sandbox, http, row["handle"]).headers["link"]
    # Withdrawn and reinstated through the store.
    store.update_item(row["uuid"], withdrawn=True)
    assert landing(sandbox, http, row["handle"]).status_code == 410
    store.update_item(row["uuid"], withdrawn=False)
    assert landing(sandbox, http, row["handle"]).status_code == 200
    http.close()
