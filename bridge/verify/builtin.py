"""The standard checks, registered in the check table in report order.

Each entry adapts a worker of ``http_checks`` or ``roundtrip`` to the table's signature: it picks what the
worker needs from the subject and the context. Phase 0 runs concurrently; the landing page (phase 1) may
need where the PIDs resolved; the OAI round trip (phase 2) reads only the ledger.
"""

from __future__ import annotations

from bridge.verify import http_checks as http
from bridge.verify.checklist import check
from bridge.verify.http_checks import Context
from bridge.verify.model import Result, VerifySubject


@check("handle", needs=("handle",))
async def handle(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None:
    assert subject.handle is not None
    return await http.check_handle_resolves(ctx, subject.handle, subject.landing_url, subject.origin)


@check("doi", needs=("doi",))
async def doi(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None:
    assert subject.doi is not None
    accepted = http.doi_targets(ctx.profile, subject)
    return await http.check_doi_resolves(ctx, subject.doi, accepted, subject.origin)


@check("datacite", needs=("doi",), origins=("deposit", "pid"))
async def datacite(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None:
    assert subject.doi is not None
    deposited = subject.receipt.get("deposited") if subject.receipt else None
    return await http.check_datacite(ctx, subject.doi, deposited, subject.landing_url, subject.origin)


@check("landing", phase=1)
async def landing(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None:
    url = subject.landing_url or await http.resolved_landing(ctx, subject)
    names = [n for n in (subject.handle, subject.doi) if n] if subject.origin == "deposit" else [subject.pid]
    if url:
        return await http.check_landing(ctx, subject.pid, url, names, subject.origin)
    if any(r.status == "failed" for r in earlier):
        return None  # the failed resolution already says why there is no landing page
    return Result(subject.pid, "landing", "failed", "no landing page: the PID resolves nowhere", subject=subject.origin)


@check("oai_dc", needs=("receipt",), phase=2)
async def oai_dc(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None:
    assert subject.receipt is not None
    return ctx.roundtrip.check("oai_dc", subject.receipt) if ctx.roundtrip else None


@check("oai_datacite", needs=("receipt",), phase=2)
async def oai_datacite(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None:
    assert subject.receipt is not None
    return ctx.roundtrip.check("oai_datacite", subject.receipt) if ctx.roundtrip else None


@check("checksums", needs=("receipt",))
async def checksums(ctx: Context, subject: VerifySubject, earlier: list[Result]) -> Result | None:
    assert subject.receipt is not None
    return await http.check_checksums(ctx, subject.receipt, ctx.profile.rest_url)
