"""Restarting the sandbox keeps DOIs, handle resolution and SWORD-deposited files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx

from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.server import running_sandbox
from bridge.sandbox.store import metadata_value

ENV = {
    "BRIDGE_SANDBOX_ADMIN_EMAIL": "admin@sandbox.test",
    "BRIDGE_SANDBOX_ADMIN_PASSWORD": "admin-secret-1",
    "BRIDGE_SANDBOX_SUBMITTER_EMAIL": "submitter@sandbox.test",
    "BRIDGE_SANDBOX_SUBMITTER_PASSWORD": "submitter-secret-1",
}


def test_dois_handles_and_files_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    payload = b"weights\x00" * 1000
    auth = ("submitter@sandbox.test", "submitter-secret-1")
    with running_sandbox(SandboxConfig(data_dir=data), env=ENV) as sb:
        coll = sb.store.collections()[0]
        item = sb.store.create_item(coll["uuid"], {"dc.title": [metadata_value("Kept across restarts")]})
        bundle = sb.store.create_bundle(item["uuid"])
        storage, size, md5 = sb.store.store_file([payload])
        sb.store.create_bitstream(bundle["uuid"], "w.bin", storage, size, md5, "application/octet-stream")
        body = {
            "data": {
                "type": "dois",
                "attributes": {
                    "doi": "10.5072/restart-1",
                    "event": "publish",
                    "url": f"{sb.base_url}/handle/{item['handle']}",
                    "titles": [{"title": "Kept across restarts"}],
                    "creators": [{"name": "García, Ana"}],
                    "publisher": {"name": "CSIC"},
                    "publicationYear": "2026",
                    "types": {"resourceTypeGeneral": "Dataset"},
                },
            }
        }
        created = httpx.post(f"{sb.urls['doi_api']}/dois", json=body, auth=auth)
        assert created.status_code == 201, created.text
        handle = item["handle"]
    with running_sandbox(SandboxConfig(data_dir=data), env=ENV) as sb:
        doi = httpx.get(f"{sb.urls['doi_api']}/dois/10.5072/restart-1").json()["data"]["attributes"]
        assert doi["state"] == "findable" and doi["url"].endswith(f"/handle/{handle}")
        resolved = httpx.get(f"{sb.urls['handle_api']}/{handle}").json()
        assert resolved["responseCode"] == 1
        assert resolved["values"][0]["data"]["value"] == f"{sb.base_url}/handle/{handle}"
        doi_resolved = httpx.get(f"{sb.urls['doi_resolver_api']}/10.5072/restart-1").json()
        assert doi_resolved["responseCode"] == 1
        download = httpx.get(f"{sb.base_url}/bitstream/{handle}/1/w.bin")
        assert download.status_code == 200 and hashlib.md5(download.content).hexdigest() == md5
