"""Accessible: A1 access rights and retrieval by PID over open protocols, A2 metadata that outlives the data.

fair.md §1.2 and §4 rows 3, 8-11 and 21. FAIR EVA hard-codes A1.2-01D and A2-01M; here both look at what
the repository really does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bridge.fair import common
from bridge.fair.common import fix
from bridge.fair.evidence import Evidence, FileSeen
from bridge.fair.model import NotApplicable, Outcome, Tests, indicator

DOWNLOADED = (200, 206)
DENIED = (401, 403)


def _access(ev: Evidence, t: Tests, weight: float = 1.0) -> list[str]:
    terms = common.access_values(ev)
    t.test(
        bool(terms),
        f"access rights: {', '.join(terms)}",
        "no access rights statement (openAccess, embargoedAccess, restrictedAccess, metadataOnlyAccess)",
        fix(
            ev,
            "Set access: status: in publish.yaml (open, embargoed with embargo_until:, restricted).",
            "Set dc.rights to an info:eu-repo/semantics access right.",
        ),
        weight=weight,
    )
    return terms


@indicator(
    "RDA-A1-01M",
    "Metadata contains information to enable the user to get access to the data",
    weight=15,
    fuji=("FsF-A1-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="State the access right explicitly, with the embargo date when there is one.",
)
def a1_01m(ev: Evidence) -> Outcome:
    t = Tests()
    terms = _access(ev, t, weight=2)
    if ev.datacite is not None:
        uris = [str(r.get("rightsUri") or "") for r in common.rights_entries(ev)]
        t.test(
            any(u.startswith(("info:eu-repo/semantics/", "http://purl.org/coar/access_right/")) for u in uris),
            "DataCite rightsList carries the access-right URI",
            "DataCite rightsList has no access-right URI",
            "Add the info:eu-repo access URI to the DataCite rightsList.",
        )
    if "embargoedAccess" in terms:
        dated = bool(ev.values("dc.date.embargo")) or any(
            str(d.get("dateType")) == "Available" for d in ev.record.get("dates") or [] if isinstance(d, dict)
        )
        t.test(
            dated,
            "the embargo end date is given",
            "embargoed without an end date",
            fix(ev, "Set access: embargo_until: in publish.yaml.", "Set dc.date.embargo."),
        )
    t.saw(ev.seen.get("metadata"), ev.seen.get("datacite"))
    return t.done()


@indicator(
    "RDA-A1-02D",
    "Data can be accessed manually (i.e. with human intervention)",
    weight=20,
    fuji=("FsF-A1-01M",),
    sources=("metadata",),
    offline=True,
    advice="State how the data can be had: an access right in dc.rights.",
)
def a1_02d(ev: Evidence) -> Outcome:
    t = Tests()
    _access(ev, t)
    return t.done()


@indicator(
    "RDA-A1-02M",
    "Metadata can be accessed manually (i.e. with human intervention)",
    weight=20,
    fuji=("FsF-A1-02MD",),
    sources=("landing",),
    advice="Show the title and every PID (the DOI too) on the landing page, with a citation_doi tag.",
)
def a1_02m(ev: Evidence) -> Outcome:
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its landing page is a tombstone (see A2-01M)")
    ev.need("landing")
    t = Tests()
    ok = ev.landing_status == 200 and (ev.landing_type or "") in ("text/html", "application/xhtml+xml")
    t.test(
        ok,
        f"the landing page answers 200 HTML ({ev.landing_url})",
        f"the landing page answers {ev.landing_status} {ev.landing_type or ''}".rstrip(),
        "Serve the landing page as server-rendered HTML.",
        weight=2,
    )
    page = ev.landing_html.casefold()
    titles = ev.values("dc.title") or [
        str(x.get("title")) for x in ev.record.get("titles") or [] if isinstance(x, dict)
    ]
    if titles:
        t.test(titles[0].casefold() in page, "the page shows the title", "the page does not show the title")
    for pid in [p for p in (ev.doi, ev.handle) if p]:
        t.test(
            pid.casefold() in page,
            f"the page names {pid}",
            f"the page does not name {pid}",
            "Show the DOI on the landing page (dc.identifier.doi) and in a citation_doi tag.",
        )
    if ev.doi:
        cited = [v.removeprefix("https://doi.org/").casefold() for v in ev.meta.get("citation_doi", [])]
        t.test(
            ev.doi.casefold() in cited,
            "citation_doi names the DOI",
            "no citation_doi tag with the DOI",
            "Show the DOI on the landing page (dc.identifier.doi) and in a citation_doi tag.",
        )
    t.saw(ev.landing_url)
    return t.done()


@indicator(
    "RDA-A1-03M",
    "Metadata identifier resolves to a metadata record",
    weight=20,
    fuji=("FsF-A1-02MD", "FsF-F1-02MD"),
    sources=("pid", "landing"),
    advice="Update the PID's URL to the landing page; allow for the ~24 h proxy cache.",
)
def a1_03m(ev: Evidence) -> Outcome:
    ev.need("pid")
    t = Tests()
    for pid in dict.fromkeys(p for p in (ev.pid, ev.handle) if p):
        target = ev.resolved.get(pid)
        t.test(
            target is not None,
            f"{pid} resolves to {target}",
            f"{pid} does not resolve: {ev.resolve_problems.get(pid, 'no answer')}",
        )
        if target and ev.landing_url:
            same = urlsplit(target).netloc == urlsplit(ev.landing_url).netloc
            t.test(same, "on the landing page's host", f"{target} is not on the landing host {ev.landing_url}")
    if "landing" not in ev.failed:
        answered = ev.landing_status == 200 or (ev.withdrawn and ev.landing_status == 410)
        t.test(
            answered, f"the landing page answers {ev.landing_status}", f"the landing page answers {ev.landing_status}"
        )
    t.saw(ev.seen.get("pid"), ev.landing_url)
    return t.done()


def _files(ev: Evidence) -> list[FileSeen]:
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its files are no longer offered (see A2-01M)")
    ev.need("files")
    return ev.files


def _downloads(ev: Evidence, advice: str) -> Outcome:
    t = Tests()
    files = _files(ev)
    t.test(bool(files), f"{len(files)} file(s)", "no file to download", "Deposit the files in the ORIGINAL bundle.")
    embargoed = "embargoedAccess" in common.access_values(ev) or "restrictedAccess" in common.access_values(ev)
    for f in files:
        if f.status in DENIED and embargoed:
            t.test(True, f"{f.name}: HTTP {f.status}, access restricted as the metadata says", "")
            continue
        t.test(
            f.status in DOWNLOADED,
            f"{f.name}: HTTP {f.status}",
            f"{f.name}: " + (f"HTTP {f.status}" if f.status else f.problem or "no answer"),
            advice,
        )
        t.saw(f.url)
    return t.done()


@indicator(
    "RDA-A1-03D",
    "Data identifier resolves to a digital object",
    weight=20,
    fuji=("FsF-A1-03D",),
    sources=("files",),
    advice="Fix the files' anonymous READ policies.",
)
def a1_03d(ev: Evidence) -> Outcome:
    return _downloads(ev, "Fix the files' anonymous READ policies.")


@indicator(
    "RDA-A1-04D",
    "Data is accessible through a standardised protocol",
    weight=20,
    fuji=("FsF-A1-02MD",),
    sources=("files",),
    advice="Serve the files over HTTP(S) with GET and Range requests.",
)
def a1_04d(ev: Evidence) -> Outcome:
    return _downloads(ev, "Serve the files over HTTP(S) with GET and Range requests.")


@indicator(
    "RDA-A1-05D",
    "Data can be accessed automatically (i.e. by a computer program)",
    weight=15,
    fuji=("FsF-A1-02MD",),
    sources=("files",),
    advice="Answer HEAD on every file with its Content-Type and Content-Length.",
)
def a1_05d(ev: Evidence) -> Outcome:
    t = Tests()
    for f in _files(ev):
        if f.status not in DOWNLOADED:
            t.test(False, "", f"{f.name}: HTTP {f.status or f.problem}")
            continue
        typed = bool(f.served_type) and (not f.mime or f.served_type == f.mime.split(";")[0].strip().lower())
        t.test(
            typed,
            f"{f.name}: Content-Type {f.served_type}",
            f"{f.name}: Content-Type {f.served_type or 'missing'}, declared {f.mime}",
        )
        sized = f.served_length is not None and (f.size is None or f.served_length == f.size)
        t.test(
            sized,
            f"{f.name}: Content-Length {f.served_length}",
            f"{f.name}: Content-Length {f.served_length}, declared {f.size}",
        )
        if f.md5 and f.served_md5:  # cheap: the server declared it, and the deposit's MD5 is known
            t.test(
                f.md5.lower() == f.served_md5.lower(),
                f"{f.name}: MD5 {f.served_md5} as deposited",
                f"{f.name}: the server declares MD5 {f.served_md5}, deposited {f.md5}",
                "Re-upload the file: the repository holds other bytes than were deposited.",
            )
    return t.done()


@indicator(
    "RDA-A1-04M",
    "Metadata is accessed through standardised protocol",
    weight=20,
    fuji=("FsF-A1.1-01MD",),
    sources=("landing", "oai"),
    advice="Repository side: serve landing pages over HTTP(S) and OAI-PMH Identify without authentication.",
)
def a1_04m(ev: Evidence) -> Outcome:
    return _protocols(ev)


@indicator(
    "RDA-A1.1-01M",
    "Metadata is accessible through a free access protocol",
    weight=20,
    fuji=("FsF-A1.1-01MD",),
    sources=("landing", "oai"),
    advice="Repository side: an anti-bot wall or a login in front of landing pages or OAI-PMH blocks harvesters.",
)
def a1_1_01m(ev: Evidence) -> Outcome:
    return _protocols(ev)


def _protocols(ev: Evidence) -> Outcome:
    ev.need("landing")
    t = Tests()
    scheme = urlsplit(ev.landing_url or "").scheme
    t.test(scheme in ("http", "https"), f"landing page over {scheme}", f"landing page over {scheme or 'nothing'}")
    if scheme == "http":
        t.note("the landing page is served over http; https is expected outside a sandbox")
    t.test(
        ev.landing_status is not None and ev.landing_status not in DENIED and ev.landing_status < 500,
        f"the landing page answers anonymously ({ev.landing_status})",
        f"the landing page answers {ev.landing_status}",
    )
    if "oai" in ev.failed:
        t.note(f"OAI-PMH not checked: {ev.failed['oai']}")
    else:
        t.test(
            bool(ev.oai_identify),
            "OAI-PMH Identify answers without authentication",
            "OAI-PMH Identify does not answer",
            "Repository side: expose OAI-PMH without authentication.",
        )
    t.saw(ev.landing_url, ev.seen.get("oai"))
    return t.done()


@indicator(
    "RDA-A1.1-01D",
    "Data is accessible through a free access protocol",
    weight=15,
    fuji=("FsF-A1.1-01MD",),
    sources=("files",),
    advice="Serve files over plain HTTP(S) GET, without a login for open files.",
)
def a1_1_01d(ev: Evidence) -> Outcome:
    t = Tests()
    for f in _files(ev):
        scheme = urlsplit(f.url or "").scheme
        t.test(scheme in ("http", "https"), f"{f.name}: {scheme}", f"{f.name}: not over HTTP(S)")
    return t.done()


@indicator(
    "RDA-A1.2-01D",
    "Data is accessible through an access protocol that supports authentication and authorisation",
    weight=10,
    fuji=("FsF-A1.2-01MD",),
    sources=("files", "metadata"),
    advice="Make the repository enforce what the access right says: embargoed files must not be served.",
)
def a1_2_01d(ev: Evidence) -> Outcome:
    t = Tests()
    terms = common.access_values(ev)
    closed = bool({"embargoedAccess", "restrictedAccess", "closedAccess", "metadataOnlyAccess"} & set(terms))
    for f in _files(ev):
        if closed:
            t.test(
                f.status in DENIED,
                f"{f.name}: HTTP {f.status}, restricted as declared",
                f"{f.name}: served (HTTP {f.status}) although the access right is {', '.join(terms)}",
            )
        else:
            t.test(f.status in DOWNLOADED, f"{f.name}: open, as declared", f"{f.name}: HTTP {f.status}, declared open")
    return t.done()


@indicator(
    "RDA-A2-01M",
    "Metadata is guaranteed to remain available after data is no longer available",
    weight=20,
    fuji=("FsF-A2-01M",),
    sources=("datacite", "oai", "landing"),
    advice="Withdraw, never delete: keep a tombstone and keep the DOI findable at DataCite.",
)
def a2_01m(ev: Evidence) -> Outcome:
    t = Tests()
    if ev.doi:
        ev.need("datacite")
    findable = ev.doi is not None and ev.datacite_state == "findable"
    if ev.withdrawn:
        tombstone = ev.landing_status == 410 and bool(ev.handle) and (ev.handle or "") in ev.landing_html
        kept = [w for w, ok in (("the tombstone names it", tombstone), ("DataCite keeps its metadata", findable)) if ok]
        t.test(
            False,
            "",
            "the item is withdrawn: its data are no longer available"
            + (f" ({' and '.join(kept)})" if kept else ", and no metadata remains")
            + ("; OAI-PMH reports it deleted" if ev.oai_deleted else ""),
            "Withdrawn on purpose? Keep the tombstone and the DOI findable; else reinstate the item.",
        )
        out = t.done()
        out.points = 50 if kept else 0
        return out
    if findable:
        t.test(True, f"DataCite keeps a copy of the metadata of {ev.doi}", "")
    elif ev.doi:
        t.note(f"DataCite shows no public record of {ev.doi} (see F4-01M)")
    if "oai" in ev.failed:
        if not findable:
            ev.need("oai")
        t.note(f"OAI-PMH not checked: {ev.failed['oai']}")
    else:
        policy = ev.oai_deleted_policy
        t.test(
            policy in ("persistent", "transient"),
            f"the repository keeps track of withdrawn records (OAI-PMH deletedRecord {policy})",
            f"OAI-PMH deletedRecord is {policy or 'unknown'}",
            "Repository side: keep deleted records (deletedRecord persistent).",
        )
    return t.done()
