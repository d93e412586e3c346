"""The unchanged PyPI ``dspace-rest-client`` against the sandbox: login, create, read back, search, download."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

# Importing the client pulls in google-api-core, which warns about the Python version.
pytestmark = pytest.mark.filterwarnings("ignore:You are using a Python version:FutureWarning")
CLIENT_ENV = (
    "DSPACE_API_ENDPOINT",
    "DSPACE_API_USERNAME",
    "DSPACE_API_PASSWORD",
    "PERSONAL_API_TOKEN_FILE",
    "USER_AGENT",
    "PROXY_URL",
    "SOLR_ENDPOINT",
    "SOLR_AUTH",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture
def dspace(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A logged-in DSpaceClient as the sandbox admin, with no stray token file or environment."""
    for name in CLIENT_ENV:
        monkeypatch.delenv(name, raising=False)
    # The client sends a personal token file from cwd or $HOME verbatim instead of logging in.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    from dspace_rest_client.client import DSpaceClient

    client = DSpaceClient(
        api_endpoint=sandbox.urls["rest"], username=sandbox.admin.email, password=sandbox.admin.password
    )
    assert client.api_token is None
    assert client.authenticate() is True
    return client


def test_dspace_rest_client_deposits_reads_searches_and_downloads(sandbox, dspace, tmp_path: Path) -> None:
    from dspace_rest_client.models import Item

    community = dspace.create_community(
        None, {"name": "Client community", "metadata": {"dc.title": [{"value": "Client community"}]}}
    )
    assert community.uuid and community.handle.startswith("10261/")
    collection = dspace.create_collection(
        community.uuid, {"name": "Client collection", "metadata": {"dc.title": [{"value": "Client collection"}]}}
    )
    assert collection.uuid and collection.handle.startswith("10261/")
    assert community.uuid in {c.uuid for c in dspace.get_communities(top=True)}
    assert [c.uuid for c in dspace.get_collections(community=community)] == [collection.uuid]

    draft = Item(
        {
            "name": "Calorimeter model weights",
            "metadata": {
                "dc.title": [{"value": "Calorimeter model weights", "language": "en"}],
                "dc.contributor.author": [{"value": "Doe, Jane"}],
                "dc.identifier.other": [{"value": "bridge-key-9f8e7d"}],
            },
            "inArchive": True,
            "discoverable": True,
            "withdrawn": False,
            "type": "item",
        }
    )
    item = dspace.create_item(collection.uuid, draft)
    assert item.uuid and item.handle.startswith("10261/") and item.inArchive is True

    bundle = dspace.create_bundle(item)
    assert bundle.name == "ORIGINAL" and "bitstreams" in bundle.links
    payload = os.urandom(150_000)
    path = tmp_path / "weights.safetensors"
    path.write_bytes(payload)
    bitstream = dspace.create_bitstream(
        bundle, "weights.safetensors", str(path), "application/octet-stream", {"dc.description": [{"value": "w"}]}
    )
    assert bitstream is not None
    assert bitstream.sizeBytes == len(payload)
    assert bitstream.checkSum == {"checkSumAlgorithm": "MD5", "value": hashlib.md5(payload).hexdigest()}

    fetched = Item(dspace.get_item(item.uuid).json())
    assert fetched.handle == item.handle
    assert fetched.metadata["dc.contributor.author"][0]["value"] == "Doe, Jane"
    assert [b.uuid for b in dspace.get_bundles(parent=fetched)] == [bundle.uuid]
    files = dspace.get_bitstreams(bundle=bundle)
    assert [(f.name, f.bundleName, f.sequenceId) for f in files] == [("weights.safetensors", "ORIGINAL", 1)]

    assert [o.uuid for o in dspace.search_objects(query="calorimeter", dso_type="item")] == [item.uuid]
    assert [o.uuid for o in dspace.search_objects(query="dc.identifier.other:bridge-key-9f8e7d")] == [item.uuid]
    assert [o.uuid for o in dspace.search_objects_iter(query="*:*", dso_type="item")] == [item.uuid]
    assert dspace.resolve_identifier_to_dso(f"hdl:{item.handle}").uuid == item.uuid

    download = dspace.download_bitstream(bitstream.uuid)  # short-lived token sent as a raw Authorization
    assert download is not None and download.content == payload
    assert download.headers["ETag"] == f'"{hashlib.md5(payload).hexdigest()}"'

    patched = dspace.add_metadata(fetched, "dc.subject", "calorimetry")  # PATCH …/metadata/dc.subject/ (sic)
    assert [v["value"] for v in patched.metadata["dc.subject"]] == ["calorimetry"]
    patched.metadata["dc.description.abstract"] = [{"value": "Weights of a calorimeter model."}]
    updated = dspace.update_item(patched)  # PUT of the whole item
    assert updated.metadata["dc.description.abstract"][0]["value"] == "Weights of a calorimeter model."
    assert updated.metadata["dc.subject"][0]["value"] == "calorimetry"


def test_dspace_rest_client_recovers_from_a_revoked_token(sandbox, dspace) -> None:
    from dspace_rest_client.models import Item

    # Log out behind the client's back: its next write gets 401, it logs in again and retries.
    r = dspace.session.post(f"{sandbox.urls['rest']}/authn/logout")
    assert r.status_code == 204
    collection = sandbox.store.resolve_handle("10261/2")["resource"]
    item = dspace.create_item(collection, Item({"metadata": {"dc.title": [{"value": "After re-login"}]}}))
    assert item.uuid and item.handle.startswith("10261/")
    assert dspace.delete_dso(item) is not None
    assert dspace.get_item(item.uuid).status_code == 404


def test_dspace_rest_client_updates_and_deletes_containers(sandbox, dspace) -> None:
    from dspace_rest_client.models import Item

    community = dspace.create_community(None, {"name": "Doomed", "metadata": {"dc.title": [{"value": "Doomed"}]}})
    collection = dspace.create_collection(community.uuid, {"name": "Doomed too", "metadata": {}})
    item = dspace.create_item(collection.uuid, Item({"metadata": {"dc.title": [{"value": "Doomed item"}]}}))
    community.metadata["dc.title"] = [{"value": "Renamed community"}]
    renamed = dspace.update_dso(community)  # PUT
    assert renamed.name == "Renamed community"
    described = dspace.add_metadata(renamed, "dc.description", "A community about to go")  # PATCH
    assert described.metadata["dc.description"][0]["value"] == "A community about to go"
    assert dspace.delete_dso(renamed) is not None  # everything below goes with it, as in DSpace
    assert dspace.get_item(item.uuid).status_code == 404
    assert dspace.get_collections(uuid=collection.uuid) == []
    assert sandbox.store.resolve_handle(collection.handle) is None
