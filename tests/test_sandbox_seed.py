"""Bulk seeding: handles, shares, collections, datestamps, files and determinism, read back through the Store."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

import pytest

from bridge.sandbox import seed as seeding
from bridge.sandbox.app import bootstrap
from bridge.sandbox.seed import seed_folder, seed_store
from bridge.sandbox.store import Store, metadata_value, renumber

END = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "data")
    bootstrap(s, {})
    yield s
    s.close()


def number(handle: str) -> int:
    return int(handle.rsplit("/", 1)[1])


def items(store: Store) -> list[dict]:
    rows = store.query("SELECT uuid FROM item WHERE handle IS NOT NULL")
    return sorted((store.item(r["uuid"]) for r in rows), key=lambda i: number(i["handle"]))


def test_items_get_handles_continuing_the_sequence(store: Store) -> None:
    before = store.create_item(store.collections()[0]["uuid"], {"dc.title": [metadata_value("by hand")]})
    report = seed_store(store, 50, seed=1, end=END)
    after = store.create_item(store.collections()[0]["uuid"], {"dc.title": [metadata_value("by hand")]})
    seeded = [i for i in items(store) if i["uuid"] not in (before["uuid"], after["uuid"])]
    handles = [number(i["handle"]) for i in seeded]
    # The extra communities and collections take the handles right after the manual item, then the items.
    assert handles == list(range(handles[0], handles[0] + 50))
    assert number(before["handle"]) < handles[0]
    assert (report.first_handle, report.last_handle) == (seeded[0]["handle"], seeded[-1]["handle"])
    assert number(after["handle"]) == handles[-1] + 1
    for item in seeded[:5]:
        assert store.resolve_handle(item["handle"])["resource"] == item["uuid"]
    second = seed_store(store, 10, seed=1, end=END)  # a second run with the same seed: new uuids, next handles
    assert number(second.first_handle) == number(after["handle"]) + 1
    assert store.one("SELECT count(DISTINCT uuid) AS n FROM item")["n"] == 62


def test_metadata_is_in_the_store_shape_and_indexed(store: Store) -> None:
    seed_store(store, 30, seed=2, end=END)
    for item in items(store):
        md = item["metadata"]
        assert md == renumber(md)  # value, language, authority, confidence and place as the store keeps them
        for key in ("dc.title", "dc.contributor.author", "dc.date.issued", "dc.type", "dc.rights.license"):
            assert md[key], key
        assert md["dc.type"][0]["value"] in ("dataset", "model")
        assert all(", " in a["value"] for a in md["dc.contributor.author"])
        assert md["dc.identifier.uri"][0]["value"].endswith(f"/handle/{item['handle']}")
        assert md["dc.date.accessioned"][0]["value"] == item["created"][:19] + "Z"
        rows = store.query("SELECT field, value, place FROM metadatavalue WHERE item = ?", (item["uuid"],))
        indexed = {(r["field"], r["value"], r["place"]) for r in rows}
        assert indexed == {(k, v["value"], v["place"]) for k, vs in md.items() for v in vs}
        assert len(rows) == len(indexed)


def test_shares_collections_and_datestamps(store: Store) -> None:
    report = seed_store(store, 2000, seed=3, end=END)
    seeded = items(store)
    withdrawn = [i for i in seeded if i["withdrawn"]]
    assert report.withdrawn == len(withdrawn) and 0.03 < len(withdrawn) / 2000 < 0.07
    assert all(not i["in_archive"] for i in withdrawn)
    assert all(i["in_archive"] for i in seeded if not i["withdrawn"])
    hidden = [i for i in seeded if not i["discoverable"]]
    assert report.undiscoverable == len(hidden) and 0.005 < len(hidden) / 2000 < 0.04
    assert 0.2 < report.with_doi / 2000 < 0.4
    assert report.with_doi == sum("dc.identifier.doi" in i["metadata"] for i in seeded)
    per_collection = Counter(i["collection"] for i in seeded)
    assert len(per_collection) >= 5 and len(report.collections) == len(store.collections()) >= 6
    assert {c["name"] for c in store.communities()} >= {"Instituto de Ciencias del Mar (ICM)"}
    created = [i["created"] for i in seeded]
    assert created == sorted(created)  # handles grow with accession time
    modified = sorted(i["last_modified"] for i in seeded)
    assert modified[0] >= "2023-06-30" and modified[-1] <= "2026-06-30T12:00:00.000Z"
    assert modified[len(modified) // 2][:4] in ("2024", "2025")
    assert all(i["last_modified"] >= i["created"] for i in seeded)
    assert len({i["metadata"]["dc.title"][0]["value"] for i in seeded}) > 1000


def test_same_seed_same_items(tmp_path: Path) -> None:
    def snapshot(folder: str, seed: int) -> list[tuple]:
        seed_folder(tmp_path / folder, 40, seed=seed, end=END)
        s = Store(tmp_path / folder)
        try:
            return [
                (i["uuid"], i["handle"], i["metadata"], i["withdrawn"], i["discoverable"], i["last_modified"])
                for i in items(s)
            ]
        finally:
            s.close()

    assert snapshot("a", 5) == snapshot("b", 5)
    assert snapshot("c", 6) != snapshot("a", 5)


def test_a_share_of_items_get_an_original_file(store: Store) -> None:
    report = seed_store(store, 40, seed=4, files=0.5, end=END)
    with_files = [i for i in items(store) if store.item_bitstreams(i["uuid"])]
    assert report.files == len(with_files) and 10 < len(with_files) < 30
    for item in with_files:
        (bitstream,) = store.item_bitstreams(item["uuid"])
        data = store.bitstream_path(bitstream).read_bytes()
        assert bitstream["name"] == "data.csv" and bitstream["mime"] == "text/csv"
        assert (bitstream["size"], bitstream["md5"]) == (len(data), hashlib.md5(data).hexdigest())
        assert store.bundles(item["uuid"])[0]["name"] == "ORIGINAL"


def test_bulk_runs_rebuild_the_metadata_indexes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seeding, "BULK", 100)  # take the bulk path without seeding 10,000 items
    seed_store(store, 150, seed=6, end=END)
    indexes = {r["name"] for r in store.query("PRAGMA index_list(metadatavalue)")}
    assert indexes >= set(seeding.METADATA_INDEXES)
    assert not store.query("SELECT name FROM sqlite_temp_master WHERE name LIKE 'seed_%'")
    doi = next(i for i in items(store) if "dc.identifier.doi" in i["metadata"])
    value = doi["metadata"]["dc.identifier.doi"][0]["value"]
    assert [i["uuid"] for i in store.find_items("dc.identifier.doi", value)] == [doi["uuid"]]


def test_seed_folder_bootstraps_a_new_folder(tmp_path: Path) -> None:
    report = seed_folder(tmp_path / "new", 5, seed=7)
    s = Store(tmp_path / "new")
    try:
        assert s.resolve_handle("10261/1")["resource_type"] == "community"
        assert s.resolve_handle("10261/2")["resource_type"] == "collection"
        assert s.item_by_handle(report.last_handle) is not None
        assert report.seed == 7 and report.items == 5 and report.seconds > 0
    finally:
        s.close()
    with pytest.raises(ValueError):
        seed_folder(tmp_path / "new", -1)


def test_seeded_dois_are_registered_and_findable(tmp_path: Path) -> None:
    from bridge.sandbox.seed import seed_folder
    from bridge.sandbox.store import Store

    report = seed_folder(tmp_path / "data", 300, seed=11)
    store = Store(tmp_path / "data")
    try:
        rows = store.query("SELECT item, value FROM metadatavalue WHERE field = 'dc.identifier.doi'")
        assert len(rows) == report.with_doi > 0
        for row in rows[:20]:
            doi = row["value"].removeprefix("https://doi.org/")
            registered = store.doi(doi)
            assert registered is not None and registered["state"] == "findable"
            handle = store.item(row["item"])["handle"]
            assert registered["url"].endswith(f"/handle/{handle}")
    finally:
        store.close()
