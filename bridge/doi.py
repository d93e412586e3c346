"""DataCite DOIs for deposits, through the `datacite` package's REST client against the profile's DataCite API.

The DOI of a deposit is derived from its deposit key (``<prefix>/bridge.<10 base32 characters>``), so a run
that was killed after reserving it finds the same DOI again (GET first) instead of minting a second one. The
draft is reserved before the deposit, so the DOI goes into the deposited metadata; it is published
(``event: publish``, url = the landing page) only after the item is archived and read back. Reads are retried;
a write that got no clear answer is followed by a read of the DOI before anything is sent again.

The package's REST client builds every request through one method; here it is the bridge's bounded httpx
client (``bridge.http.make_client``), so DataCite's answers are held to the same decoded-size limit and deadline
as every other answer (``max_response_mb``, ``request_deadline``, ``--max-duration``), not read whole by requests.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bridge.crosswalk import to_datacite_json
from bridge.errors import ConfigError, RepositoryError, TransportError
from bridge.http import make_client
from bridge.settings import Profile, net_limits

READ_ATTEMPTS = 4
SUFFIX_PREFIX = "bridge."


def doi_for(prefix: str, deposit_key: str) -> str:
    """Return the deterministic DOI of a deposit: the prefix, then 'bridge.' and 10 base32 characters of the key."""
    suffix = base64.b32encode(bytes.fromhex(deposit_key)[:7]).decode("ascii").lower()[:10]
    return f"{prefix.strip().rstrip('/')}/{SUFFIX_PREFIX}{suffix}"


@dataclass
class DoiState:
    """A DOI as the DataCite API reports it."""

    doi: str
    state: str  # draft | registered | findable
    url: str | None
    attributes: dict[str, Any] = field(default_factory=dict)


def _status(exc: Exception) -> int | None:
    """Return the HTTP status a JSON:API error body names (the package maps 422 to its server error)."""
    try:
        body = json.loads(str(exc.args[0]))
        return int(body["errors"][0]["status"])
    except (ValueError, LookupError, TypeError, AttributeError):
        return None


def _message(exc: Exception) -> str:
    """Return the titles of a JSON:API error body, else the exception text (never credentials)."""
    text = str(exc.args[0]) if exc.args else str(exc)
    try:
        body = json.loads(text)
        titles = [e.get("title") or e.get("detail") for e in body.get("errors", []) if isinstance(e, dict)]
        if titles:
            return "; ".join(str(t) for t in titles if t)
    except (ValueError, AttributeError):
        pass
    return text[:200]


class BoundedRequest:
    """What the datacite package's REST client asks of a request object (get/post/put/delete, answered with
    status_code, text and json()), sent through a bounded httpx client; transport failures become the package's
    HttpError, which DoiClient already retries or reads back after."""

    def __init__(self, client: httpx.Client, base_url: str) -> None:
        self.client, self.base_url = client, base_url

    def request(
        self,
        url: str,
        method: str = "GET",
        body: str | bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        from datacite.errors import HttpError

        content = body.encode("utf-8") if isinstance(body, str) else body
        try:
            return self.client.request(method, self.base_url + url, content=content, params=params, headers=headers)
        except httpx.HTTPError as exc:  # connection refused, timeouts, broken answers: no status to judge by
            raise HttpError(exc) from exc

    def get(self, url: str, params: Any = None, headers: Any = None) -> httpx.Response:
        return self.request(url, "GET", params=params, headers=headers)

    def post(self, url: str, body: str | None = None, params: Any = None, headers: Any = None) -> httpx.Response:
        return self.request(url, "POST", body=body, params=params, headers=headers)

    def put(self, url: str, body: str | None = None, params: Any = None, headers: Any = None) -> httpx.Response:
        return self.request(url, "PUT", body=body, params=params, headers=headers)

    def delete(self, url: str, params: Any = None, headers: Any = None) -> httpx.Response:
        return self.request(url, "DELETE", params=params, headers=headers)


class DoiClient:
    """Reserve, read and publish DOIs for one profile's DataCite account."""

    def __init__(
        self,
        profile: Profile,
        *,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        from datacite import DataCiteRESTClient

        env = profile.env_prefix()
        missing = [
            name for name, value in (("doi_api", profile.doi_api), ("doi_prefix", profile.doi_prefix)) if not value
        ]
        if missing:
            raise ConfigError(
                f"profile {profile.name!r} cannot mint DOIs: {' and '.join(missing)} not set",
                hint="add them to the profile in bridge.toml, or publish with --no-doi",
            )
        if not profile.doi_user or profile.doi_password is None:
            raise ConfigError(
                f"profile {profile.name!r} has no DataCite credentials",
                hint=f"set {env}DOI_USER and {env}DOI_PASSWORD, or publish with --no-doi",
            )
        self.profile = profile
        self.prefix = str(profile.doi_prefix)
        http = make_client(
            timeout=timeout,
            auth=(profile.doi_user, profile.doi_password.get_secret_value()),
            limits=net_limits(profile),
            transport=transport,
        )
        self.http = http

        class BoundedRESTClient(DataCiteRESTClient):
            def _create_request(self) -> BoundedRequest:
                return BoundedRequest(http, self.api_url)

        self.api = BoundedRESTClient(
            username=profile.doi_user,
            password=profile.doi_password.get_secret_value(),
            prefix=self.prefix,
            url=str(profile.doi_api),
            timeout=timeout,
        )
        self.sleep = sleep

    def close(self) -> None:
        self.http.close()

    def doi_for(self, deposit_key: str) -> str:
        return doi_for(self.prefix, deposit_key)

    # -- reads ------------------------------------------------------------------------------------------
    def get(self, doi: str) -> DoiState | None:
        """Return the DOI's state (drafts included: the call is authenticated), or None when it does not exist."""
        from datacite.errors import DataCiteError, DataCiteNotFoundError, DataCiteServerError, HttpError

        for attempt in range(READ_ATTEMPTS):
            try:
                attributes = self.api.get_metadata(doi)
            except DataCiteNotFoundError:
                return None
            except (HttpError, DataCiteServerError) as exc:
                if attempt + 1 == READ_ATTEMPTS:
                    raise TransportError(f"read DOI {doi} from DataCite: {_message(exc)}") from None
                self.sleep(0.5 * 2**attempt)
                continue
            except DataCiteError as exc:
                raise self._error(exc, f"read DOI {doi}") from None
            return DoiState(
                doi=doi, state=str(attributes.get("state") or "draft"), url=attributes.get("url"), attributes=attributes
            )
        return None

    # -- writes -----------------------------------------------------------------------------------------
    def reserve(self, record: dict[str, Any]) -> DoiState:
        """Make sure the record's DOI exists (as a draft, unless it already went further) and return its state."""
        doi = record["doi"]
        found = self.get(doi)
        if found is not None:
            return found
        body = to_datacite_json(record)
        self._send(lambda: self.api.post_doi(body["data"]), f"reserve DOI {doi}", doi, lambda s: s is not None)
        found = self.get(doi)
        if found is None:
            raise RepositoryError(f"reserve DOI {doi}: DataCite accepted it but cannot show it", hint="try again later")
        return found

    def publish(self, record: dict[str, Any], url: str) -> DoiState:
        """Publish the DOI (findable) with the landing page URL and the final metadata; return what DataCite shows."""
        doi = record["doi"]
        body = to_datacite_json(record, url=url, event="publish")
        body["data"]["id"] = doi

        def landed(state: DoiState | None) -> bool:
            return state is not None and state.state == "findable" and state.url == url

        self._send(lambda: self.api.put_doi(doi, body["data"]), f"publish DOI {doi}", doi, landed)
        found = self.get(doi)
        if not landed(found):
            shown = f"state {found.state}, url {found.url}" if found else "nothing"
            raise RepositoryError(
                f"publish DOI {doi}: DataCite shows {shown} instead of findable at {url}",
                hint="run the same command again; it publishes the DOI again",
            )
        assert found is not None
        return found

    def add_related(self, doi: str, related: dict[str, str]) -> bool:
        """Add a related identifier to a DOI's metadata unless it is there; return whether it was added."""
        found = self.get(doi)
        if found is None:
            raise RepositoryError(f"link DOI {doi}: DataCite does not know it")
        current = list(found.attributes.get("relatedIdentifiers") or [])
        if any(all(r.get(k) == v for k, v in related.items()) for r in current):
            return False
        data = {"id": doi, "type": "dois", "attributes": {"relatedIdentifiers": [*current, related]}}

        def linked(state: DoiState | None) -> bool:
            shown = (state.attributes.get("relatedIdentifiers") or []) if state else []
            return any(all(r.get(k) == v for k, v in related.items()) for r in shown)

        self._send(lambda: self.api.put_doi(doi, data), f"link DOI {doi}", doi, linked)
        return True

    def _send(self, call: Callable[[], Any], what: str, doi: str, applied: Callable[[DoiState | None], bool]) -> None:
        """Send a write once; after an unclear failure read the DOI, and send again only if it did not apply."""
        from datacite.errors import DataCiteError, DataCiteServerError, HttpError

        for attempt in range(2):
            try:
                call()
                return
            except (HttpError, DataCiteServerError) as exc:
                if applied(self.get(doi)):  # the write happened (or a race made it so): nothing to resend
                    return
                if isinstance(exc, DataCiteServerError) and (_status(exc) or 500) < 500:
                    raise self._error(exc, what) from None  # e.g. 422: the package files it as a server error
                if attempt == 1:
                    raise TransportError(f"{what}: {_message(exc)}", hint="run the same command again later") from None
                self.sleep(1.0)
            except DataCiteError as exc:
                if applied(self.get(doi)):  # e.g. a 422 "already taken" after a race: it exists, which is the goal
                    return
                raise self._error(exc, what) from None

    def _error(self, exc: Exception, what: str) -> RepositoryError:
        from datacite.errors import (
            DataCiteForbiddenError,
            DataCiteUnauthorizedError,
        )

        if isinstance(exc, DataCiteUnauthorizedError | DataCiteForbiddenError):
            env = self.profile.env_prefix()
            return RepositoryError(
                f"{what}: DataCite refused the credentials of profile {self.profile.name!r}",
                status=401,
                hint=f"check {env}DOI_USER and {env}DOI_PASSWORD and that the prefix {self.prefix} is assigned to them",
            )
        return RepositoryError(f"{what}: DataCite said: {_message(exc)}", hint="check the DOI metadata and profile")
