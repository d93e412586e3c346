"""The HTTP checks: Handle and DOI resolution, the DataCite record, the landing page, bitstream checksums.

``bridge.verify.builtin`` registers them in the check table. Each takes what it needs, returns one `Result`
and never raises for a broken PID: a 404, a wrong URL or a refused connection is a failed result with a
detail that says what was expected and found.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bridge.pid import PLACEHOLDER_PREFIX, is_placeholder
from bridge.settings import Profile
from bridge.targets import DEFAULT_TARGET, TARGETS
from bridge.verify import compare
from bridge.verify.fetch import Fetched, Fetcher
from bridge.verify.model import Origin, Result, VerifySubject
from bridge.verify.roundtrip import RoundTrip
from bridge.verify.urls import same_place

# Production defaults for profiles that do not name their resolvers.
HANDLE_API = "https://hdl.handle.net/api/handles"
DOI_RESOLVER_API = "https://doi.org/api/handles"
DATACITE_API = "https://api.datacite.org"
JSONAPI = "application/vnd.api+json"
HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
REST_PAGE = 100
MAX_PAGES = 50  # bundles/bitstreams pages followed per item


@dataclass
class Context:
    """What every check needs: the fetcher and the repository's profile (and the harvested records, if read)."""

    fetcher: Fetcher
    profile: Profile
    roundtrip: RoundTrip | None = None

    def same(self, found: str | None, expected: str | None) -> bool:
        """Compare a PID's target with the expected URL (any loopback port for the sandbox; see same_place)."""
        return same_place(found, expected, any_loopback_port=self.profile.sandbox)

    @property
    def handle_api(self) -> str:
        return (self.profile.handle_api or HANDLE_API).rstrip("/")

    @property
    def doi_resolver_api(self) -> str:
        return (self.profile.doi_resolver_api or DOI_RESOLVER_API).rstrip("/")

    @property
    def doi_api(self) -> str:
        return (self.profile.doi_api or DATACITE_API).rstrip("/")


def _result(pid: str, check: str, ok: bool, detail: str, url: str | None, started: float, subject: Origin) -> Result:
    return Result(
        pid, check, "passed" if ok else "failed", detail, url, seconds=time.perf_counter() - started, subject=subject
    )


def url_value(answer: Any) -> str | None:
    """Return the URL value (lowest index) of a Handle API answer."""
    values = answer.get("values") if isinstance(answer, dict) else None
    urls = [v for v in values or [] if isinstance(v, dict) and str(v.get("type", "")).upper() == "URL"]
    urls.sort(key=lambda v: v.get("index", 0))
    for value in urls:
        data = value.get("data")
        if isinstance(data, dict) and isinstance(data.get("value"), str):
            return data["value"]
    return None


async def resolve(ctx: Context, api: str, pid: str) -> tuple[str | None, str, str]:
    """Ask a Handle proxy API for a PID's URL; return (URL or None, what went wrong or "", the API URL)."""
    url = f"{api}/{quote(pid, safe='/:;()._-')}"
    got = await ctx.fetcher.get(url, accept="application/json")
    answer = got.json()
    if got.status is None:
        return None, got.problem(), url
    if not isinstance(answer, dict) or "responseCode" not in answer:
        return None, f"the Handle API answered HTTP {got.status} without a Handle response", url
    code = answer.get("responseCode")
    if code == 100:
        return None, "not found (responseCode 100)", url
    if code == 200:
        return None, "has no URL value (responseCode 200)", url
    if code != 1:
        message = f": {answer['message']}" if answer.get("message") else ""
        return None, f"responseCode {code} (HTTP {got.status}){message}", url
    target = url_value(answer)
    return (target, "", url) if target else (None, "has no URL value", url)


async def check_handle_resolves(ctx: Context, handle: str, expected: str | None, subject: Origin = "deposit") -> Result:
    """Check that a Handle resolves through the Handle API to the expected landing page."""
    started = time.perf_counter()
    if is_placeholder(handle):
        detail = (
            f"uses DSpace's placeholder prefix {PLACEHOLDER_PREFIX}: the repository's handle.prefix was never "
            "set, so this Handle is not registered and resolves nowhere"
        )
        return _result(handle, "handle", False, detail, None, started, subject)
    target, problem, url = await resolve(ctx, ctx.handle_api, handle)
    if target is None:
        return _result(handle, "handle", False, f"Handle {problem}", url, started, subject)
    if expected and not ctx.same(target, expected):
        return _result(handle, "handle", False, f"resolves to {target}, expected {expected}", url, started, subject)
    return _result(handle, "handle", True, f"resolves to {target}", url, started, subject)


async def check_doi_resolves(ctx: Context, doi: str, accepted: list[str], subject: Origin = "deposit") -> Result:
    """Check that a DOI resolves through the DOI resolver's Handle API to the landing page (or its Handle URL)."""
    started = time.perf_counter()
    target, problem, url = await resolve(ctx, ctx.doi_resolver_api, doi)
    if target is None:
        return _result(doi, "doi", False, f"DOI {problem}", url, started, subject)
    if accepted and not any(ctx.same(target, a) for a in accepted):
        return _result(doi, "doi", False, f"resolves to {target}, expected {accepted[0]}", url, started, subject)
    return _result(doi, "doi", True, f"resolves to {target}", url, started, subject)


async def check_datacite(
    ctx: Context, doi: str, deposited: dict[str, Any] | None, landing_url: str | None, subject: Origin = "deposit"
) -> Result:
    """Check that the DataCite record is findable and says what was deposited (url, title, creators, year, type)."""
    started = time.perf_counter()
    url = f"{ctx.doi_api}/dois/{quote(doi, safe='/:;()._-')}"
    got = await ctx.fetcher.get(url, accept=JSONAPI)
    if got.status == 404:
        detail = "not findable: DataCite answers 404 (a draft or hidden DOI is invisible to anonymous readers)"
        return _result(doi, "datacite", False, detail, url, started, subject)
    data = got.json()
    attributes = data.get("data", {}).get("attributes") if isinstance(data, dict) else None
    if not got.ok or not isinstance(attributes, dict):
        return _result(doi, "datacite", False, f"no DataCite record: {got.problem()}", url, started, subject)
    if deposited is None:  # a DOI given by hand: nothing to compare with, but it must be findable
        state = attributes.get("state")
        problems = [] if state == "findable" else [f"state is {state!r}, not 'findable'"]
    else:
        url_ok = ctx.same(attributes.get("url"), landing_url) if landing_url else True
        problems = compare.datacite_attributes(deposited, attributes, landing_url=None if url_ok else landing_url)
    if problems:
        return _result(doi, "datacite", False, "; ".join(problems), url, started, subject)
    what = "matches the deposit" if deposited else "is findable"
    return _result(doi, "datacite", True, f"DataCite record {what}", url, started, subject)


async def check_landing(ctx: Context, pid: str, url: str, names: list[str], subject: Origin = "deposit") -> Result:
    """Check that a landing page answers 200 with HTML that names each PID in `names`."""
    started = time.perf_counter()
    got = await ctx.fetcher.get(url, accept=HTML, follow=True)
    if got.status == 410:
        return _result(pid, "landing", False, f"gone: HTTP 410 from {url} (withdrawn?)", url, started, subject)
    if got.status != 200:
        return _result(pid, "landing", False, f"landing page: {got.problem()}", url, started, subject)
    if got.content_type not in ("text/html", "application/xhtml+xml"):
        return _result(
            pid, "landing", False, f"answers {got.content_type or 'no type'}, not HTML", url, started, subject
        )
    page = got.text().casefold()
    missing = [n for n in names if n.casefold() not in page]
    if missing:
        detail = f"the page does not name {', '.join(missing)}" + (" (body truncated)" if got.truncated else "")
        return _result(pid, "landing", False, detail, url, started, subject)
    return _result(pid, "landing", True, f"HTTP 200 HTML naming {', '.join(names)}", url, started, subject)


def doi_targets(profile: Profile, subject: VerifySubject) -> list[str]:
    """Return where a DOI may lead: its landing page, or the Handle proxy URL of the same item."""
    if not subject.landing_url:
        return []
    out = [subject.landing_url]
    if subject.handle:
        out += [f"https://hdl.handle.net/{subject.handle}", f"http://hdl.handle.net/{subject.handle}"]
        if profile.handle_resolver:
            out.append(f"{profile.handle_resolver.rstrip('/')}/{subject.handle}")
    return out


async def resolved_landing(ctx: Context, subject: VerifySubject) -> str | None:
    """Return where the subject's Handle (else DOI) leads; the fetcher's cache makes this free."""
    if subject.handle:
        target, _, _ = await resolve(ctx, ctx.handle_api, subject.handle)
        if target:
            return target
    if subject.doi:
        target, _, _ = await resolve(ctx, ctx.doi_resolver_api, subject.doi)
        return target
    return None


Remote = dict[str, tuple[str | None, int | None]]  # file name -> (MD5 the repository reports, size)


async def check_checksums(ctx: Context, receipt: dict[str, Any], rest_url: str | None) -> Result:
    """Check that every deposited file is in the repository with the deposited MD5."""
    started = time.perf_counter()
    handle = receipt.get("handle") or "?"
    files = [f for f in receipt.get("files") or [] if f.get("name")]
    if not files:
        return _result(handle, "checksums", True, "no files were deposited", None, started, "deposit")
    if _rest_item_ids(receipt) and rest_url and receipt.get("item_id"):
        found, problem, url = await _rest_checksums(ctx, rest_url.rstrip("/"), receipt["item_id"])
    else:
        found, problem, url = await _download_checksums(ctx, files)
    if problem:
        return _result(handle, "checksums", False, problem, url, started, "deposit")
    problems = [p for p in (_file_problem(f, found.get(f["name"])) for f in files) if p]
    if problems:
        return _result(handle, "checksums", False, "; ".join(problems), url, started, "deposit")
    return _result(handle, "checksums", True, f"{len(files)} file(s) match the deposited MD5", url, started, "deposit")


def _rest_item_ids(receipt: dict[str, Any]) -> bool:
    """Tell whether the receipt's item id is a DSpace 7 REST UUID (its target declares so)."""
    spec = TARGETS.get(str(receipt.get("target") or DEFAULT_TARGET))
    return spec is not None and spec.capabilities.rest_item_ids


def _file_problem(deposited: dict[str, Any], remote: tuple[str | None, int | None] | None) -> str | None:
    """Say how a file in the repository differs from the deposited one, or return None."""
    name = deposited["name"]
    if remote is None:
        return f"{name}: not in the repository"
    md5, size = remote
    if md5 is None:  # too large to hash within a run: the size is all there is to compare
        if size is not None and deposited.get("size") is not None and size != deposited["size"]:
            return f"{name}: {size} bytes, deposited {deposited['size']}"
        return None
    if md5.lower() != str(deposited.get("md5", "")).lower():
        return f"{name}: MD5 {md5}, deposited {deposited.get('md5')}"
    return None


async def _rest_checksums(ctx: Context, rest: str, item_id: str) -> tuple[Remote, str, str]:
    """Read the ORIGINAL bundle's bitstream checksums over DSpace 7 REST: name -> MD5."""
    item_url = f"{rest}/core/items/{item_id}"
    item = await ctx.fetcher.get(item_url, accept="application/json")
    body = item.json() if item.ok else None
    if not isinstance(body, dict):
        return {}, f"item {item_id}: {item.problem()}", item_url
    if body.get("withdrawn"):
        return {}, "the item is withdrawn: its files are no longer public", item_url
    bundles = await _hal_list(ctx, f"{item_url}/bundles?size={REST_PAGE}", "bundles")
    if isinstance(bundles, Fetched):
        return {}, f"bundles of {item_id}: {bundles.problem()}", f"{item_url}/bundles"
    original = next((b for b in bundles if b.get("name") == "ORIGINAL"), None)
    if original is None:
        return {}, "no ORIGINAL bundle is visible (files removed or restricted)", f"{item_url}/bundles"
    href = f"{rest}/core/bundles/{original.get('uuid') or original.get('id')}/bitstreams?size={REST_PAGE}"
    bitstreams = await _hal_list(ctx, href, "bitstreams")
    if isinstance(bitstreams, Fetched):
        return {}, f"bitstreams of the ORIGINAL bundle: {bitstreams.problem()}", href
    found: Remote = {}
    for bs in bitstreams:
        checksum = bs.get("checkSum") or {}
        if str(checksum.get("checkSumAlgorithm", "MD5")).upper() == "MD5" and bs.get("name"):
            found[bs["name"]] = (str(checksum.get("value", "")), bs.get("sizeBytes"))
    return found, "", href


async def _hal_list(ctx: Context, url: str, key: str) -> list[dict[str, Any]] | Fetched:
    """Follow a HAL page list's `next` links; return the embedded resources, or the failed answer."""
    out: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        got = await ctx.fetcher.get(url, accept="application/json")
        body = got.json() if got.ok else None
        if not isinstance(body, dict):
            return got
        out += [r for r in (body.get("_embedded") or {}).get(key) or [] if isinstance(r, dict)]
        nxt = ((body.get("_links") or {}).get("next") or {}).get("href")
        if not nxt:
            break
        url = nxt
    return out


async def _download_checksums(ctx: Context, files: list[dict[str, Any]]) -> tuple[Remote, str, str]:
    """Get each file's MD5 from its download URL (declared by the server, else hashed), all at once."""
    with_url = [f for f in files if f.get("url")]
    answers = await asyncio.gather(*(ctx.fetcher.digest(f["url"]) for f in with_url))
    found: Remote = {}
    broken = [f"{f['name']}: the receipt has no download URL" for f in files if not f.get("url")]
    for f, got in zip(with_url, answers, strict=True):
        if got.status == 200:
            found[f["name"]] = (got.md5, got.size)
        else:
            broken.append(f"{f['name']}: download {got.problem()}")
    return found, "; ".join(broken), with_url[0]["url"] if with_url else ""
