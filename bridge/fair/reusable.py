"""Reusable: R1 plurality of attributes, R1.1 licence, R1.2 provenance, R1.3 community standards.

fair.md §1.2 and §4 rows 15-19. FAIR EVA passes R1.1-01M on ``openAccess``; here an access right is not a
licence. R1.2 follows FAIR EVA's 2026 rule (a README and, for data, a codebook) with a model card for models.
"""

from __future__ import annotations

from bridge.fair import common, vocab
from bridge.fair.common import fix
from bridge.fair.evidence import Evidence
from bridge.fair.interoperable import describedby_is_datacite
from bridge.fair.model import NotApplicable, Outcome, Tests, indicator


@indicator(
    "RDA-R1-01M",
    "Plurality of accurate and relevant attributes are provided to allow reuse",
    weight=20,
    fuji=("FsF-R1-01MD",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Fill type, sizes, formats and version; add a data dictionary.",
)
def r1_01m(ev: Evidence) -> Outcome:
    t = Tests()
    rec = ev.record
    t.test(
        bool(ev.resource_type() or ev.values("dc.type")),
        "resource type given",
        "no resource type",
        fix(ev, "Set kind: in publish.yaml.", "Set dc.type and DataCite resourceTypeGeneral."),
    )
    t.test(
        bool(rec.get("sizes") or ev.values("dc.format.extent")),
        "sizes given",
        "no sizes",
        fix(ev, "Keep the data files in the folder (their sizes are measured).", "Set DataCite sizes."),
    )
    t.test(
        bool(rec.get("formats") or ev.values("dc.format*")),
        "formats given",
        "no formats",
        fix(ev, "Keep the data files in the folder (their formats are detected).", "Set dc.format.mimetype."),
    )
    t.test(
        bool(rec.get("version") or ev.values("dc.description.version")),
        "version given",
        "no version",
        fix(ev, "Set version: in publish.yaml.", "Set DataCite version (dc.description.version)."),
    )
    described = bool(ev.values("dc.description*")) or bool(rec.get("descriptions"))
    t.test(
        described,
        "a description",
        "no description",
        fix(ev, "Set description: in publish.yaml.", "Set dc.description.abstract."),
    )
    t.lead(f"{round(t.earned)}/{round(t.total)} of type, sizes, formats, version, description")
    t.saw(ev.seen.get("metadata"), ev.seen.get("datacite"))
    return t.done()


@indicator(
    "RDA-R1.1-01M",
    "Metadata includes information about the licence under which the data can be reused",
    weight=20,
    fuji=("FsF-R1.1-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Always set a licence: openAccess is an access right, not a licence.",
)
def r1_1_01m(ev: Evidence) -> Outcome:
    t = Tests()
    licences = common.licence_values(ev)
    t.test(
        bool(licences),
        f"licence: {licences[0]}" if licences else "",
        "no licence (an access right such as openAccess is not one)",
        fix(
            ev, "Set license: (an SPDX id such as CC-BY-4.0) in publish.yaml.", "Set dc.rights.uri to the licence URL."
        ),
    )
    if not licences and common.access_values(ev):
        t.note("FAIR EVA passes this on any dc.rights value, openAccess included")
    return t.done()


@indicator(
    "RDA-R1.1-02M",
    "Metadata refers to a standard reuse licence",
    weight=15,
    fuji=("FsF-R1.1-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Use a standard licence (SPDX), given by its URL.",
)
def r1_1_02m(ev: Evidence) -> Outcome:
    t = Tests()
    found = {v: vocab.licence_of_url(v) for v in common.licence_values(ev)}
    ids = [r.get("rightsIdentifier") for r in common.rights_entries(ev) if r.get("rightsIdentifierScheme") == "SPDX"]
    standard = sorted({i for i in found.values() if i} | {str(i) for i in ids if i})
    t.test(
        bool(standard),
        f"standard licence: {', '.join(standard)}",
        "no licence given as an SPDX or licensor URL",
        fix(
            ev,
            "Set license: to an SPDX id (CC-BY-4.0, CC0-1.0, MIT) in publish.yaml.",
            "Set dc.rights.uri to the licence's canonical URL (https://creativecommons.org/licenses/by/4.0/).",
        ),
    )
    return t.done()


@indicator(
    "RDA-R1.1-03M",
    "Metadata refers to a machine-understandable reuse licence",
    weight=15,
    fuji=("FsF-R1.1-01M",),
    sources=("metadata", "datacite", "signposting"),
    offline=True,
    advice="Always set dc.rights.uri: it is what DSpace's signposting sends as the `license` link.",
)
def r1_1_03m(ev: Evidence) -> Outcome:
    t = Tests()
    uri = [v for v in ev.values("dc.rights.uri") if vocab.licence_of_url(v)]
    t.test(
        bool(uri),
        f"dc.rights.uri {uri[0]}" if uri else "",
        "no licence URL in dc.rights.uri (DSpace sends no `license` link without it)",
        fix(ev, "Set license: in publish.yaml (written to dc.rights.uri).", "Set dc.rights.uri to the licence URL."),
    )
    if ev.datacite is not None:
        spdx = [
            r for r in common.rights_entries(ev) if r.get("rightsIdentifierScheme") == "SPDX" and r.get("rightsUri")
        ]
        t.test(
            bool(spdx),
            "DataCite rightsUri with an SPDX rightsIdentifier",
            "DataCite rightsList has no rightsUri with an SPDX rightsIdentifier",
            fix(
                ev,
                "Set license: (SPDX id) in publish.yaml.",
                "Add rightsUri and rightsIdentifier (SPDX) to the DataCite rightsList.",
            ),
        )
    if ev.mode == "pid" and not ev.withdrawn and "landing" not in ev.failed:
        licence = [link for link in common.item_links(ev) if link.rel == "license"]
        t.test(
            bool(licence),
            f"signposting license link {licence[0].href}" if licence else "",
            "no signposting `license` link",
            "Set dc.rights.uri to the licence URL.",
        )
    return t.done()


def _provenance_terms(ev: Evidence) -> list[tuple[str, bool, str]]:
    dates = {str(d.get("dateType")) for d in ev.record.get("dates") or [] if isinstance(d, dict)}
    methods = any(
        isinstance(d, dict) and d.get("descriptionType") == "Methods" for d in ev.record.get("descriptions") or []
    ) or bool(ev.values("dc.description"))
    derived = any(r.relation_type in common.DERIVATION for r in common.relations(ev))
    return [
        ("creation date", "Created" in dates or bool(ev.values("dc.date.created")), "date_created:"),
        ("methods", methods, "methods:"),
        ("derivation (what it was made from)", derived or bool(ev.values("dc.relation*")), "related:"),
    ]


@indicator(
    "RDA-R1.2-01M",
    "Metadata includes provenance information according to community-specific standards",
    weight=15,
    fuji=("FsF-R1.2-01M",),
    sources=("metadata", "files"),
    offline=True,
    advice="Ship a README (or model card) with the files; FAIR EVA scores R1.2 as 0 without one.",
)
def r1_2_01m(ev: Evidence) -> Outcome:
    t = Tests()
    for label, ok, yaml_field in _provenance_terms(ev):
        t.test(
            ok,
            f"{label}: given",
            f"{label}: missing",
            fix(ev, f"Set {yaml_field} in publish.yaml.", f"Add the {label} to the record."),
        )
    terms = t.done().points
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its files are no longer offered")
    readme = ev.readme()
    card = "README.md" in ev.metadata_files
    doc_ok = t.test(
        readme is not None,
        f"README deposited: {readme}",
        "no README or model card among the deposited files"
        + (" (README.md is read as the model card, and metadata files are not deposited)" if card else ""),
        fix(
            ev,
            "Add a README.md (or, for weights whose README.md is the model card, a MODEL_CARD.md copy) with the files."
            if not card
            else "Save the model card also as MODEL_CARD.md so that it is deposited.",
            "Add a non-empty README (or model card) bitstream to the item.",
        ),
    )
    out = t.done()
    out.points = min(terms, 100 if doc_ok else 0)  # FAIR EVA's rule: the weakest part decides
    return out


@indicator(
    "RDA-R1.2-02M",
    "Metadata includes provenance information according to a cross-community language",
    weight=10,
    fuji=("FsF-R1.2-01M",),
    sources=("datacite", "files"),
    offline=True,
    advice="Give DataCite Created/Collected dates and derivation relations; ship a codebook with data.",
)
def r1_2_02m(ev: Evidence) -> Outcome:
    t = Tests()
    dates = {str(d.get("dateType")) for d in ev.record.get("dates") or [] if isinstance(d, dict)}
    rtg = ev.resource_type()
    if ev.datacite is not None:
        t.test(
            "Created" in dates,
            "DataCite Created date",
            "no DataCite Created date",
            fix(ev, "Set date_created: in publish.yaml.", "Add a Created date to the DataCite record."),
        )
        if rtg == "Dataset":
            t.test(
                "Collected" in dates,
                "DataCite Collected date",
                "no DataCite Collected date",
                fix(ev, "Set collected: (a date or interval) in publish.yaml.", "Add a Collected date."),
            )
    derived = [r for r in common.relations(ev) if r.relation_type in common.DERIVATION]
    methods = [
        d for d in ev.record.get("descriptions") or [] if isinstance(d, dict) and d.get("descriptionType") == "Methods"
    ]
    t.test(
        bool(derived or methods),
        f"how it was made: {len(derived)} derivation relation(s), {len(methods)} Methods description(s)",
        "neither a derivation relation (IsDerivedFrom, IsCompiledBy) nor a DataCite Methods description",
        fix(
            ev,
            "Set methods: in publish.yaml, or add related: with relation_type: IsDerivedFrom.",
            "Add a Methods description or IsDerivedFrom related identifiers.",
        ),
    )

    terms = t.done().points
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its files are no longer offered")
    if rtg in ("Model", "Software"):
        return t.done()
    codebook = ev.codebook()
    ok = t.test(
        codebook is not None,
        f"codebook deposited: {codebook}",
        "no codebook (fields, units, anonymisation)",
        fix(
            ev,
            "Add a CODEBOOK.md describing every field and the anonymisation method.",
            "Add a codebook bitstream to the item.",
        ),
    )
    out = t.done()
    out.points = min(terms, 100 if ok else 0)
    return out


@indicator(
    "RDA-R1.3-01M",
    "Metadata complies with a community standard",
    weight=20,
    fuji=("FsF-R1.3-01M",),
    sources=("metadata", "datacite", "oai"),
    offline=True,
    advice="Describe the record in DataCite kernel-4 and Dublin Core.",
)
def r1_3_01m(ev: Evidence) -> Outcome:
    t = Tests()
    if ev.mode == "artefact":
        t.test(bool(ev.datacite), "DataCite kernel-4 record", "no DataCite record")
        t.test(bool(ev.dc), "Dublin Core (dc.*) for the repository and oai_dc", "no Dublin Core")
        return t.done()
    if ev.datacite is None and describedby_is_datacite(ev.describedby) is False:
        ev.need("datacite", "landing")
    t.test(
        ev.datacite is not None or describedby_is_datacite(ev.describedby),
        "DataCite kernel-4 metadata",
        "no DataCite metadata (no DOI record, no describedby XML)",
        "Register a DOI or serve DataCite XML.",
    )
    if "oai" in ev.failed:
        t.note(f"OAI-PMH not checked: {ev.failed['oai']}")
    else:
        t.test("oai_dc" in ev.oai_formats, "oai_dc over OAI-PMH", "no oai_dc over OAI-PMH")
    return t.done()


@indicator(
    "RDA-R1.3-02M",
    "Metadata is expressed in compliance with a machine-understandable community standard",
    weight=20,
    fuji=("FsF-R1.3-01M",),
    sources=("metadata", "signposting"),
    offline=True,
    advice="Serve the DataCite XML the describedby link names; validate the bridge's own DataCite XML.",
)
def r1_3_02m(ev: Evidence) -> Outcome:
    t = Tests()
    if ev.mode == "artefact":
        t.test(bool(ev.datacite), "the DataCite XML validates against the kernel-4 XSD (bridge validate)", "")
        return t.done()
    if ev.withdrawn:
        t.test(ev.datacite is not None, "DataCite keeps a kernel-4 record", "no machine-readable record remains")
        return t.done()
    if ev.describedby is None:
        ev.need("landing")
    ok = describedby_is_datacite(ev.describedby)
    t.test(
        ok or ev.datacite is not None,
        "DataCite kernel-4 XML at describedby" if ok else "the DataCite record",
        f"describedby does not serve DataCite XML ({ev.describedby_type or 'nothing'})",
        "Serve the DataCite XML at the describedby link.",
    )
    return t.done()


def _format_judgement(name: str, mime: str | None, fmt: str | None) -> tuple[bool, str]:
    fmt = vocab.format_of(name, fmt)
    iana = vocab.iana_problem(mime)
    in_fuji = (mime or "").lower() in vocab.FUJI_MEDIA_TYPES
    in_eva = name.lower().endswith(vocab.EVA_EXTENSIONS)
    known = fmt in vocab.COMMUNITY_FORMATS
    lists = [n for n, ok in (("F-UJI", in_fuji), ("FAIR EVA", in_eva), ("the bridge's", known)) if ok]
    flagged = [n for n, ok in (("F-UJI", in_fuji), ("FAIR EVA", in_eva)) if not ok]
    note = f"{name}: {mime}" + (f" ({vocab.COMMUNITY_FORMATS.get(fmt or '', fmt)})" if fmt else "")
    if lists:
        note += f"; in {', '.join(lists)} list(s)"
    if flagged and known:
        note += f"; {' and '.join(flagged)} would flag it"
    if iana is not None:
        note += f" ({iana})"
    return bool(lists), note


@indicator(
    "RDA-R1.3-01D",
    "Data complies with a community standard",
    weight=20,
    fuji=("FsF-R1.3-02D",),
    sources=("files",),
    offline=True,
    advice="CSV/Parquet/JSON Lines for logs, safetensors/ONNX for weights; expect F-UJI and FAIR EVA to flag "
    "safetensors and gguf.",
)
def r1_3_01d(ev: Evidence) -> Outcome:
    t = Tests()
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its files are no longer offered")
    if ev.mode == "pid":
        ev.need("landing")
    for f in ev.files:
        ok, note = _format_judgement(f.name, f.served_type or f.mime, f.format)
        t.test(ok, note, note, "Use a community format: CSV/Parquet/JSON Lines for logs, safetensors/ONNX for weights.")
    return t.done()


@indicator(
    "RDA-R1.3-02D",
    "Data is expressed in compliance with a machine-understandable community standard",
    weight=15,
    fuji=("FsF-R1.3-02D",),
    sources=("files",),
    offline=True,
    advice="Prefer open formats that load without running code: safetensors over pickled PyTorch checkpoints.",
)
def r1_3_02d(ev: Evidence) -> Outcome:
    t = Tests()
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its files are no longer offered")
    for f in ev.files:
        fmt = vocab.format_of(f.name, f.format)
        if fmt == "pytorch":
            t.test(
                False,
                "",
                f"{f.name}: a pickled PyTorch checkpoint runs code when loaded",
                "Convert PyTorch checkpoints to safetensors.",
            )
            continue
        t.test(
            fmt in vocab.COMMUNITY_FORMATS,
            f"{f.name}: {vocab.COMMUNITY_FORMATS.get(fmt or '', '')}",
            f"{f.name}: not a recognised open format",
            "Use an open community format.",
        )
    return t.done()
