"""sickle over the bridge's shared httpx client: one parse per page, retries, OAI errors by code.

``OAIClient`` subclasses ``sickle.Sickle`` and replaces its request and response handling: requests
go through one keep-alive ``httpx.Client`` with the retry policy of ``bridge.http`` (503/429/5xx and
transport errors, ``Retry-After`` honoured), truncated bodies are fetched again, every page is parsed
exactly once by ``bridge.oai.parse``, and OAI errors are raised as ``bridge.errors.OAIError``
subclasses even when a server sends them with a 4xx/5xx status.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from lxml import etree
from sickle import Sickle
from sickle.response import OAIResponse

from bridge.errors import OAIError, RepositoryError
from bridge.http import DEFAULT_POLICY, RetryPolicy, accept_encoding, make_client, require_http_url, send_idempotent
from bridge.http_bounds import DEFAULT_LIMITS, NetLimits
from bridge.oai.bigpage import Oversized, parse_big_page
from bridge.oai.parse import NS, NotOAI, ParsedPage, TruncatedBody, oai_errors, parse_page

TRUNCATION_RETRIES = 3


class OAIPage(OAIResponse):
    """A sickle OAIResponse whose XML is parsed once, safely, with its repair notes."""

    def __init__(
        self,
        http_response: httpx.Response,
        params: dict[str, Any],
        parsed: ParsedPage,
        oversized: list[Oversized] | None = None,
    ) -> None:
        super().__init__(http_response, params)
        self.parsed = parsed
        self.oversized = oversized or []  # records skipped for their size (never held whole)

    @property
    def xml(self) -> etree._Element:  # sickle re-parses on every access; we never do
        return self.parsed.root

    @property
    def raw(self) -> str:
        return self.http_response.content.decode("utf-8", errors="replace")

    @property
    def response_date(self) -> str | None:
        node = self.parsed.root.find("oai:responseDate", NS)
        return node.text.strip() if node is not None and node.text else None

    def resumption_token(self) -> ResumptionToken | None:
        """Return the page's token (None when absent); an empty or whitespace-only token means the list is done."""
        for verb in self.parsed.root:
            node = verb.find("oai:resumptionToken", NS)
            if node is not None:
                return ResumptionToken(
                    token=(node.text or "").strip(),
                    cursor=node.get("cursor"),
                    complete_list_size=node.get("completeListSize"),
                    expiration_date=node.get("expirationDate"),
                )
        return None


@dataclass(frozen=True)
class ResumptionToken:
    token: str
    cursor: str | None = None
    complete_list_size: str | None = None
    expiration_date: str | None = None


class OAIClient(Sickle):
    """sickle's Sickle with httpx, retries, a single safe parse and typed OAI errors."""

    def __init__(
        self,
        endpoint: str,
        *,
        client: httpx.Client | None = None,
        http_method: str = "GET",
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Callable[[float], None] | None = None,
        limits: NetLimits = DEFAULT_LIMITS,
    ) -> None:
        require_http_url(endpoint, "OAI-PMH endpoint")
        super().__init__(endpoint, http_method=http_method, max_retries=0)
        self.limits = limits
        headers = {"Accept-Encoding": accept_encoding(endpoint)}
        self.client = client or make_client(timeout=60.0, limits=limits, headers=headers)
        self.own_client = client is None
        self.policy = policy
        self.sleep = sleep
        self.rng = random.Random()  # one per client: seeding a new one for each request costs more than the request
        self.requests = 0

    def close(self) -> None:
        if self.own_client:
            self.client.close()

    def __enter__(self) -> OAIClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, kwargs: dict[str, Any]) -> httpx.Response:
        def send() -> httpx.Response:
            self.requests += 1
            if self.http_method == "GET":
                request = self.client.build_request("GET", self.endpoint, params=kwargs)
            else:
                request = self.client.build_request("POST", self.endpoint, data=kwargs)
            try:
                response = self.client.send(request, stream=True, follow_redirects=True)
            except httpx.TooManyRedirects as exc:
                last = exc.request.url.copy_with(query=None)
                raise RepositoryError(
                    f"OAI-PMH {kwargs.get('verb')}: {self.endpoint} redirects in a loop "
                    f"(more than {self.client.max_redirects} redirects, last to {last})",
                    hint="the provider's server is misconfigured; check the endpoint URL or report it to the provider",
                ) from None
            return _spooled(response, self.limits.max_record)

        what = f"OAI-PMH {kwargs.get('verb')}"
        return send_idempotent(send, policy=self.policy, what=what, sleep=self.sleep, rng=self.rng)

    def harvest(self, **kwargs: Any) -> OAIPage:
        """Send one OAI-PMH request and return its parsed page; raise on OAI errors."""
        last: TruncatedBody | None = None
        for _ in range(TRUNCATION_RETRIES):
            try:
                response = self._request(kwargs)
                page = self._parse(response, kwargs)
                break
            except (TruncatedBody, httpx.RemoteProtocolError) as exc:
                last = exc if isinstance(exc, TruncatedBody) else TruncatedBody(f"incomplete response: {exc}")
        else:
            assert last is not None
            raise last
        errors = oai_errors(page.parsed.root)
        if errors:
            code, message = errors[0]
            err = OAIError.for_code(code, message)
            err.status = response.status_code
            raise err
        return page

    def _parse(self, response: httpx.Response, params: dict[str, Any]) -> OAIPage:
        url = str(response.request.url) if response.request else self.endpoint
        spool = response.extensions.get("bridge.spool")
        oversized: list[Oversized] = []
        try:
            if spool is not None:  # larger than a record may be: parse in chunks, skipping oversized records
                with spool:
                    parsed, oversized = parse_big_page(spool, limit=self.limits.max_record, url=url)
            else:
                parsed = parse_page(response.content, url=url, content_type=response.headers.get("content-type", ""))
        except NotOAI as exc:
            if response.status_code >= 400:
                raise RepositoryError(
                    f"OAI-PMH {params.get('verb')} failed: HTTP {response.status_code} from {url}",
                    status=response.status_code,
                    hint="the server answered with an error page; try again later or check the endpoint",
                ) from exc
            raise
        return OAIPage(response, params, parsed, oversized)

    def identify(self) -> Identity:
        page = self.harvest(verb="Identify")
        guessed = [r for r in page.parsed.repairs if r.startswith(("recovered from", "left"))]
        if guessed:  # Identify steers the whole run (dates, granularity): never from a recovered guess
            problem = "; ".join(guessed)
            raise NotOAI(
                f"malformed Identify response from {self.endpoint} (the provider's XML is not well-formed: {problem})",
                hint="report it to the provider; nothing was harvested",
            )
        node = page.xml.find("oai:Identify", NS)
        if node is None:
            raise NotOAI(f"Identify response from {self.endpoint} has no <Identify>")

        def text(name: str) -> str | None:
            child = node.find(f"oai:{name}", NS)
            return child.text.strip() if child is not None and child.text else None

        return Identity(
            repository_name=text("repositoryName") or "",
            base_url=text("baseURL") or self.endpoint,
            granularity=text("granularity") or "YYYY-MM-DD",
            earliest_datestamp=text("earliestDatestamp"),
            deleted_record=text("deletedRecord") or "no",
            response_date=page.response_date,
            compression=[c.text for c in node.findall("oai:compression", NS) if c.text],
        )


def _spooled(response: httpx.Response, max_in_memory: int) -> httpx.Response:
    """Read a streamed answer (its size and time bounded by the transport) into memory or, when large, a file.

    A body larger than `max_in_memory` (the record limit) comes back with an empty ``content`` and the open file in
    ``extensions["bridge.spool"]``; OAIClient parses it in chunks.
    """
    limit = max_in_memory
    spool = tempfile.SpooledTemporaryFile(max_size=limit)  # noqa: SIM115  # handed on open, or closed here
    try:
        for chunk in response.iter_bytes():
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    finally:
        response.close()
    extensions = dict(response.extensions)
    size = spool.tell()
    if size <= limit:
        spool.seek(0)
        content = spool.read()
        spool.close()
    else:
        content, extensions["bridge.spool"] = b"", spool
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        content=content,
        request=response.request,
        extensions=extensions,
    )


@dataclass(frozen=True)
class Identity:
    """What Identify says, as the harvester needs it."""

    repository_name: str
    base_url: str
    granularity: str
    earliest_datestamp: str | None
    deleted_record: str
    response_date: str | None
    compression: list[str]

    @property
    def seconds(self) -> bool:
        return "hh:mm:ss" in self.granularity

    def format_date(self, when: dt.datetime) -> str:
        """Format a UTC time at the repository's granularity."""
        when = when.astimezone(dt.UTC)
        return when.strftime("%Y-%m-%dT%H:%M:%SZ") if self.seconds else when.strftime("%Y-%m-%d")
