"""Helpers for tests that change sandbox items and read them back (OAI-PMH records, landing pages)."""

from __future__ import annotations

from typing import Any

import httpx

from bridge.sandbox.store import metadata_value


def rest(sandbox: Any) -> httpx.Client:
    """Return a DSpace REST client logged in as the sandbox's admin (CSRF token kept current)."""
    http = httpx.Client(base_url=sandbox.urls["rest"] + "/", timeout=30)

    def track(response: httpx.Response) -> None:
        if token := response.headers.get("DSPACE-XSRF-TOKEN"):
            http.headers["X-XSRF-TOKEN"] = token

    http.event_hooks["response"] = [track]
    http.get("security/csrf")
    r = http.post("authn/login", data={"user": sandbox.admin.email, "password": sandbox.admin.password})
    assert r.status_code == 200, r.text
    http.headers["Authorization"] = r.headers["Authorization"]
    return http


def archived(store: Any, title: str) -> dict[str, Any]:
    """Create an archived item with `title` in the store's first collection."""
    md = {"dc.title": [metadata_value(title, "en")], "dc.contributor.author": [metadata_value("Doe, Jane")]}
    return store.create_item(store.collections()[0]["uuid"], md)
