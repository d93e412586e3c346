"""The sandbox's pre-rendered OAI-PMH records are never stale: every way of changing an item re-renders it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from sandbox_helpers import archived, rest

from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.oai.fragments import Fragments
from bridge.sandbox.server import running_sandbox
from bridge.sandbox.store import metadata_value

NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dcite": "http://datacite.org/schema/kernel-4",
}
XSD = "oai-pmh-response.xsd"
HOST = "sandbox.oai-bridge.test"


@pytest.fixture
def oai(sandbox, assert_valid):
    """Return get(**args) -> the parsed, XSD-validated OAI-PMH response."""
    http = httpx.Client(timeout=30)

    def get(**args: str) -> etree._Element:
        response = http.get(sandbox.urls["oai"], params=args)
        assert response.status_code == 200
        return assert_valid(response.content, XSD)

    yield get
    http.close()


def titles(oai: Any, handle: str, prefix: str = "oai_dc") -> list[str]:
    doc = oai(verb="GetRecord", identifier=f"oai:{HOST}:{handle}", metadataPrefix=prefix)
    path = "//dc:title/text()" if prefix == "oai_dc" else "//dcite:title/text()"
    return [str(t) for t in doc.xpath(path, namespaces=NS)]


def listed(oai: Any, prefix: str = "oai_dc") -> dict[str, etree._Element]:
    doc = oai(verb="ListRecords", metadataPrefix=prefix)
    return {r.findtext("o:header/o:identifier", namespaces=NS): r for r in doc.iterfind(".//o:record", NS)}


def test_rest_patch_withdraw_and_new_bitstream_show_at_once(sandbox, oai) -> None:
    admin = rest(sandbox)
    r = admin.post(
        "core/items",
        params={"owningCollection": sandbox.store.resolve_handle("10261/2")["resource"]},
        json={"metadata": {"dc.title": [{"value": "First title", "language": "en"}]}},
    )
    assert r.status_code == 201, r.text
    item = r.json()
    handle = item["handle"]
    assert titles(oai, handle) == ["First title"]
    assert titles(oai, handle, "oai_datacite") == ["First title"]
    # A metadata PATCH (the REST path the bridge's dspace7 target uses)…
    ops = [{"op": "replace", "path": "/metadata/dc.title/0", "value": {"value": "Second title", "language": "en"}}]
    assert admin.patch(f"core/items/{item['uuid']}", json=ops).status_code == 200
    assert titles(oai, handle) == ["Second title"]
    assert titles(oai, handle, "oai_datacite") == ["Second title"]
    record = listed(oai)[f"oai:{HOST}:{handle}"]
    assert record.xpath(".//dc:title/text()", namespaces=NS) == ["Second title"]
    # … a new bitstream (its format shows in oai_dc, its size in DataCite) …
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
    doc = oai(verb="GetRecord", identifier=f"oai:{HOST}:{handle}", metadataPrefix="oai_datacite")
    assert doc.xpath("//dcite:size/text()", namespaces=NS) == ["8 bytes"]
    doc = oai(verb="GetRecord", identifier=f"oai:{HOST}:{handle}", metadataPrefix="oai_dc")
    assert "text/csv" in doc.xpath("//dc:format/text()", namespaces=NS)
    # … and withdrawal: a deleted header, no metadata.
    ops = [{"op": "replace", "path": "/withdrawn", "value": True}]
    assert admin.patch(f"core/items/{item['uuid']}", json=ops).status_code == 200
    doc = oai(verb="GetRecord", identifier=f"oai:{HOST}:{handle}", metadataPrefix="oai_dc")
    assert doc.find(".//o:header", NS).get("status") == "deleted"
    assert doc.find(".//o:metadata", NS) is None
    admin.close()


def test_store_paths_and_raw_sql_never_serve_a_stale_record(sandbox, oai) -> None:
    store = sandbox.store
    row = archived(store, "v0")
    for i in range(1, 6):  # every change is followed at once by a read: it must show that change
        store.update_item(row["uuid"], metadata={"dc.title": [metadata_value(f"v{i}", "en")]}, touch=i % 2 == 0)
        assert titles(oai, row["handle"]) == [f"v{i}"]
        assert titles(oai, row["handle"], "oai_datacite") == [f"v{i}"]
    # A change made by nobody's code path (a raw UPDATE) is caught by the triggers too.
    store.query("UPDATE item SET metadata = replace(metadata, '\"v5\"', '\"raw\"') WHERE uuid = ?", (row["uuid"],))
    assert titles(oai, row["handle"]) == ["raw"]
    # Deleting the only bitstream takes its format out of oai_dc.
    bundle = store.create_bundle(row["uuid"], "ORIGINAL")
    storage, size, md5 = store.store_file([b"data"])
    bs = store.create_bitstream(bundle["uuid"], "d.bin", storage, size, md5, "application/x-test")
    formats = oai(verb="GetRecord", identifier=f"oai:{HOST}:{row['handle']}", metadataPrefix="oai_dc")
    assert "application/x-test" in formats.xpath("//dc:format/text()", namespaces=NS)
    store.delete_bitstream(bs["uuid"])
    formats = oai(verb="GetRecord", identifier=f"oai:{HOST}:{row['handle']}", metadataPrefix="oai_dc")
    assert "application/x-test" not in formats.xpath("//dc:format/text()", namespaces=NS)
    # An undiscoverable item is a deleted header; made discoverable again, its (new) metadata is back.
    store.update_item(row["uuid"], discoverable=False)
    assert listed(oai)[f"oai:{HOST}:{row['handle']}"].find("o:header", NS).get("status") == "deleted"
    store.update_item(row["uuid"], discoverable=True, metadata={"dc.title": [metadata_value("back", "en")]})
    assert listed(oai)[f"oai:{HOST}:{row['handle']}"].xpath(".//dc:title/text()", namespaces=NS) == ["back"]


def test_changed_items_are_rendered_ahead_of_requests(sandbox) -> None:
    store = sandbox.store
    row = archived(store, "warm me")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the background warmer renders it with no OAI request at all
        stored = store.query("SELECT prefix, xml FROM oai_fragment WHERE item = ?", (row["uuid"],))
        if len(stored) == 3 and not store.query("SELECT 1 FROM oai_dirty WHERE item = ?", (row["uuid"],)):
            break
        time.sleep(0.05)
    by_prefix = {r["prefix"]: r["xml"] for r in stored}
    assert set(by_prefix) == {"oai_dc", "oai_datacite", "dim"}
    assert b"warm me" in by_prefix["oai_dc"] and b"warm me" in by_prefix["oai_datacite"]
    store.update_item(row["uuid"], metadata={"dc.title": [metadata_value("changed", "en")]})
    assert store.query("SELECT 1 FROM oai_fragment WHERE item = ?", (row["uuid"],)) == []  # dropped with the change


def test_a_new_rendering_context_renders_every_item_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = SandboxConfig(data_dir=data, name="First name")
    with running_sandbox(config, env={}) as sb:
        row = archived(sb.store, "Kept")
        fragments = Fragments(sb.sandbox)
        fragments.warm()
        before = sb.store.one("SELECT xml FROM oai_fragment WHERE item = ? AND prefix = 'oai_datacite'", (row["uuid"],))
        assert b"First name" in before["xml"]  # the publisher falls back to the repository's name
    with running_sandbox(SandboxConfig(data_dir=data, name="Second name"), env={}) as sb:
        with httpx.Client() as http:
            r = http.get(
                sb.urls["oai"],
                params={"verb": "GetRecord", "metadataPrefix": "oai_datacite", "identifier": f"oai:{HOST}:10261/3"},
            )
        assert b"Second name" in r.content and b"First name" not in r.content


def test_oai_lag_hides_a_change_and_never_serves_the_old_record(tmp_path: Path, assert_valid) -> None:
    with running_sandbox(SandboxConfig(data_dir=tmp_path / "data", oai_lag=1.0), env={}) as sb:
        row = archived(sb.store, "old")
        identifier = f"oai:{HOST}:{row['handle']}"
        with httpx.Client() as http:

            def get() -> etree._Element:
                params = {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier}
                return assert_valid(http.get(sb.urls["oai"], params=params).content, XSD)

            time.sleep(1.1)
            assert get().xpath("//dc:title/text()", namespaces=NS) == ["old"]
            sb.store.update_item(row["uuid"], metadata={"dc.title": [metadata_value("new", "en")]})
            hidden = get()  # changed within the lag: not shown at all, rather than shown stale
            assert hidden.find("o:error", NS).get("code") == "idDoesNotExist"
            time.sleep(1.1)
            assert get().xpath("//dc:title/text()", namespaces=NS) == ["new"]
