"""Stored landing pages: each item's HTML and Signposting Link header rendered once and kept until it changes.

They live in the OAI fragment table under their own prefix, so the same SQLite triggers that drop an item's OAI
renderings with any change to the item, its bundles or its files (metadata PATCH, withdraw, new bitstream; see
``bridge.sandbox.oai.fragments``) drop its landing page in the same transaction: a stored page is never older
than its item. A miss is rendered there and then under the store lock, so no write slips between reading the
item and storing the page. The prefix names the base URL and Handle resolver the page was rendered with, since a
data folder may be served again at another address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridge.sandbox.oai.fragments import STATEMENTS

RENDERING = "1"  # bump when the landing page or its Link header changes form


class LandingPages:
    """The stored landing pages of a sandbox's items: (HTML, Link header or None when not discoverable)."""

    def __init__(self, sandbox: Any) -> None:
        self.store = sandbox.store
        self.prefix = f"landing {RENDERING} {sandbox.base_url} {sandbox.urls['handle_resolver']}"
        with self.store.transaction() as db:  # the OAI provider normally made them already
            for statement in STATEMENTS:
                db.execute(statement)

    def get(
        self, uid: str, render: Callable[[dict[str, Any]], tuple[str, str | None]]
    ) -> tuple[bytes, str | None] | dict[str, Any] | None:
        """Return the item's stored page, rendering and storing it on a miss.

        A withdrawn item is returned as its row (it gets a tombstone, never stored); a missing one as None.
        """
        sql = "SELECT xml, deflated FROM oai_fragment WHERE item = ? AND prefix = ?"
        with self.store.lock:  # one connection: read, render and store with no write in between
            row = self.store.db.execute(sql, (uid, self.prefix)).fetchone()
            if row is not None:
                return row[0], row[1].decode() if row[1] else None
            item = self.store.item(uid)
            if item is None or item["withdrawn"]:
                return item
            page, link = render(item)
            body = page.encode()
            self.store.db.execute(
                "INSERT OR REPLACE INTO oai_fragment (item, prefix, xml, deflated) VALUES (?, ?, ?, ?)",
                (uid, self.prefix, body, link.encode() if link else b""),
            )
        return body, link
