"""SQLite storage of the sandbox: communities, collections, items, bundles, bitstreams, handles, DOIs.

One connection guarded by a lock: the server runs one event loop, the seeder and tests may call in from
other threads. Metadata maps are stored as JSON and, for items, also as rows of ``metadatavalue`` so
searches by field (e.g. the bridge's deposit key in ``dc.identifier.other``) use an index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import threading
import uuid as uuidlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, overload

from bridge.sandbox.private import make_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS eperson (
  uuid TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, password_hash TEXT NOT NULL, admin INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS community (
  uuid TEXT PRIMARY KEY, handle TEXT UNIQUE, name TEXT NOT NULL, parent TEXT, metadata TEXT NOT NULL,
  last_modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collection (
  uuid TEXT PRIMARY KEY, handle TEXT UNIQUE, name TEXT NOT NULL, community TEXT NOT NULL, metadata TEXT NOT NULL,
  last_modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item (
  uuid TEXT PRIMARY KEY, handle TEXT UNIQUE, collection TEXT NOT NULL, submitter TEXT, metadata TEXT NOT NULL,
  in_archive INTEGER NOT NULL, discoverable INTEGER NOT NULL, withdrawn INTEGER NOT NULL,
  created TEXT NOT NULL, last_modified TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS item_modified ON item (last_modified);
CREATE INDEX IF NOT EXISTS item_collection ON item (collection, last_modified);
CREATE TABLE IF NOT EXISTS metadatavalue (
  item TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, place INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS mdv_field_value ON metadatavalue (field, value);
CREATE INDEX IF NOT EXISTS mdv_item ON metadatavalue (item);
CREATE TABLE IF NOT EXISTS bundle (
  uuid TEXT PRIMARY KEY, item TEXT NOT NULL, name TEXT NOT NULL, metadata TEXT NOT NULL, primary_bitstream TEXT);
CREATE INDEX IF NOT EXISTS bundle_item ON bundle (item);
CREATE TABLE IF NOT EXISTS bitstream (
  uuid TEXT PRIMARY KEY, bundle TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, md5 TEXT NOT NULL,
  mime TEXT NOT NULL, sequence_id INTEGER NOT NULL, storage TEXT NOT NULL, metadata TEXT NOT NULL,
  last_modified TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bitstream_bundle ON bitstream (bundle);
CREATE TABLE IF NOT EXISTS workspaceitem (
  id INTEGER PRIMARY KEY AUTOINCREMENT, item TEXT UNIQUE NOT NULL, collection TEXT NOT NULL, submitter TEXT,
  license_granted INTEGER NOT NULL DEFAULT 0, acceptance_date TEXT, last_modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS handle (
  handle TEXT PRIMARY KEY, resource_type TEXT NOT NULL, resource TEXT NOT NULL, url TEXT);
CREATE TABLE IF NOT EXISTS doi (
  doi TEXT PRIMARY KEY, state TEXT NOT NULL, url TEXT, attributes TEXT NOT NULL, owner TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS doi_lower ON doi (lower(doi));
"""

HANDLE_PREFIX = "10261"


def now() -> str:
    """Return the current UTC time as DSpace-style ISO text with milliseconds (sortable)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)
    return f"pbkdf2${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    candidate = hash_password(password, bytes.fromhex(salt)).split("$")[2]
    return secrets.compare_digest(candidate, digest)


MetadataMap = dict[str, list[dict[str, Any]]]


def metadata_value(value: str, language: str | None = None, place: int = 0) -> dict[str, Any]:
    return {"value": value, "language": language, "authority": None, "confidence": -1, "place": place}


def first_value(metadata: MetadataMap, field_name: str) -> str | None:
    values = metadata.get(field_name) or []
    return values[0]["value"] if values else None


def renumber(metadata: MetadataMap) -> MetadataMap:
    """Return the map with `place` set to each value's position and DSpace defaults filled in."""
    out: MetadataMap = {}
    for key, values in metadata.items():
        if not values:
            continue
        out[key] = [
            {
                "value": str(v.get("value", "")),
                "language": v.get("language"),
                "authority": v.get("authority"),
                "confidence": v.get("confidence", -1) if v.get("confidence") is not None else -1,
                "place": i,
            }
            for i, v in enumerate(values)
        ]
    return out


class Store:
    """The sandbox database and its files folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.permission_warnings = make_private(data_dir)  # before SQLite creates a file: secrets inside
        self.assetstore = data_dir / "assetstore"
        self.assetstore.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "sandbox.sqlite"
        self.lock = threading.RLock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=OFF")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- plumbing -------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run statements atomically (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error)."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.db.execute(sql, tuple(params)).fetchall()]

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """Return the first column of the first row (None when there is no row): a COUNT(*), a signature."""
        row = self.one(sql, params)
        return next(iter(row.values())) if row else None

    def get_meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def next_handle(self, db: sqlite3.Connection) -> str:
        """Mint the next 10261/N handle (call inside a transaction)."""
        row = db.execute("SELECT value FROM meta WHERE key = 'handle_next'").fetchone()
        n = int(row["value"]) if row else 1
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('handle_next', ?)", (str(n + 1),))
        return f"{HANDLE_PREFIX}/{n}"

    # -- accounts -------------------------------------------------------------------------------------
    def upsert_eperson(self, email: str, password: str, *, admin: bool) -> str:
        existing = self.one("SELECT uuid, password_hash, admin FROM eperson WHERE email = ?", (email,))
        if existing and bool(existing["admin"]) == admin and check_password(password, existing["password_hash"]):
            return existing["uuid"]  # unchanged: skip re-hashing, which is deliberately slow
        with self.transaction() as db:
            if existing:
                db.execute(
                    "UPDATE eperson SET password_hash = ?, admin = ? WHERE uuid = ?",
                    (hash_password(password), int(admin), existing["uuid"]),
                )
                return existing["uuid"]
            uid = new_uuid()
            db.execute(
                "INSERT INTO eperson (uuid, email, password_hash, admin) VALUES (?, ?, ?, ?)",
                (uid, email, hash_password(password), int(admin)),
            )
            return uid

    def authenticate(self, email: str, password: str) -> dict[str, Any] | None:
        row = self.one("SELECT * FROM eperson WHERE lower(email) = lower(?)", (email,))
        if row and check_password(password, row["password_hash"]):
            return row
        return None

    def eperson(self, uid: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM eperson WHERE uuid = ?", (uid,))

    # -- communities and collections --------------------------------------------------------------------
    def create_community(self, name: str, *, parent: str | None = None, metadata: MetadataMap | None = None) -> dict:
        md = renumber(metadata or {"dc.title": [metadata_value(name)]})
        with self.transaction() as db:
            uid, handle, ts = new_uuid(), self.next_handle(db), now()
            db.execute(
                "INSERT INTO community VALUES (?, ?, ?, ?, ?, ?)",
                (uid, handle, name, parent, json.dumps(md), ts),
            )
            db.execute("INSERT INTO handle VALUES (?, 'community', ?, NULL)", (handle, uid))
        return _created(self.community(uid))

    def create_collection(self, name: str, community: str, *, metadata: MetadataMap | None = None) -> dict:
        md = renumber(metadata or {"dc.title": [metadata_value(name)]})
        with self.transaction() as db:
            uid, handle, ts = new_uuid(), self.next_handle(db), now()
            db.execute(
                "INSERT INTO collection VALUES (?, ?, ?, ?, ?, ?)",
                (uid, handle, name, community, json.dumps(md), ts),
            )
            db.execute("INSERT INTO handle VALUES (?, 'collection', ?, NULL)", (handle, uid))
        return _created(self.collection(uid))

    def community(self, uid: str) -> dict | None:
        return _decode(self.one("SELECT * FROM community WHERE uuid = ?", (uid,)))

    def collection(self, uid: str) -> dict | None:
        return _decode(self.one("SELECT * FROM collection WHERE uuid = ?", (uid,)))

    def communities(self) -> list[dict]:
        return [_decode(r) for r in self.query("SELECT * FROM community ORDER BY handle")]

    def collections(self, community: str | None = None) -> list[dict]:
        if community:
            rows = self.query("SELECT * FROM collection WHERE community = ? ORDER BY handle", (community,))
        else:
            rows = self.query("SELECT * FROM collection ORDER BY handle")
        return [_decode(r) for r in rows]

    def update_container(self, table: str, uid: str, *, name: str, metadata: MetadataMap) -> None:
        assert table in ("community", "collection")
        with self.lock:
            self.db.execute(
                f"UPDATE {table} SET name = ?, metadata = ?, last_modified = ? WHERE uuid = ?",
                (name, json.dumps(renumber(metadata)), now(), uid),
            )

    def delete_container(self, table: str, uid: str) -> None:
        assert table in ("community", "collection")
        with self.transaction() as db:
            db.execute(f"DELETE FROM {table} WHERE uuid = ?", (uid,))
            db.execute("DELETE FROM handle WHERE resource = ?", (uid,))

    # -- items ----------------------------------------------------------------------------------------
    def create_item(
        self,
        collection: str,
        metadata: MetadataMap,
        *,
        submitter: str | None = None,
        in_archive: bool = True,
        discoverable: bool = True,
        withdrawn: bool = False,
        timestamp: str | None = None,
    ) -> dict:
        """Create an item; archived items get a handle and DSpace's automatic fields."""
        uid, ts = new_uuid(), timestamp or now()
        with self.transaction() as db:
            md = dict(metadata)
            handle = None
            if in_archive:
                handle = self.next_handle(db)
                md = self._archive_fields(md, handle, ts)
            md = renumber(md)
            db.execute(
                "INSERT INTO item VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid,
                    handle,
                    collection,
                    submitter,
                    json.dumps(md),
                    int(in_archive),
                    int(discoverable),
                    int(withdrawn),
                    ts,
                    ts,
                ),
            )
            if handle:
                db.execute("INSERT INTO handle VALUES (?, 'item', ?, NULL)", (handle, uid))
            self._index(db, uid, md)
        return _created(self.item(uid))

    def archive_item(self, uid: str) -> dict:
        """Move an in-progress item into the archive: mint its handle, add accession fields."""
        item = self.item(uid)
        if item is None:
            raise KeyError(uid)
        if item["in_archive"]:
            return item
        ts = now()
        with self.transaction() as db:
            handle = self.next_handle(db)
            md = renumber(self._archive_fields(item["metadata"], handle, ts))
            db.execute(
                "UPDATE item SET handle = ?, in_archive = 1, metadata = ?, last_modified = ? WHERE uuid = ?",
                (handle, json.dumps(md), ts, uid),
            )
            db.execute("INSERT INTO handle VALUES (?, 'item', ?, NULL)", (handle, uid))
            db.execute("DELETE FROM workspaceitem WHERE item = ?", (uid,))
            self._index(db, uid, md)
        return _created(self.item(uid))

    def _archive_fields(self, md: MetadataMap, handle: str, ts: str) -> MetadataMap:
        md = {k: list(v) for k, v in md.items()}
        base = self.get_meta("landing_base") or "http://127.0.0.1"
        md.setdefault("dc.identifier.uri", []).append(metadata_value(f"{base}/handle/{handle}"))
        stamp = ts[:19] + "Z"
        if not md.get("dc.date.issued"):  # DSpace's InstallItem sets the issue date when the submitter did not
            md["dc.date.issued"] = [metadata_value(stamp[:10])]
        md["dc.date.accessioned"] = [metadata_value(stamp)]
        md["dc.date.available"] = [metadata_value(stamp)]
        md.setdefault("dc.description.provenance", []).append(
            metadata_value(f"Made available in DSpace on {stamp} (GMT).", "en")
        )
        return md

    def _index(self, db: sqlite3.Connection, uid: str, md: MetadataMap) -> None:
        db.execute("DELETE FROM metadatavalue WHERE item = ?", (uid,))
        db.executemany(
            "INSERT INTO metadatavalue VALUES (?, ?, ?, ?)",
            [(uid, k, v["value"], v["place"]) for k, vs in md.items() for v in vs],
        )

    def item(self, uid: str) -> dict | None:
        return _decode(self.one("SELECT * FROM item WHERE uuid = ?", (uid,)))

    def item_by_handle(self, handle: str) -> dict | None:
        return _decode(self.one("SELECT * FROM item WHERE handle = ?", (handle,)))

    def update_item(
        self,
        uid: str,
        *,
        metadata: MetadataMap | None = None,
        discoverable: bool | None = None,
        withdrawn: bool | None = None,
        touch: bool = True,
    ) -> dict:
        """Change an item; withdrawing takes it out of the archive as DSpace does."""
        item = self.item(uid)
        if item is None:
            raise KeyError(uid)
        with self.transaction() as db:
            if metadata is not None:
                md = renumber(metadata)
                db.execute("UPDATE item SET metadata = ? WHERE uuid = ?", (json.dumps(md), uid))
                self._index(db, uid, md)
            if discoverable is not None:
                db.execute("UPDATE item SET discoverable = ? WHERE uuid = ?", (int(discoverable), uid))
            if withdrawn is not None and bool(item["withdrawn"]) != withdrawn and item["handle"]:
                db.execute(
                    "UPDATE item SET withdrawn = ?, in_archive = ? WHERE uuid = ?",
                    (int(withdrawn), int(not withdrawn), uid),
                )
            if touch:
                db.execute("UPDATE item SET last_modified = ? WHERE uuid = ?", (now(), uid))
        return _created(self.item(uid))

    def delete_item(self, uid: str) -> None:
        files = self.query(
            "SELECT b.storage FROM bitstream b JOIN bundle u ON b.bundle = u.uuid WHERE u.item = ?", (uid,)
        )
        with self.transaction() as db:
            db.execute("DELETE FROM bitstream WHERE bundle IN (SELECT uuid FROM bundle WHERE item = ?)", (uid,))
            db.execute("DELETE FROM bundle WHERE item = ?", (uid,))
            db.execute("DELETE FROM metadatavalue WHERE item = ?", (uid,))
            db.execute("DELETE FROM workspaceitem WHERE item = ?", (uid,))
            db.execute("DELETE FROM handle WHERE resource = ?", (uid,))
            db.execute("DELETE FROM item WHERE uuid = ?", (uid,))
        for f in files:
            (self.assetstore / f["storage"]).unlink(missing_ok=True)

    def find_items(self, field_name: str, value: str) -> list[dict]:
        rows = self.query(
            "SELECT DISTINCT i.* FROM item i JOIN metadatavalue m ON m.item = i.uuid WHERE m.field = ? AND m.value = ?",
            (field_name, value),
        )
        return [_decode(r) for r in rows]

    # -- bundles and bitstreams -------------------------------------------------------------------------
    def create_bundle(self, item: str, name: str = "ORIGINAL", metadata: MetadataMap | None = None) -> dict:
        uid = new_uuid()
        md = renumber(metadata or {"dc.title": [metadata_value(name)]})
        with self.lock:
            self.db.execute("INSERT INTO bundle VALUES (?, ?, ?, ?, NULL)", (uid, item, name, json.dumps(md)))
        return _created(self.bundle(uid))

    def bundle(self, uid: str) -> dict | None:
        return _decode(self.one("SELECT * FROM bundle WHERE uuid = ?", (uid,)))

    def bundles(self, item: str) -> list[dict]:
        return [_decode(r) for r in self.query("SELECT * FROM bundle WHERE item = ? ORDER BY name", (item,))]

    def bundle_named(self, item: str, name: str) -> dict:
        row = self.one("SELECT * FROM bundle WHERE item = ? AND name = ?", (item, name))
        return _decode(row) if row else self.create_bundle(item, name)

    def store_file(self, chunks: Iterable[bytes], *, limit: int | None = None) -> tuple[str, int, str]:
        """Stream bytes into the assetstore; return (storage path, size, md5). Raise ValueError past `limit`."""
        token = secrets.token_hex(16)
        rel = f"{token[:2]}/{token[2:4]}/{token}"
        path = self.assetstore / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        md5, size = hashlib.md5(usedforsecurity=False), 0
        try:
            with path.open("wb") as fh:
                for chunk in chunks:
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise ValueError(f"upload larger than the limit of {limit} bytes")
                    md5.update(chunk)
                    fh.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return rel, size, md5.hexdigest()

    def create_bitstream(
        self,
        bundle: str,
        name: str,
        storage: str,
        size: int,
        md5: str,
        mime: str,
        metadata: MetadataMap | None = None,
    ) -> dict:
        uid = new_uuid()
        md = dict(metadata or {})
        md.setdefault("dc.title", [metadata_value(name)])
        with self.transaction() as db:
            item = db.execute("SELECT item FROM bundle WHERE uuid = ?", (bundle,)).fetchone()
            seq = db.execute(
                "SELECT COALESCE(MAX(b.sequence_id), 0) + 1 FROM bitstream b JOIN bundle u ON b.bundle = u.uuid "
                "WHERE u.item = ?",
                (item["item"] if item else "",),
            ).fetchone()[0]
            db.execute(
                "INSERT INTO bitstream VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (uid, bundle, name, size, md5, mime, seq, storage, json.dumps(renumber(md)), now()),
            )
            if item:
                db.execute("UPDATE item SET last_modified = ? WHERE uuid = ?", (now(), item["item"]))
        return _created(self.bitstream(uid))

    def bitstream(self, uid: str) -> dict | None:
        return _decode(self.one("SELECT * FROM bitstream WHERE uuid = ?", (uid,)))

    def bitstreams(self, bundle: str) -> list[dict]:
        rows = self.query("SELECT * FROM bitstream WHERE bundle = ? ORDER BY sequence_id", (bundle,))
        return [_decode(r) for r in rows]

    def item_bitstreams(self, item: str, bundle_name: str | None = "ORIGINAL") -> list[dict]:
        sql = "SELECT b.* FROM bitstream b JOIN bundle u ON b.bundle = u.uuid WHERE u.item = ?"
        params: list[Any] = [item]
        if bundle_name:
            sql += " AND u.name = ?"
            params.append(bundle_name)
        return [_decode(r) for r in self.query(sql + " ORDER BY b.sequence_id", params)]

    def bitstream_path(self, bitstream: dict) -> Path:
        return self.assetstore / bitstream["storage"]

    def delete_bitstream(self, uid: str) -> None:
        bs = self.bitstream(uid)
        if bs is None:
            return
        with self.lock:
            self.db.execute("DELETE FROM bitstream WHERE uuid = ?", (uid,))
        self.bitstream_path(bs).unlink(missing_ok=True)

    # -- handles and DOIs -----------------------------------------------------------------------------
    def resolve_handle(self, handle: str) -> dict | None:
        return self.one("SELECT * FROM handle WHERE handle = ?", (handle,))

    def set_handle_url(self, handle: str, url: str | None) -> None:
        """Point a handle somewhere else (None: back to its landing page); tests use this to break PIDs."""
        with self.lock:
            self.db.execute("UPDATE handle SET url = ? WHERE handle = ?", (url, handle))

    def doi(self, doi: str) -> dict | None:
        return _decode(self.one("SELECT * FROM doi WHERE lower(doi) = lower(?)", (doi,)))

    def save_doi(self, doi: str, *, state: str, url: str | None, attributes: dict, owner: str | None) -> dict:
        ts = now()
        with self.lock:
            self.db.execute(
                "INSERT INTO doi VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(doi) DO UPDATE SET "
                "state = excluded.state, url = excluded.url, attributes = excluded.attributes, "
                "updated = excluded.updated",
                (doi.lower(), state, url, json.dumps(attributes), owner, ts, ts),
            )
        return _created(self.doi(doi))

    def delete_doi(self, doi: str) -> None:
        with self.lock:
            self.db.execute("DELETE FROM doi WHERE lower(doi) = lower(?)", (doi,))

    # -- REST API (bridge/sandbox/rest): workspace items, bundles, primary bitstreams, search index ---------
    def create_workspaceitem(self, collection: str, submitter: str) -> dict:
        """Create an empty in-progress item and the workspace item that wraps it."""
        item = self.create_item(collection, {}, submitter=submitter, in_archive=False)
        with self.lock:
            cur = self.db.execute(
                "INSERT INTO workspaceitem (item, collection, submitter, last_modified) VALUES (?, ?, ?, ?)",
                (item["uuid"], collection, submitter, item["last_modified"]),
            )
        return _created(self.workspaceitem(int(cur.lastrowid or 0)))

    def workspaceitem(self, wid: int) -> dict | None:
        return _decode(self.one("SELECT * FROM workspaceitem WHERE id = ?", (wid,)))

    def workspaceitem_of(self, item: str) -> dict | None:
        return _decode(self.one("SELECT * FROM workspaceitem WHERE item = ?", (item,)))

    def set_license(self, wid: int, granted: bool) -> None:
        """Record the deposit licence as granted (with its acceptance date) or not."""
        with self.lock:
            self.db.execute(
                "UPDATE workspaceitem SET license_granted = ?, acceptance_date = ?, last_modified = ? WHERE id = ?",
                (int(granted), now() if granted else None, now(), wid),
            )

    def set_primary_bitstream(self, bundle: str, bitstream: str | None) -> None:
        with self.lock:
            self.db.execute("UPDATE bundle SET primary_bitstream = ? WHERE uuid = ?", (bitstream, bundle))

    def delete_bundle(self, uid: str) -> None:
        for bs in self.bitstreams(uid):
            self.delete_bitstream(bs["uuid"])
        with self.lock:
            self.db.execute("DELETE FROM bundle WHERE uuid = ?", (uid,))

    def ensure_search_index(self) -> None:
        """Create the FTS5 word index over ``metadatavalue`` (kept in step by triggers) and fill it once.

        The index is external-content: it holds only the words, keyed by metadatavalue's rowid (stable as
        long as nobody runs VACUUM; ``INSERT INTO mdv_fts(mdv_fts) VALUES ('rebuild')`` repairs it).
        """
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'mdv_fts'").fetchone():
                return
            for statement in _SEARCH_INDEX:
                db.execute(statement)


# The REST API's word index (see Store.ensure_search_index); statements run one by one inside a transaction.
_SEARCH_INDEX = (
    "CREATE VIRTUAL TABLE mdv_fts USING fts5(value, content='metadatavalue', content_rowid='rowid', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER mdv_fts_insert AFTER INSERT ON metadatavalue BEGIN "
    "INSERT INTO mdv_fts(rowid, value) VALUES (new.rowid, new.value); END",
    "CREATE TRIGGER mdv_fts_delete AFTER DELETE ON metadatavalue BEGIN "
    "INSERT INTO mdv_fts(mdv_fts, rowid, value) VALUES ('delete', old.rowid, old.value); END",
    "CREATE TRIGGER mdv_fts_update AFTER UPDATE ON metadatavalue BEGIN "
    "INSERT INTO mdv_fts(mdv_fts, rowid, value) VALUES ('delete', old.rowid, old.value); "
    "INSERT INTO mdv_fts(rowid, value) VALUES (new.rowid, new.value); END",
    "INSERT INTO mdv_fts(mdv_fts) VALUES ('rebuild')",
)


def _created(row: dict[str, Any] | None) -> dict[str, Any]:
    """Return the row just written (read back in the same thread, so it exists)."""
    if row is None:
        raise LookupError("a row written a moment ago is missing from the sandbox store")
    return row


@overload
def _decode(row: dict[str, Any]) -> dict[str, Any]: ...
@overload
def _decode(row: None) -> None: ...
@overload
def _decode(row: dict[str, Any] | None) -> dict[str, Any] | None: ...
def _decode(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """Decode JSON columns and integer booleans of a row."""
    if row is None:
        return None
    for key in ("metadata", "attributes"):
        if key in row and isinstance(row[key], str):
            row[key] = json.loads(row[key])
    for key in ("in_archive", "discoverable", "withdrawn", "admin", "license_granted"):
        if key in row and row[key] is not None:
            row[key] = bool(row[key])
    return row
