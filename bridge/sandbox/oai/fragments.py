"""Pre-rendered OAI-PMH metadata: each item rendered once per format when it changes and stored (as DSpace's OAI core).

SQLite triggers on item, bundle and bitstream drop an item's fragments and mark it dirty in the same transaction
as the change, whatever made it (REST, SWORD, seeding, a test's raw UPDATE), so a stored fragment is never older
than its item. A fragment a request needs but does not find is rendered there and then, under the store lock, so
no write can slip between reading the item and storing its rendering. ``warm`` renders every dirty item ahead of
requests (the server runs it in the background; the benchmark runs it after seeding).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from typing import Any

from lxml import etree

from bridge.sandbox.oai.pages import deflate
from bridge.sandbox.oai.responses import FORMATS, is_deleted
from bridge.sandbox.render.common import load_original_files

# The items OAI-PMH shows: archived or withdrawn, with a handle; never workspace items.
VISIBLE = "handle IS NOT NULL AND (in_archive = 1 OR withdrawn = 1)"
# Bump when a crosswalk or the stored form changes: every stored fragment is then rendered again.
RENDERING = "2"
_STALE = (
    "DELETE FROM oai_fragment WHERE item = {0}; "
    "INSERT OR IGNORE INTO oai_dirty (item) SELECT {0} WHERE {0} IS NOT NULL;"
)
_OF_BUNDLE = "(SELECT item FROM bundle WHERE uuid = {0})"
STATEMENTS = (
    # A rowid table: a WITHOUT ROWID row holds ~1 KB in its page, so kilobyte fragments would spill to overflow pages.
    # xml and, for gzip responses, the same bytes deflated on their own (see pages.gzipped).
    "CREATE TABLE IF NOT EXISTS oai_fragment ("
    "item TEXT NOT NULL, prefix TEXT NOT NULL, xml BLOB NOT NULL, deflated BLOB NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS oai_fragment_key ON oai_fragment (item, prefix)",
    "CREATE TABLE IF NOT EXISTS oai_dirty (item TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TRIGGER IF NOT EXISTS oai_item_insert AFTER INSERT ON item BEGIN "
    "INSERT OR IGNORE INTO oai_dirty (item) VALUES (new.uuid); END",
    f"CREATE TRIGGER IF NOT EXISTS oai_item_update AFTER UPDATE ON item BEGIN {_STALE.format('new.uuid')} END",
    "CREATE TRIGGER IF NOT EXISTS oai_item_delete AFTER DELETE ON item BEGIN "
    "DELETE FROM oai_fragment WHERE item = old.uuid; DELETE FROM oai_dirty WHERE item = old.uuid; END",
    "CREATE TRIGGER IF NOT EXISTS oai_bundle_update AFTER UPDATE ON bundle BEGIN "
    f"{_STALE.format('old.item')} {_STALE.format('new.item')} END",
    f"CREATE TRIGGER IF NOT EXISTS oai_bundle_delete AFTER DELETE ON bundle BEGIN {_STALE.format('old.item')} END",
    "CREATE TRIGGER IF NOT EXISTS oai_bitstream_insert AFTER INSERT ON bitstream BEGIN "
    f"{_STALE.format(_OF_BUNDLE.format('new.bundle'))} END",
    "CREATE TRIGGER IF NOT EXISTS oai_bitstream_update AFTER UPDATE ON bitstream BEGIN "
    f"{_STALE.format(_OF_BUNDLE.format('old.bundle'))} {_STALE.format(_OF_BUNDLE.format('new.bundle'))} END",
    "CREATE TRIGGER IF NOT EXISTS oai_bitstream_delete AFTER DELETE ON bitstream BEGIN "
    f"{_STALE.format(_OF_BUNDLE.format('old.bundle'))} END",
)
BATCH = 25  # items rendered per hold of the store lock, so requests wait at most a few ms


class Fragments:
    """The stored renderings of a sandbox's items, keyed (item, metadataPrefix)."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.store = sandbox.store
        self._install()

    def _install(self) -> None:
        """Create the tables and triggers; render everything again when the rendering context changed."""
        context = f"{RENDERING}|{self.sandbox.config.name}"  # the publisher fallback of oai_datacite
        with self.store.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'oai_fragments'").fetchone()
            fresh = row is None or row[0] != context  # new, rendered otherwise, or items older than the triggers
            if fresh:
                db.execute("DROP TABLE IF EXISTS oai_fragment")  # its columns may be an older version's
            for statement in STATEMENTS:
                db.execute(statement)
            if fresh:
                db.execute(f"INSERT OR IGNORE INTO oai_dirty (item) SELECT uuid FROM item WHERE {VISIBLE}")
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('oai_fragments', ?)", (context,))

    def fill(self, rows: list[dict[str, Any]], prefix: str) -> None:
        """Set row["xml"] and row["deflated"] of every live row that has none: render it now and store it."""
        missing = [r["uuid"] for r in rows if r.get("xml") is None and not is_deleted(r)]
        if not missing:
            return
        with self.store.lock:  # read, render and store with no write in between
            rendered = self._render(missing, (prefix,))
        for row in rows:
            if row.get("xml") is None and (row["uuid"], prefix) in rendered:
                row["xml"], row["deflated"] = rendered[(row["uuid"], prefix)]

    def warm(self, stop: threading.Event | None = None) -> int:
        """Render every format of every dirty item; return how many items were rendered."""
        done = 0
        while stop is None or not stop.is_set():
            with self.store.lock:
                dirty = [r[0] for r in self.store.db.execute("SELECT item FROM oai_dirty LIMIT ?", (BATCH,))]
                if not dirty:
                    break
                self._render(dirty, tuple(FORMATS))
                marks = ",".join("?" * len(dirty))
                self.store.db.execute(f"DELETE FROM oai_dirty WHERE item IN ({marks})", dirty)
            done += len(dirty)
        return done

    def _render(self, uuids: list[str], prefixes: Iterable[str]) -> dict[tuple[str, str], tuple[bytes, bytes]]:
        """Render and store the fragments of live visible items (call holding the store lock)."""
        marks = ",".join("?" * len(uuids))
        rows = self.store.query(f"SELECT * FROM item WHERE uuid IN ({marks}) AND {VISIBLE}", uuids)
        rows = [r for r in rows if not is_deleted(r)]  # deleted records are headers only: nothing to render
        formats = [FORMATS[p] for p in prefixes]
        files = load_original_files(self.store, [r["uuid"] for r in rows])
        out: dict[tuple[str, str], tuple[bytes, bytes]] = {}
        for row in rows:
            row["metadata"] = json.loads(row["metadata"])
            for fmt in formats:
                element = fmt.build(row, self.sandbox, files[row["uuid"]] if fmt.needs_files else None)
                xml = etree.tostring(element, encoding="UTF-8")
                out[(row["uuid"], fmt.prefix)] = (xml, deflate(xml))
        self.store.db.executemany(
            "INSERT OR REPLACE INTO oai_fragment (item, prefix, xml, deflated) VALUES (?, ?, ?, ?)",
            [(uid, prefix, xml, deflated) for (uid, prefix), (xml, deflated) in out.items()],
        )
        return out


class Warmer:
    """A background thread that renders changed items soon after they change."""

    def __init__(self, fragments: Fragments, interval: float = 0.5) -> None:
        self.fragments = fragments
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bridge-sandbox-oai-warmer")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.fragments.warm(self._stop)
            except sqlite3.ProgrammingError:  # the store was closed under us: the sandbox is stopping
                return
            self._stop.wait(self.interval)
