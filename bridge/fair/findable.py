"""Findable: F1 persistent identifiers, F2 rich metadata, F3 the data's identifiers in the metadata, F4 indexing.

Each function is one indicator; the decorator registers it with its RDA id, FAIR EVA weight, F-UJI metrics,
evidence sources and general advice (fair.md §1.2, §4 rows 1-7 and 20).
"""

from __future__ import annotations

from bridge.fair import common
from bridge.fair.common import fix
from bridge.fair.evidence import Evidence
from bridge.fair.model import NotApplicable, Outcome, Tests, indicator
from bridge.pid import bare_doi, bare_handle

BITSTREAM_LIMIT = 10  # DSpace signposting.item.bitstreams.limit: from this many files no `item` links


def _pids(ev: Evidence) -> list[str]:
    found = [p for p in (ev.pid, ev.doi, ev.handle) if p]
    for value in ev.values("dc.identifier.uri", "dc.identifier.doi"):
        pid = bare_doi(value) or bare_handle(value)
        if pid:
            found.append(pid)
    return list(dict.fromkeys(found))


def _pid_problem(pid: str) -> str | None:
    if bare_doi(pid):
        return "uses DataCite's test prefix 10.5072" if pid.startswith(common.TEST_DOI_PREFIX + "/") else None
    if bare_handle(pid):
        if pid.startswith(common.PLACEHOLDER_HANDLE_PREFIX + "/"):
            return "uses DSpace's placeholder prefix 123456789 (handle.prefix was never set)"
        return None
    return "is neither a DOI nor a Handle"


@indicator(
    "RDA-F1-01M",
    "Metadata is identified by a persistent identifier",
    weight=20,
    fuji=("FsF-F1-01MD", "FsF-F1-02MD"),
    sources=("pid", "metadata"),
    advice="Request a DataCite DOI (Digital.CSIC mints them for datasets and software).",
)
def f1_01m(ev: Evidence) -> Outcome:
    t = Tests()
    pids = _pids(ev)
    t.test(bool(pids), f"identified by {', '.join(pids)}", "no DOI or Handle in the metadata")
    for pid in pids:
        problem = _pid_problem(pid)
        if problem and ev.sandbox and pid.startswith(common.TEST_DOI_PREFIX + "/"):
            t.note(f"{pid} uses DataCite's test prefix, as the sandbox does")
            continue
        t.test(
            problem is None,
            f"{pid} is a DOI or Handle",
            f"{pid} {problem}",
            "Set the repository's real Handle prefix and a registered DOI prefix.",
        )
    t.saw(ev.seen.get("metadata"))
    if not ev.doi:
        t.note("no DOI: FAIR EVA's F1 tests accept the Handle alone; DataCite DOIs are what citations use")
    return t.done()


@indicator(
    "RDA-F1-02M",
    "Metadata is identified by a globally unique identifier",
    weight=20,
    fuji=("FsF-F1-02MD",),
    sources=("pid",),
    advice="Register the PID: a Handle with the repository's prefix, a DOI published at DataCite.",
)
def f1_02m(ev: Evidence) -> Outcome:
    ev.need("pid")
    t = Tests()
    pid = ev.pid or ""
    scheme = "DOI" if bare_doi(pid) else "Handle" if bare_handle(pid) else None
    t.test(scheme is not None, f"{pid} is a {scheme}", f"{pid} is neither a DOI nor a Handle")
    target = ev.resolved.get(pid)
    t.test(
        target is not None,
        f"{pid} is registered (the proxy answers responseCode 1)",
        f"{pid} is not registered: {ev.resolve_problems.get(pid, 'no answer')}",
    )
    t.saw(ev.seen.get("pid"))
    return t.done()


def _file_urls(ev: Evidence) -> list[tuple[str, str | None]]:
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its files are no longer offered")
    ev.need("landing")
    return [(f.name, f.url) for f in ev.files]


@indicator(
    "RDA-F1-01D",
    "Data is identified by a persistent identifier",
    weight=20,
    fuji=("FsF-F1-01MD",),
    sources=("signposting", "files"),
    advice="Keep all files inside the item, so each is reached from the item's PID.",
)
def f1_01d(ev: Evidence) -> Outcome:
    t = Tests()
    files = _file_urls(ev)
    t.test(bool(files), f"{len(files)} file(s) listed", "no file is linked from the record")
    for name, url in files:
        under = bool(url) and bool(ev.handle) and (f"/{ev.handle}/" in (url or "") or "/bitstreams/" in (url or ""))
        t.test(under, f"{name} sits under the item {ev.handle}", f"{name}: {url or 'no URL'} is not under the item")
    return t.done()


@indicator(
    "RDA-F1-02D",
    "Data is identified by a globally unique identifier",
    weight=20,
    fuji=("FsF-F1-02MD",),
    sources=("signposting", "files"),
    advice="Keep all files inside the item (its ORIGINAL bundle), so the PID's landing page links each.",
)
def f1_02d(ev: Evidence) -> Outcome:
    t = Tests()
    files = _file_urls(ev)
    t.test(bool(files), "the record's files have URLs", "no file is linked from the record")
    for name, url in files:
        t.test(bool(url and url.startswith(("http://", "https://"))), f"{name}: {url}", f"{name}: no http(s) URL")
    return t.done()


F2_TERMS = (
    # label, dc fields, DataCite key, what to fill in publish.yaml
    ("title", ("dc.title",), "titles", "title:"),
    ("creators", ("dc.contributor.author", "dc.creator"), "creators", "creators:"),
    ("publisher", ("dc.publisher",), "publisher", "publisher: (or the mapping's default publisher)"),
    ("publication date", ("dc.date.issued",), "publicationYear", "date_released:"),
    ("abstract", ("dc.description.abstract",), "descriptions", "description:"),
    ("keywords", ("dc.subject*",), "subjects", "keywords:"),
    ("type", ("dc.type",), "types", "kind:"),
    ("identifier", ("dc.identifier.uri", "dc.identifier.doi"), "doi", None),
    ("language", ("dc.language.iso", "dc.language"), "language", "language:"),
    ("rights", ("dc.rights*",), "rightsList", "license: and access:"),
)


@indicator(
    "RDA-F2-01M",
    "Rich metadata is provided to allow discovery",
    weight=20,
    fuji=("FsF-F2-01M",),
    sources=("metadata", "datacite", "oai"),
    offline=True,
    advice="Fill every core element: each missing one costs 10% here and, through FAIR EVA's metadata_quality, "
    "four more scores.",
)
def f2_01m(ev: Evidence) -> Outcome:
    if not ev.dc and not ev.datacite:
        ev.need("oai", "datacite")
    t = Tests()
    for label, fields, key, yaml_field in F2_TERMS:
        present = bool(ev.values(*fields)) or bool(ev.record.get(key))
        if key == "descriptions":  # only an abstract counts, not a methods or technical note
            present = bool(ev.values(*fields)) or any(
                isinstance(d, dict) and d.get("descriptionType") == "Abstract" for d in ev.record.get(key) or []
            )
        if label == "identifier" and ev.mode == "artefact" and not present:
            t.test(True, "identifier: the Handle (and DOI, with --doi) is minted at deposit", "")
            continue
        where = f"set {yaml_field} in publish.yaml" if yaml_field else "set it"
        t.test(
            present,
            f"{label}: present",
            f"{label}: missing",
            fix(ev, where[0].upper() + where[1:] + ".", f"Add the {label} to the item ({', '.join(fields)})."),
        )
    t.lead(f"{round(t.earned)}/{round(t.total)} core elements present")
    missing_eva = [f for f in ("dc.identifier.citation", "dc.relation.csic") if not ev.values(f)]
    if missing_eva:
        t.note(f"FAIR EVA's Digital.CSIC plugin also counts {' and '.join(missing_eva)} (not scored here)")
    t.saw(ev.seen.get("metadata"), ev.seen.get("oai"), ev.seen.get("datacite"))
    return t.done()


@indicator(
    "RDA-F3-01M",
    "Metadata includes the identifier for the data",
    weight=20,
    fuji=("FsF-F3-01M",),
    sources=("files", "signposting", "oai"),
    offline=True,
    advice="Keep fewer than 10 files in the item (DSpace drops the typed `item` links from 10 on): zip the shards.",
)
def f3_01m(ev: Evidence) -> Outcome:
    t = Tests()
    if ev.mode == "artefact":
        n = len(ev.files)
        t.test(
            n < BITSTREAM_LIMIT,
            f"{n} file(s): under DSpace's signposting limit of {BITSTREAM_LIMIT}, so each gets a typed `item` link",
            f"{n} files: from {BITSTREAM_LIMIT} on DSpace 7.6+ sends no `item` links, only the linkset",
            f"Zip the shards into fewer than {BITSTREAM_LIMIT} files, or narrow files: in publish.yaml.",
            weight=2,
        )
        t.saw(ev.seen.get("files"))
        return t.done()
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its files are no longer offered")
    ev.need("landing")
    items = [link for link in ev.all_links() if link.rel == "item"]
    in_linkset = [link for link in ev.linkset if link.rel == "item"]
    if items:
        typed = all(link.type for link in items)
        t.test(
            typed,
            f"{len(items)} typed `item` link(s) on the landing page",
            "`item` links without a type",
            "Give every bitstream a format (MIME type).",
            weight=2,
        )
    else:
        t.test(
            False,
            "",
            f"no `item` link on the landing page ({len(in_linkset)} only in the linkset: the item has "
            f"{len(ev.files)} files, DSpace's limit is {BITSTREAM_LIMIT})"
            if in_linkset
            else "no `item` link on the landing page nor in a linkset",
            f"Keep fewer than {BITSTREAM_LIMIT} bitstreams in the item: zip the shards.",
            weight=2,
        )
    handle_listed = bool(ev.handle and any(ev.handle in v for v in ev.values("dc.identifier.uri", "dc.identifier")))
    t.test(
        handle_listed,
        f"the Handle {ev.handle} is in dc.identifier.uri",
        "the Handle is not in dc.identifier.uri",
        "Keep the Handle URL in dc.identifier.uri.",
    )
    t.saw(ev.landing_url)
    return t.done()


@indicator(
    "RDA-F4-01M",
    "Metadata is offered in such a way that it can be harvested and indexed",
    weight=20,
    fuji=("FsF-F4-01M", "FsF-F1-02MD"),
    sources=("datacite", "oai", "landing"),
    advice="Publish the DOI (event=publish), not draft or registered; wait for the OAI import, then retry.",
)
def f4_01m(ev: Evidence) -> Outcome:
    t = Tests()
    if ev.doi:
        ev.need("datacite")
        state = ev.datacite_state
        t.test(
            state == "findable",
            f"DOI {ev.doi} is findable at DataCite",
            f"DOI {ev.doi} is not findable at DataCite ("
            + (f"state {state}" if state else f"HTTP {ev.datacite_status}: a draft or hidden DOI is invisible")
            + ")",
            "Publish the DOI (event=publish): a draft or registered DOI is in no index.",
            weight=2,
        )
        url = ev.record.get("url")
        if state == "findable":
            t.test(
                bool(url) and url == ev.landing_url,
                "DataCite's url is the landing page",
                f"DataCite's url is {url}, not the landing page {ev.landing_url}",
                "Update the DOI's url to the landing page (allow ~24 h for the proxy cache).",
            )
        t.saw(ev.seen.get("datacite"))
    else:
        t.note("no DOI: indexed through OAI-PMH and the landing page only")
    if "oai" in ev.failed:
        t.note(f"OAI-PMH GetRecord not checked: {ev.failed['oai']}")
    else:
        t.test(
            bool(ev.oai_record),
            "OAI-PMH GetRecord returns the record",
            "OAI-PMH GetRecord does not return it",
            "Wait for the repository's OAI import, then retry.",
        )
        t.saw(ev.seen.get("oai"))
    if not ev.withdrawn and "landing" not in ev.failed:
        embedded = bool(ev.jsonld) or any(k.startswith("citation_") for k in ev.meta)
        t.test(
            embedded,
            "the landing page embeds JSON-LD or citation_* tags",
            "the landing page embeds no metadata",
            "Serve schema.org JSON-LD or Highwire citation_* tags on the landing page.",
        )
    return t.done()


@indicator(
    "BRIDGE-SP-01M",
    "FAIR Signposting: cite-as, typed describedby, an item per file, the right type",
    weight=10,
    principle="findable",
    fuji=("FsF-F2-01M", "FsF-F3-01M", "FsF-A1-01M", "FsF-I1-01M"),
    sources=("signposting", "metadata"),
    offline=True,
    advice="Write dc.type as DSpace's signposting map spells it (`Dataset`, `Software`).",
)
def signposting(ev: Evidence) -> Outcome:
    t = Tests()
    rtg = ev.resource_type()
    expected = common.EXPECTED_SCHEMA_TYPES.get(rtg or "")
    types = ev.values("dc.type")
    mapped = [common.DSPACE_SCHEMA_TYPES.get(v) for v in types]
    announced = next((m for m in mapped if m), "CreativeWork")
    if ev.mode == "pid" and not ev.withdrawn and "landing" not in ev.failed:
        announced = next((x for x in common.schema_types(ev) if x != "AboutPage"), "none")
    near = [v for v in types if v not in common.DSPACE_SCHEMA_TYPES and v.casefold() in _folded_keys()]
    t.test(
        not near and (expected is None or announced in expected),
        f"dc.type {types[0] if types else '(none)'} is announced as schema.org/{announced}",
        f"dc.type {', '.join(types) or '(none)'} is announced as schema.org/{announced}, "
        f"not {'/'.join(expected or ('a specific type',))}" + (" (DSpace's map is case-sensitive)" if near else ""),
        fix(
            ev,
            "Set [dspace] type in the mapping to DSpace's spelling (`Dataset`, `Software`).",
            "Write dc.type exactly as DSpace's signposting map spells it (`Dataset`, `Software`).",
        ),
        weight=3,  # the wrong type misleads every agent: alone it fails the indicator
    )
    if ev.mode == "artefact":
        return t.done()
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its landing page is a tombstone")
    ev.need("landing")
    links = ev.all_links()
    level1 = [link for link in links if link.rel != "linkset"]
    source = common.item_links(ev)
    cite = [link for link in source if link.rel == "cite-as"]
    t.test(len(cite) == 1, f"one cite-as: {cite[0].href}" if cite else "", f"{len(cite)} cite-as links, expected 1")
    described = [link for link in source if link.rel == "describedby"]
    t.test(bool(described) and all(d.type for d in described), "a typed describedby link", "no typed describedby link")
    page_types = common.schema_types(ev)
    t.test("AboutPage" in page_types, "type AboutPage", "no `type` link to schema.org/AboutPage")
    if level1:
        t.test(
            len([n for n in level1 if n.rel == "item"]) == len(ev.files),
            "an `item` link per file",
            "not every file has an `item` link",
        )
    has_linkset = any(link.rel == "linkset" for link in links)
    t.test(has_linkset, "a linkset link (level 2)", "no linkset link")
    if ev.linkset:
        anchors = {n.anchor for n in ev.linkset if n.rel == "cite-as"}
        t.test(
            ev.landing_url in anchors,
            "the linkset's anchor is the landing page",
            f"the linkset's anchor is {', '.join(a or '?' for a in anchors)}",
        )
    t.saw(ev.landing_url, ev.seen.get("linkset"))
    return t.done()


def _folded_keys() -> set[str]:
    return {k.casefold() for k in common.DSPACE_SCHEMA_TYPES}
