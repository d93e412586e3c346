"""The DSpace 7+ REST session both targets share: CSRF and JWT login, safe retries, search, reading items back.

Reads (GETs) are retried with the bridge's Retry-After-aware policy. Writes are sent once: a refused CSRF
token (403 with a fresh one) or an expired login (401) means the server did not act, so the write is sent
again after refreshing; a timeout, a dropped connection or a 5xx raises AmbiguousWrite, because the write
may have happened and only reading the remote state can tell.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import httpx

from bridge.errors import AmbiguousWrite, ConfigError, RepositoryError
from bridge.http import make_client, require_http_url, retry_after_seconds, send_idempotent
from bridge.pid import bare_doi
from bridge.settings import Profile, net_limits
from bridge.targets.interface import KEY_PREFIX, Deposited, RemoteFile

CSRF_HEADER = "DSPACE-XSRF-TOKEN"
PAGE_SIZE = 100


def solr_phrase(value: str) -> str:
    """Return a value as a quoted Solr phrase (backslash and quote escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def key_query(deposit_key: str) -> str:
    """Return the discovery query for a deposit key: REST deposits carry it in dc.identifier.other, SWORD ones in
    dc.identifier (SWORD's Dublin Core has no qualified identifier)."""
    phrase = solr_phrase(KEY_PREFIX + deposit_key)
    return f"dc.identifier.other:{phrase} OR dc.identifier:{phrase}"


def is_uuid(value: str) -> bool:
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True


def last_segment(href: str | None) -> str | None:
    """Return the last path segment of a link (an id or UUID), or None."""
    if not href:
        return None
    return href.rstrip("/").rsplit("/", 1)[-1] or None


def error_message(response: httpx.Response) -> str:
    """Return the server's message from a Spring error body, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    text = response.text.strip().replace("\n", " ")
    return text[:200] or response.reason_phrase


class DSpaceSession:
    """One logged-in conversation with a DSpace 7+ REST API (``…/server/api``)."""

    def __init__(
        self, profile: Profile, *, transport: httpx.BaseTransport | None = None, timeout: float = 60.0
    ) -> None:
        if not profile.rest_url:
            raise ConfigError(f"profile {profile.name!r} has no rest_url")
        self.profile = profile
        self.base = require_http_url(profile.rest_url, f"profile {profile.name!r} rest_url").rstrip("/")
        self.client = make_client(
            timeout=timeout, transport=transport, headers={"Accept": "application/json"}, limits=net_limits(profile)
        )
        self.csrf: str | None = None
        self.logged_in = False
        self.eperson_uuid: str | None = None

    def close(self) -> None:
        self.client.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base}/{path.lstrip('/')}"

    def _absorb(self, response: httpx.Response) -> None:
        token = response.headers.get(CSRF_HEADER)
        if token:
            self.csrf = token

    def error(self, response: httpx.Response, what: str) -> RepositoryError:
        code = response.status_code
        hint = None
        if code in (401, 403):
            hint = f"check that the account of profile {self.profile.name!r} may deposit in this collection"
        elif code >= 500 or code == 429:
            hint = "the repository has a problem; run the same command again later"
        return RepositoryError(f"{what}: HTTP {code}: {error_message(response)}", status=code, hint=hint)

    # -- authentication ---------------------------------------------------------------------------------
    def login(self) -> None:
        """Log in (password form or the profile's token) and learn the caller's eperson UUID."""
        if self.logged_in:
            return
        p = self.profile
        self.client.headers.pop("Authorization", None)
        if p.token is not None:
            token = p.token.get_secret_value()
            self.client.headers["Authorization"] = token if token.lower().startswith("bearer ") else f"Bearer {token}"
        else:
            if not p.user or p.password is None:
                env = p.env_prefix()
                raise ConfigError(
                    f"profile {p.name!r} has no credentials for {self.base}",
                    hint=f"set {env}USER and {env}PASSWORD (or {env}TOKEN) in the environment",
                )
            if self.csrf is None:
                self.get("security/csrf", ok=(200, 204))
            form = {"user": p.user, "password": p.password.get_secret_value()}
            response = self._login_post(form)
            if response.status_code == 401:
                raise ConfigError(
                    f"login to {self.base} as {p.user} failed: the repository refused the credentials",
                    hint=f"check {p.env_prefix()}USER and {p.env_prefix()}PASSWORD",
                )
            if response.status_code != 200 or not response.headers.get("Authorization"):
                raise self.error(response, "login")
            self.client.headers["Authorization"] = response.headers["Authorization"]
        status = self.get_json("authn/status", relogin=False)
        if not status.get("authenticated"):
            raise ConfigError(
                f"the repository at {self.base} did not accept the login of profile {p.name!r}",
                hint=f"check {p.env_prefix()}TOKEN, or use USER and PASSWORD",
            )
        eperson = (status.get("_embedded") or {}).get("eperson") or {}
        self.eperson_uuid = eperson.get("uuid") or last_segment(
            ((status.get("_links") or {}).get("eperson") or {}).get("href")
        )
        self.logged_in = True

    def _login_post(self, form: dict[str, str]) -> httpx.Response:
        """POST the login form, retried like a read: logging in twice changes nothing but the token we get."""
        url = self.url("authn/login")

        def send() -> httpx.Response:
            headers = {"X-XSRF-TOKEN": self.csrf} if self.csrf else {}
            response = self.client.post(url, data=form, headers=headers)
            self._absorb(response)
            return response

        for _ in range(3):
            response = send_idempotent(send, what="login")
            refused_csrf = response.status_code == 403 and "csrf" in error_message(response).lower()
            if not (refused_csrf and response.headers.get(CSRF_HEADER)):
                break  # else the server refused the token and sent a new one: log in again with it
        return response

    # -- requests ---------------------------------------------------------------------------------------
    def get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        ok: tuple[int, ...] = (200,),
        none_on: tuple[int, ...] = (),
        relogin: bool = True,
    ) -> httpx.Response | None:
        """GET with retries; None for a status in `none_on`; RepositoryError for any other unexpected status."""
        url = self.url(path)
        for attempt in range(2):
            response = send_idempotent(lambda: self.client.get(url, params=params), what=f"GET {url}")
            self._absorb(response)
            if response.status_code == 401 and relogin and self.logged_in and attempt == 0:
                self.logged_in = False  # the JWT expired: log in again and repeat the read
                self.login()
                continue
            break
        if response.status_code in none_on:
            return None
        if response.status_code not in ok:
            raise self.error(response, f"GET {path.split('?')[0]}")
        return response

    def get_json(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        response = self.get(path, params, **kwargs)
        assert response is not None
        return response.json() if response.content else {}

    def write(self, method: str, path: str, *, what: str, relogin: bool = True, **kwargs: Any) -> httpx.Response:
        """Send a write once (again only when the server refused it unprocessed); AmbiguousWrite when unsure."""
        url = self.url(path)
        extra = kwargs.pop("headers", {}) or {}
        for attempt in range(3):
            headers = dict(extra)
            if self.csrf:
                headers["X-XSRF-TOKEN"] = self.csrf
            try:
                response = self.client.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                raise AmbiguousWrite(f"{what}: no answer from {httpx.URL(url).host} ({type(exc).__name__})") from exc
            refreshed = bool(response.headers.get(CSRF_HEADER))
            self._absorb(response)
            if response.status_code == 403 and refreshed and "csrf" in error_message(response).lower() and attempt < 2:
                continue  # the server refused the token and sent a new one: nothing happened, send again
            if response.status_code == 401 and relogin and self.logged_in and attempt < 2:
                self.logged_in = False
                self.login()
                continue
            if response.status_code >= 500 or response.status_code == 429:
                raise AmbiguousWrite(
                    f"{what}: HTTP {response.status_code}: {error_message(response)}",
                    retry_after=retry_after_seconds(response),
                )
            return response
        return response

    def pages(self, path: str, key: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Return every resource of a paged HAL list, following `_links.next`."""
        out: list[dict[str, Any]] = []
        body = self.get_json(path, {"size": PAGE_SIZE, **(params or {})})
        for _ in range(10_000):
            out.extend((body.get("_embedded") or {}).get(key) or [])
            nxt = ((body.get("_links") or {}).get("next") or {}).get("href")
            if not nxt:
                break
            body = self.get_json(nxt)
        return out

    # -- lookups ----------------------------------------------------------------------------------------
    def search_items(self, query: str) -> list[dict[str, Any]]:
        """Return the items of a discovery search (first page is enough for exact-identifier queries)."""
        body = self.get_json("discover/search/objects", {"query": query, "dsoType": "item", "size": PAGE_SIZE})
        result = (body.get("_embedded") or {}).get("searchResult") or {}
        objects = (result.get("_embedded") or {}).get("objects") or []
        return [o["_embedded"]["indexableObject"] for o in objects if (o.get("_embedded") or {}).get("indexableObject")]

    def collection_uuid(self, handle: str) -> str:
        """Return the UUID of the collection with this handle."""
        for collection in self.pages("core/collections", "collections"):
            if collection.get("handle") == handle:
                return collection["uuid"]
        raise ConfigError(
            f"no collection with handle {handle} at {self.base}",
            hint="give an existing collection handle with --collection or in the profile",
        )

    def item(self, uuid: str) -> dict[str, Any] | None:
        response = self.get(f"core/items/{uuid}", none_on=(404,))
        return response.json() if response is not None else None

    def find_by_pid(self, pid: str) -> dict[str, Any] | None:
        """Return the item a handle, DOI or UUID names: pid/find first, then discovery."""
        if is_uuid(pid):
            return self.item(pid)
        response = self.get("pid/find", {"id": pid}, ok=(301, 302, 303, 307, 200), none_on=(400, 404, 405, 501))
        if response is not None:
            target = response.headers.get("location") if response.status_code != 200 else None
            uid = last_segment(target) if target else (response.json() or {}).get("uuid")
            if uid and is_uuid(uid):
                return self.item(uid)
        if (doi := bare_doi(pid)) is not None:
            query = f"dc.identifier.doi:{solr_phrase('https://doi.org/' + doi)}"
        else:
            query = f"handle:{solr_phrase(pid)}"
        for item in self.search_items(query):
            if item.get("handle") == pid or pid in str(item.get("metadata", {}).get("dc.identifier.doi", "")):
                return item
        return None

    def item_files(self, item_uuid: str) -> list[RemoteFile]:
        """Return the files of the item's ORIGINAL bundle with the checksums the repository computed."""
        files: list[RemoteFile] = []
        for bundle in self.pages(f"core/items/{item_uuid}/bundles", "bundles"):
            if bundle.get("name") != "ORIGINAL":
                continue
            for bs in self.pages(f"core/bundles/{bundle['uuid']}/bitstreams", "bitstreams"):
                checksum = bs.get("checkSum") or {}
                md5 = checksum.get("value") if str(checksum.get("checkSumAlgorithm", "MD5")).upper() == "MD5" else None
                files.append(
                    RemoteFile(
                        name=bs.get("name") or "",
                        size=bs.get("sizeBytes"),
                        md5=md5,
                        bitstream_id=bs.get("uuid"),
                        url=((bs.get("_links") or {}).get("content") or {}).get("href"),
                    )
                )
        return files

    def deposited(self, item: dict[str, Any], *, with_files: bool = True) -> Deposited:
        """Return an item resource as a Deposited, reading its files when asked."""
        uuid = item.get("uuid") or item["id"]  # DSpace sends both; "id" is the same UUID
        handle = item.get("handle")
        uris = [v.get("value") for v in (item.get("metadata") or {}).get("dc.identifier.uri", [])]
        return Deposited(
            item_id=uuid,
            handle=handle,
            archived=bool(item.get("inArchive")) and bool(handle),
            metadata=item.get("metadata") or {},
            files=self.item_files(uuid) if with_files else [],
            landing_url=next((u for u in uris if u and handle and u.endswith(handle)), None),
        )

    def archived_with_key(self, deposit_key: str) -> str | None:
        """Return the UUID of the archived item that carries this deposit key, if any."""
        self.login()
        for item in self.search_items(key_query(deposit_key)):
            found = self.deposited(item, with_files=False)
            if found.archived and deposit_key in found.deposit_keys():
                return found.item_id
        return None

    def same_title(self, title: str) -> list[Deposited]:
        """Return archived items deposited by the bridge (they carry a key) under exactly this title."""
        self.login()
        out = []
        for item in self.search_items(f"dc.title:{solr_phrase(title)}"):
            found = self.deposited(item, with_files=False)
            titles = [t.strip() for t in found.values("dc.title")]
            if found.archived and found.deposit_keys() and title.strip() in titles:
                out.append(found)
        return out

    def resolve(self, pid: str) -> Deposited | None:
        """Return the item a Handle or DOI names, without its files."""
        self.login()
        item = self.find_by_pid(pid)
        return self.deposited(item, with_files=False) if item else None

    def workspace_items(self) -> list[dict[str, Any]] | None:
        """Return the caller's workspace items (item embedded); None when the server offers no way to list them.

        ``workspaceitems/search/findBySubmitter`` first; without it, the ``workspace`` discovery configuration
        (MyDSpace), whose hits are workspace items or, on some servers, their unarchived items.
        """
        self.login()
        if self.eperson_uuid:
            path = "submission/workspaceitems/search/findBySubmitter"
            params = {"uuid": self.eperson_uuid, "embed": "item"}
            if self.get(path, {**params, "size": 1}, none_on=(400, 404, 405)) is not None:
                return self.pages(path, "workspaceitems", params)
        found = self.get(
            "discover/search/objects", {"configuration": "workspace", "size": PAGE_SIZE}, none_on=(400, 404)
        )
        if found is None:
            return None
        out: list[dict[str, Any]] = []
        body = found.json()
        for _ in range(10_000):
            result = (body.get("_embedded") or {}).get("searchResult") or {}
            for hit in (result.get("_embedded") or {}).get("objects") or []:
                obj = (hit.get("_embedded") or {}).get("indexableObject") or {}
                if obj.get("type") == "workspaceitem":
                    out.append(obj)
                elif obj.get("type") == "item" and not obj.get("handle"):
                    wsi = self.get(
                        "submission/workspaceitems/search/item", {"uuid": obj["uuid"], "embed": "item"}, ok=(200, 204)
                    )
                    if wsi is not None and wsi.status_code == 200 and wsi.content:
                        out.append(wsi.json())
            nxt = ((result.get("_links") or {}).get("next") or {}).get("href")
            if not nxt:
                break
            body = self.get_json(nxt)
        return out
