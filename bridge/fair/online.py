"""Gather a PID's evidence over HTTP, the way FAIR EVA and F-UJI do and more, then assess it; or every record.

For one subject, concurrently where the steps allow: the Handle and DOI proxy APIs; the landing page (status,
Signposting ``Link`` header, HTML ``<link>``/``<meta>``, JSON-LD); the linkset and the describedby document;
the DataCite REST record; OAI-PMH Identify, ListMetadataFormats and GetRecord (``dim``, else ``oai_dc``); each
file with a ``Range: bytes=0-0`` GET (status, type, length). Requests go through verify's `Fetcher` (global and
per-host limits, retries with Retry-After, a per-run cache). A source that gives no HTTP answer is recorded in
``Evidence.failed``, so the indicators that need it are indeterminate rather than failed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from bridge.errors import BridgeError, IdDoesNotExist, UsageError
from bridge.fair import harvest_page
from bridge.fair.assess import assess
from bridge.fair.datacite_xml import parse_datacite_xml
from bridge.fair.evidence import Evidence, FileSeen
from bridge.fair.model import FairReport
from bridge.http import RetryPolicy
from bridge.pid import bare_doi, bare_handle
from bridge.settings import Profile, Settings
from bridge.verify.fetch import VERIFY_POLICY, Fetched, Fetcher, _declared_md5, close_clients, make_clients
from bridge.verify.http_checks import DATACITE_API, DOI_RESOLVER_API, HANDLE_API, HTML, JSONAPI, url_value
from bridge.verify.transport import Reply

OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"


@dataclass
class FairOptions:
    """How to assess PIDs: the limits verify uses, and for --all which records."""

    since: dt.datetime | None = None
    concurrency: int = 8
    per_host: int = 4
    timeout: float = 30.0
    policy: RetryPolicy = VERIFY_POLICY


async def probe(fetcher: Fetcher, url: str) -> Fetched:
    """GET the first byte of a file (FAIR EVA's Range GET): status, Content-Type and the full length, no body."""

    async def consume(response: Reply, out: Fetched) -> None:
        total = response.headers.get("content-range", "").rpartition("/")[2]
        length = total if total.isdigit() else response.headers.get("content-length")
        out.size = int(length) if length and length.isdigit() else None
        out.md5 = _declared_md5(response.headers)  # DSpace's ETag is the MD5: a checksum for free

    # verify's fetcher, with its slots, retries and per-run cache; only the request differs
    return await fetcher._cached(
        ("probe", url, ""), lambda: fetcher._stream(url, {"Range": "bytes=0-0"}, True, consume)
    )


def _no_answer(got: Fetched) -> bool:
    return got.status is None


class Gatherer:
    """Gather one subject's evidence with a shared fetcher and a repository profile."""

    def __init__(self, fetcher: Fetcher, profile: Profile | None) -> None:
        self.fetcher = fetcher
        self.profile = profile
        p = profile or Profile()
        self.handle_api = (p.handle_api or HANDLE_API).rstrip("/")
        self.doi_resolver_api = (p.doi_resolver_api or DOI_RESOLVER_API).rstrip("/")
        self.doi_api = (p.doi_api or DATACITE_API).rstrip("/")
        self.oai_url = p.oai_url
        self.resolvers = tuple(r for r in (p.handle_resolver, p.landing_base) if r)
        self._identify: asyncio.Task[tuple[bool | None, str | None, list[str], str | None, str | None]] | None = None

    async def gather(
        self,
        text: str,
        *,
        handle: str | None = None,
        doi: str | None = None,
        landing: str | None = None,
        md5s: dict[str, str] | None = None,
    ) -> Evidence:
        """Return the evidence for a Handle, DOI or landing URL (known PIDs, landing page, deposited MD5s)."""
        ev = Evidence(mode="pid", subject=text, sandbox=bool(self.profile and self.profile.sandbox))
        ev.deposited_md5 = dict(md5s or {})
        ev.doi = doi or bare_doi(text)
        ev.handle = handle or (None if ev.doi else bare_handle(text, self.resolvers))
        if (
            text.startswith(("http://", "https://"))
            and not bare_doi(text)
            and not bare_handle(text, self.resolvers, landing_pages=False)
        ):
            landing = landing or text
        ev.pid = ev.doi if (ev.doi and not handle) else ev.handle or ev.doi
        await self._resolve(ev)
        ev.landing_url = landing or ev.resolved.get(ev.pid or "") or next((u for u in ev.resolved.values() if u), None)
        if ev.landing_url is None:
            if "pid" not in ev.failed:
                ev.failed.setdefault("landing", "the PID resolves nowhere, so there is no landing page")
            ev.failed.setdefault("files", "no landing page")
        await asyncio.gather(self._landing(ev), self._datacite(ev))
        if ev.doi and not ev.handle and ev.landing_url:  # a DOI whose landing page names the Handle
            ev.handle = self._handle_in(ev.landing_url)
        if ev.handle and ev.handle not in ev.resolved:  # found on the way: check it resolves too
            await self._resolve_one(ev, ev.handle, self.handle_api)
        if not ev.doi and ev.meta.get("citation_doi"):
            ev.doi = bare_doi(ev.meta["citation_doi"][0])
            await self._datacite(ev)
        await asyncio.gather(self._oai(ev), self._signposting(ev))
        if ev.datacite is None and ev.describedby:  # no DOI record: the repository's DataCite XML (F-UJI does so)
            ev.datacite = parse_datacite_xml(ev.describedby)
        return ev

    # -- PIDs ---------------------------------------------------------------------------------------------
    async def _resolve(self, ev: Evidence) -> None:
        jobs = []
        if ev.handle:
            jobs.append(self._resolve_one(ev, ev.handle, self.handle_api))
        if ev.doi:
            jobs.append(self._resolve_one(ev, ev.doi, self.doi_resolver_api))
        await asyncio.gather(*jobs)
        if ev.pid and ev.pid in ev.resolve_problems and ev.resolve_problems[ev.pid].startswith("no answer"):
            ev.failed["pid"] = ev.resolve_problems[ev.pid]

    async def _resolve_one(self, ev: Evidence, pid: str, api: str) -> None:
        url = f"{api}/{quote(pid, safe='/:;()._-')}"
        got = await self.fetcher.get(url, accept="application/json")
        ev.seen.setdefault("pid", url)
        answer = got.json()
        if _no_answer(got):
            ev.resolved[pid], ev.resolve_problems[pid] = None, got.problem()
            return
        code = answer.get("responseCode") if isinstance(answer, dict) else None
        target = url_value(answer) if code == 1 else None
        ev.resolved[pid] = target
        if target is None:
            ev.resolve_problems[pid] = (
                f"responseCode {code}" + (" (not found)" if code == 100 else "")
                if code is not None
                else f"HTTP {got.status} without a Handle response"
            )

    def _handle_in(self, url: str) -> str | None:
        """Return the Handle a landing page or resolver URL names (…/handle/<h>, hdl.handle.net, own resolver)."""
        return bare_handle(url) or bare_handle(url, self.resolvers)

    # -- landing page -------------------------------------------------------------------------------------
    async def _landing(self, ev: Evidence) -> None:
        if not ev.landing_url:
            return
        got = await self.fetcher.get(ev.landing_url, accept=HTML, follow=True)
        if _no_answer(got):
            ev.failed["landing"] = got.problem()
            ev.failed.setdefault("files", got.problem())
            return
        ev.seen["landing"] = ev.landing_url
        ev.landing_status, ev.landing_type = got.status, got.content_type
        ev.landing_html = got.text()
        ev.withdrawn = got.status == 410
        ev.header_links = harvest_page.parse_link_header(got.headers.get("link"))
        ev.html_links, ev.meta, ev.jsonld = harvest_page.parse_page(ev.landing_html)
        base = got.final_url or ev.landing_url
        for link in ev.header_links + ev.html_links:  # relative hrefs are against the page
            if not link.href.startswith(("http://", "https://")):
                link.href = urljoin(base, link.href)
        if not ev.handle:
            ev.handle = self._handle_in(ev.landing_url) or next(
                (self._handle_in(x.href) for x in ev.all_links() if x.rel == "cite-as"), None
            )

    async def _signposting(self, ev: Evidence) -> None:
        await self._linkset(ev)  # from 10 files on, describedby and the items are only in the linkset
        await asyncio.gather(self._describedby(ev), self._files(ev))

    async def _linkset(self, ev: Evidence) -> None:
        sets = [x for x in ev.all_links() if x.rel == "linkset"]
        chosen = next((x for x in sets if (x.type or "").endswith("+json")), None)
        if chosen is None:
            return
        got = await self.fetcher.get(chosen.href, accept="application/linkset+json")
        ev.seen["linkset"] = chosen.href
        if got.ok:
            ev.linkset = harvest_page.parse_linkset_json(got.json())

    async def _describedby(self, ev: Evidence) -> None:
        links = [x for x in ev.all_links() if x.rel == "describedby"]
        if not links and ev.linkset:
            links = [x for x in ev.linkset if x.rel == "describedby" and x.anchor == ev.landing_url]
        if not links:
            return
        got = await self.fetcher.get(links[0].href, accept=links[0].type or "application/xml")
        ev.seen["describedby"] = links[0].href
        if got.ok:
            ev.describedby, ev.describedby_type = got.body, got.content_type

    # -- DataCite -----------------------------------------------------------------------------------------
    async def _datacite(self, ev: Evidence) -> None:
        if not ev.doi:
            return
        url = f"{self.doi_api}/dois/{quote(ev.doi, safe='/:;()._-')}?affiliation=true&publisher=true"
        got = await self.fetcher.get(url, accept=JSONAPI)
        ev.seen["datacite"] = url
        if _no_answer(got) or (got.status is not None and got.status >= 500):
            ev.failed["datacite"] = got.problem()
            return
        ev.datacite_status = got.status
        data = got.json()
        attributes = data.get("data", {}).get("attributes") if isinstance(data, dict) else None
        if got.ok and isinstance(attributes, dict):
            ev.datacite = attributes
            ev.datacite_state = attributes.get("state") or "findable"

    # -- OAI-PMH ------------------------------------------------------------------------------------------
    async def _oai_get(self, **params: str) -> tuple[Any, str]:
        from bridge.oai.parse import parse_page

        url = str(httpx.URL(self.oai_url or "", params=params))
        got = await self.fetcher.get(url, accept="text/xml")
        if _no_answer(got):
            raise OSError(got.problem())
        if not got.ok:
            raise OSError(f"HTTP {got.status} from {url}")
        try:
            return parse_page(got.body, url=url, content_type=got.content_type).root, url
        except IdDoesNotExist:
            return None, url  # a finding, not a failure: the repository does not know the record
        except BridgeError as exc:
            raise OSError(exc.message) from None

    async def identify(self) -> tuple[bool | None, str | None, list[str], str | None, str | None]:
        """Return (Identify answered, deletedRecord, metadata prefixes, repositoryIdentifier, problem), once per run."""
        if self._identify is None:
            self._identify = asyncio.ensure_future(self._read_identify())
        return await self._identify

    async def _read_identify(self) -> tuple[bool | None, str | None, list[str], str | None, str | None]:
        try:
            root, _ = await self._oai_get(verb="Identify")
            formats, _ = await self._oai_get(verb="ListMetadataFormats")
        except OSError as exc:
            return None, None, [], None, str(exc)
        if root is None or formats is None:
            return None, None, [], None, "OAI-PMH Identify failed"
        deleted = root.findtext(f".//{OAI_NS}deletedRecord")
        repo_id = next((el.text for el in root.iter() if str(el.tag).endswith("repositoryIdentifier")), None)
        prefixes = [el.text or "" for el in formats.iter(f"{OAI_NS}metadataPrefix")]
        return root.find(f"{OAI_NS}Identify") is not None, deleted, prefixes, repo_id, None

    async def _oai(self, ev: Evidence) -> None:
        if not self.oai_url:
            ev.failed["oai"] = "the profile names no OAI-PMH endpoint"
            return
        answered, deleted, prefixes, repo_id, problem = await self.identify()
        if problem:
            ev.failed["oai"] = problem
            return
        ev.oai_identify, ev.oai_deleted_policy, ev.oai_formats = answered, deleted, prefixes
        if not ev.handle:
            ev.oai_record = False
            return
        host = repo_id or urlsplit(self.oai_url).hostname or ""
        prefix = "dim" if "dim" in prefixes else "oai_dc"
        try:
            identifier = f"oai:{host}:{ev.handle}"
            root, url = await self._oai_get(verb="GetRecord", identifier=identifier, metadataPrefix=prefix)
        except OSError as exc:
            ev.failed["oai"] = str(exc)
            return
        ev.seen["oai"] = url
        record = root.find(f".//{OAI_NS}record") if root is not None else None
        ev.oai_record = record is not None
        if record is None:
            return
        header = record.find(f"{OAI_NS}header")
        ev.oai_deleted = header is not None and header.get("status") == "deleted"
        ev.withdrawn = ev.withdrawn or ev.oai_deleted
        dc = harvest_page.dim_fields(record) if prefix == "dim" else harvest_page.oai_dc_fields(record)
        for key, values in dc.items():
            ev.dc.setdefault(key, []).extend(values)

    # -- files --------------------------------------------------------------------------------------------
    async def _files(self, ev: Evidence) -> None:
        if "landing" in ev.failed or ev.withdrawn:
            return
        items = [x for x in ev.all_links() if x.rel == "item"]
        if not items:
            items = [x for x in ev.linkset if x.rel == "item" and x.anchor in (None, ev.landing_url)]
        if not items:
            items = harvest_page.jsonld_files(ev.jsonld)
        sizes = harvest_page.jsonld_sizes(ev.jsonld)
        ev.files = [
            FileSeen(name=harvest_page.name_of(x.href), url=x.href, mime=x.type, size=sizes.get(x.href)) for x in items
        ]
        md5s = ev.deposited_md5
        answers = await asyncio.gather(*(probe(self.fetcher, f.url or "") for f in ev.files))
        unreachable = 0
        for f, got in zip(ev.files, answers, strict=True):
            f.status, f.served_type, f.served_length = got.status, got.content_type or None, got.size
            f.served_md5, f.md5 = got.md5, md5s.get(f.name)
            if _no_answer(got):
                f.problem, unreachable = got.problem(), unreachable + 1
        if ev.files and unreachable == len(ev.files):
            ev.failed["files"] = ev.files[0].problem or "no answer"


def check_pid_text(text: str) -> str:
    """Return the PID text stripped; raise UsageError when it is neither a DOI, a Handle nor an http(s) URL."""
    value = text.strip()
    if value.startswith(("http://", "https://")) or bare_doi(value) or bare_handle(value):
        return value
    raise UsageError(
        f"{text!r} is neither a Handle, a DOI nor a landing-page URL",
        hint="give 10261/42, 10.20350/digitalCSIC/17221, doi:…, https://hdl.handle.net/… or the landing page URL",
    )


async def assess_many(
    profile: Profile | None,
    subjects: list[tuple[str, dict[str, Any]]],
    options: FairOptions,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[FairReport], dict[str, Any]]:
    """Assess many subjects concurrently within the fetcher's limits; return the reports and fetch statistics."""
    clients = make_clients(options.concurrency, timeout=options.timeout, transport=transport)
    started = time.perf_counter()
    try:
        fetcher = Fetcher(clients, concurrency=options.concurrency, per_host=options.per_host, policy=options.policy)
        gatherer = Gatherer(fetcher, profile)
        done = 0

        async def one(text: str, known: dict[str, Any]) -> FairReport:
            nonlocal done
            ev = await gatherer.gather(text, **known)
            report = assess(ev)
            report.info["pid"], report.info["doi"], report.info["handle"] = ev.pid, ev.doi, ev.handle
            report.info["landing_url"] = ev.landing_url
            no_page = bool(ev.landing_url) and "landing" in ev.failed and ev.landing_status is None
            if "pid" in ev.failed or no_page:
                # the resolver or the landing page gave no answer: the checker could not assess the record
                report.error = "; ".join(f"{k}: {v}" for k, v in ev.failed.items())
                if not ev.dc and ev.datacite is None:  # nothing was read: no indicator can say anything
                    for r in report.results:
                        r.status, r.points, r.advice, r.problems = "indeterminate", None, [], []
                        r.messages = ["not assessed: nothing about the record could be fetched"]
            done += 1
            if progress:
                progress(done)
            return report

        reports = list(await asyncio.gather(*(one(text, known) for text, known in subjects)))
        stats = {"requests": fetcher.requests, "seconds": round(time.perf_counter() - started, 3)}
    finally:
        await close_clients(clients)
    return reports, stats


def assess_pid(
    settings: Settings,
    text: str,
    options: FairOptions | None = None,
    *,
    profile: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FairReport:
    """Assess one Handle, DOI or landing page with the profile's resolvers and OAI-PMH endpoint."""
    from bridge.embedded import resolve_repository

    value = check_pid_text(text)
    if settings.profile(profile) is None and _public(value, settings.sandbox_doi_prefix):
        # No repository configured and a PID that is not the sandbox's: ask the public resolvers and DataCite
        # (OAI-PMH is then unknown: its indicators are indeterminate).
        reports, _ = asyncio.run(
            assess_many(Profile(name="public"), [(value, {})], options or FairOptions(), transport)
        )
        return reports[0]
    with resolve_repository(settings, profile) as repo:
        reports, _ = asyncio.run(assess_many(repo.profile, [(value, {})], options or FairOptions(), transport))
    return reports[0]


def _public(value: str, sandbox_doi_prefix: str) -> bool:
    """Tell a PID of the wider world (a DOI outside the sandbox's prefix, a URL off this machine) from the sandbox's."""
    doi = bare_doi(value)
    if doi:
        return not doi.lower().startswith(sandbox_doi_prefix.lower() + "/")
    if value.startswith(("http://", "https://")):
        return (urlsplit(value).hostname or "") not in ("127.0.0.1", "localhost", "::1")
    return False  # a bare Handle: the sandbox mints Digital.CSIC's prefix, so it is the sandbox's (as verify)
