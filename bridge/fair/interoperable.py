"""Interoperable: I1 formal knowledge representation, I2 FAIR vocabularies, I3 qualified references.

fair.md §1.2 and §4 rows 12-14 and 19. FAIR EVA reads the D variants of I3 from the metadata too.
"""

from __future__ import annotations

from lxml import etree

from bridge.fair import common, vocab
from bridge.fair.common import fix
from bridge.fair.evidence import Evidence, FileSeen
from bridge.fair.model import NotApplicable, Outcome, Tests, indicator
from bridge.xmlsafe import parse_untrusted

DATACITE_NS = "http://datacite.org/schema/kernel-4"
RDF_LIKE = ("rdf", "datacite", "oai_datacite", "qdc", "dim")


def vocabulary_terms(ev: Evidence) -> dict[str, list[str]]:
    """Return the vocabulary URIs the metadata uses, by vocabulary (LoC, ORCID, GeoNames, COAR, ROR, …)."""
    values = ev.values("dc.subject*", "dc.coverage*", "dc.type*", "dc.contributor.orcid", "dc.identifier.funder")
    for s in ev.record.get("subjects") or []:
        if isinstance(s, dict):
            values += [str(s.get("valueUri") or "")]
    for c in ev.record.get("creators") or []:
        for i in c.get("nameIdentifiers") or [] if isinstance(c, dict) else []:
            values.append(str(i.get("nameIdentifier") or ""))
        for a in c.get("affiliation") or [] if isinstance(c, dict) else []:
            values.append(str(a.get("affiliationIdentifier") or "") if isinstance(a, dict) else "")
    for f in ev.record.get("fundingReferences") or []:
        values.append(str(f.get("funderIdentifier") or "") if isinstance(f, dict) else "")
    found: dict[str, list[str]] = {}
    for value in values:
        name = vocab.vocabulary_of(value)
        if name is None and "[" in value:  # Digital.CSIC's "Family, Given [0000-…]"
            name = "ORCID"
        if name:
            found.setdefault(name, []).append(value)
    return found


@indicator(
    "RDA-I1-01M",
    "Metadata uses knowledge representation expressed in standardised format",
    weight=15,
    fuji=("FsF-I1-01M",),
    sources=("metadata", "landing", "signposting"),
    offline=True,
    advice="Use URIs from shared vocabularies (subjects, ORCID, ROR, COAR types) and serve schema.org JSON-LD.",
)
def i1_01m(ev: Evidence) -> Outcome:
    t = Tests()
    if ev.mode == "artefact":
        t.test(bool(ev.datacite), "a DataCite kernel-4 record, valid against its XSD", "no DataCite record")
    else:
        structured = []
        if ev.jsonld:
            structured.append("schema.org JSON-LD on the landing page")
        if ev.describedby and DATACITE_NS.encode() in ev.describedby:
            structured.append("DataCite XML at describedby")
        if ev.datacite:
            structured.append("the DataCite record")
        t.test(
            bool(structured),
            "; ".join(structured),
            "no structured metadata (JSON-LD, DataCite XML)",
            "Serve schema.org JSON-LD and the DataCite XML (describedby).",
        )
    terms = vocabulary_terms(ev)
    t.test(
        bool(terms),
        "vocabulary terms: " + ", ".join(f"{k} ({len(v)})" for k, v in sorted(terms.items())),
        "no term from a recognised vocabulary",
        fix(
            ev,
            "Give subjects a value_uri: and creators an orcid: in publish.yaml.",
            "Add vocabulary URIs (dc.subject.uri, dc.type.coar, ORCID).",
        ),
    )
    return t.done()


@indicator(
    "RDA-I1-02M",
    "Metadata uses machine-understandable knowledge representation",
    weight=15,
    fuji=("FsF-I1-01M", "FsF-R1.3-01M"),
    sources=("oai",),
    advice="Offer oai_datacite (or another RDF-like format) over OAI-PMH.",
)
def i1_02m(ev: Evidence) -> Outcome:
    ev.need("oai")
    t = Tests()
    rich = [p for p in ev.oai_formats if any(k in p.lower() for k in RDF_LIKE)]
    t.test(
        bool(rich), f"OAI-PMH offers {', '.join(rich)}", f"OAI-PMH offers only {', '.join(ev.oai_formats) or 'nothing'}"
    )
    t.test(
        bool(ev.oai_record) or ev.oai_deleted,
        "GetRecord answers for the item",
        "GetRecord does not find the item",
        "Wait for the repository's OAI import, then retry.",
    )
    t.saw(ev.seen.get("oai"))
    return t.done()


def _files(ev: Evidence) -> list[FileSeen]:
    if ev.withdrawn:
        raise NotApplicable("the item is withdrawn: its files are no longer offered")
    if ev.mode == "pid":
        ev.need("landing")
    return ev.files


@indicator(
    "RDA-I1-01D",
    "Data uses knowledge representation expressed in standardised format",
    weight=15,
    fuji=("FsF-R1.3-02D",),
    sources=("files",),
    offline=True,
    advice="Give each file a registered IANA media type.",
)
def i1_01d(ev: Evidence) -> Outcome:
    t = Tests()
    for f in _files(ev):
        mime = f.served_type or f.mime
        problem = vocab.iana_problem(mime)
        t.test(
            problem is None,
            f"{f.name}: {mime}",
            f"{f.name}: {problem}",
            "Give each file a registered IANA "
            "media type (CSV, JSON Lines, Parquet, safetensors as application/octet-stream).",
        )
    return t.done()


@indicator(
    "RDA-I1-02D",
    "Data uses machine-understandable knowledge representation",
    weight=15,
    fuji=("FsF-R1.3-02D",),
    sources=("files",),
    offline=True,
    advice="Use formats a program can parse without guessing (CSV, JSON Lines, Parquet, safetensors, ONNX).",
)
def i1_02d(ev: Evidence) -> Outcome:
    t = Tests()
    for f in _files(ev):
        fmt = vocab.format_of(f.name, f.format)
        t.test(
            fmt is not None,
            f"{f.name}: {vocab.COMMUNITY_FORMATS.get(fmt or '', fmt)}",
            f"{f.name}: format not recognised",
            "Use formats a program can parse without guessing (CSV, JSON Lines, Parquet, safetensors, ONNX).",
        )
    return t.done()


@indicator(
    "RDA-I2-01M",
    "Metadata uses FAIR-compliant vocabularies",
    weight=15,
    fuji=("FsF-I2-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Use URIs, not bare strings: ORCID for people, ROR for organisations, subject and type URIs.",
)
def i2_01m(ev: Evidence) -> Outcome:
    t = Tests()
    persons = common.person_creators(ev)
    if ev.dc.get("dc.contributor.author"):
        named = common.orcid_named(ev)
        missing = [p for p in persons if p not in named]
        t.test(
            bool(persons) and not missing,
            f"every author has an ORCID iD ({len(persons)})",
            f"authors without an ORCID iD in the repository: {', '.join(missing) or 'no person author'}",
            fix(
                ev,
                "Add orcid: to each creator in publish.yaml.",
                "Add each author's ORCID iD (dc.contributor.orcid, `Family, Given [0000-…]`).",
            ),
            weight=3,
        )
    if ev.datacite is not None:
        with_id, count = common.datacite_orcids(ev)
        t.test(
            with_id == count,
            f"DataCite: {with_id}/{count} creators with ORCID",
            f"DataCite: {with_id}/{count} creators with ORCID",
            fix(
                ev,
                "Add orcid: to each creator in publish.yaml.",
                "Add the creators' ORCID nameIdentifiers to the DataCite record.",
            ),
        )
    subject_uris = [s["valueUri"] for s in ev.record.get("subjects") or [] if isinstance(s, dict) and s.get("valueUri")]
    subject_uris += ev.values("dc.subject.uri")
    t.test(
        bool(subject_uris),
        "a subject with a vocabulary URI",
        "no subject has a vocabulary URI",
        fix(
            ev,
            "Add subjects: with scheme: and value_uri: (FOS, LCSH, Wikidata, UNESCO, AGROVOC) to publish.yaml.",
            "Add a subject URI (dc.subject.uri or DataCite valueUri).",
        ),
    )
    coar = [v for v in ev.values("dc.type.coar", "dc.type") if v.startswith("http://purl.org/coar/resource_type/")]
    t.test(
        bool(coar),
        f"COAR resource type {coar[0]}" if coar else "",
        "no COAR resource type URI (dc.type.coar)",
        fix(ev, "Set [dspace] coar_type in the mapping.", "Set dc.type.coar to a COAR resource type URI."),
    )
    # DataCite's REST API gives affiliations as bare names unless asked (?affiliation=true): judge only objects
    orgs = [
        a
        for c in ev.record.get("creators") or []
        if isinstance(c, dict)
        for a in c.get("affiliation") or []
        if isinstance(a, dict)
    ]
    if orgs:
        with_ror = [a for a in orgs if isinstance(a, dict) and a.get("affiliationIdentifier")]
        t.test(
            len(with_ror) == len(orgs),
            "affiliations carry ROR ids",
            f"{len(orgs) - len(with_ror)} affiliation(s) without a ROR id",
            fix(ev, "Add ror: to each affiliation in publish.yaml.", "Add ROR ids to the affiliations."),
        )
    t.saw(ev.seen.get("metadata"), ev.seen.get("oai"), ev.seen.get("datacite"))
    return t.done()


@indicator(
    "RDA-I2-01D",
    "Data uses FAIR-compliant vocabularies",
    weight=10,
    fuji=("FsF-I2-01M",),
    sources=("metadata",),
    offline=True,
    advice="Type the data with DataCite's resourceTypeGeneral and a COAR resource type URI.",
)
def i2_01d(ev: Evidence) -> Outcome:
    t = Tests()
    rtg = ev.resource_type()
    if ev.datacite is not None:
        t.test(bool(rtg), f"resourceTypeGeneral {rtg}", "no resourceTypeGeneral")
    coar = [v for v in ev.values("dc.type.coar") if v.startswith("http://purl.org/coar/resource_type/")]
    t.test(
        bool(coar),
        "a COAR resource type URI",
        "no COAR resource type URI",
        fix(ev, "Set [dspace] coar_type in the mapping.", "Set dc.type.coar."),
    )
    return t.done()


def _relation_tests(ev: Evidence, *, data: bool, qualified: bool) -> Outcome:
    t = Tests()
    rels = common.relations(ev)
    if data:
        # a relation whose target type is unknown (a dc.relation URL) may be data: FAIR EVA counts every one
        rels = [
            r
            for r in rels
            if r.resource_type in vocab.DATA_TYPES
            or r.relation_type in common.DERIVATION
            or (r.resource_type is None and r.identifier_type is not None)
        ]
    what = "other data" if data else "other metadata"
    advice = fix(
        ev,
        "Add related: entries (identifier:, relation_type:, resource_type_general:) to publish.yaml: "
        "training data IsDerivedFrom, code IsCompiledBy, paper IsSupplementTo.",
        "Link data, code and paper by PID with a relation type (DataCite relatedIdentifiers).",
    )
    grants = common.grant_agreements(ev)
    t.test(
        bool(rels) or (not data and bool(grants)),
        f"{len(rels)} reference(s) to {what}"
        + (f" and {len(grants)} grant agreement(s)" if grants and not data else ""),
        f"no reference to {what}",
        advice,
        weight=2,
    )
    if qualified and rels:
        typed = [r for r in rels if r.relation_type]
        with_pid = [r for r in rels if (r.identifier_type or "").upper() in ("DOI", "HANDLE", "URL", "ARXIV", "URN")]
        t.test(
            len(typed) == len(rels),
            "every reference has a relation type",
            f"{len(rels) - len(typed)} reference(s) without a relation type",
            advice,
        )
        t.test(
            len(with_pid) == len(rels),
            "every reference is a resolvable identifier",
            f"{len(rels) - len(with_pid)} reference(s) not given as DOI, Handle or URL",
            advice,
        )
    t.saw(ev.seen.get("datacite") or ev.seen.get("metadata"))
    return t.done()


@indicator(
    "RDA-I3-01M",
    "Metadata includes references to other metadata",
    weight=15,
    fuji=("FsF-I3-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Link related outputs and the grant by PID.",
)
def i3_01m(ev: Evidence) -> Outcome:
    return _relation_tests(ev, data=False, qualified=False)


@indicator(
    "RDA-I3-01D",
    "Data includes references to other data",
    weight=10,
    fuji=("FsF-I3-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Link the data the work derives from by PID.",
)
def i3_01d(ev: Evidence) -> Outcome:
    return _relation_tests(ev, data=True, qualified=False)


@indicator(
    "RDA-I3-02M",
    "Metadata includes references to other data",
    weight=10,
    fuji=("FsF-I3-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Link the training data or source data by PID.",
)
def i3_02m(ev: Evidence) -> Outcome:
    return _relation_tests(ev, data=True, qualified=False)


@indicator(
    "RDA-I3-02D",
    "Data includes qualified references to other data",
    weight=10,
    fuji=("FsF-I3-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Give each link to data a relation type.",
)
def i3_02d(ev: Evidence) -> Outcome:
    return _relation_tests(ev, data=True, qualified=True)


@indicator(
    "RDA-I3-03M",
    "Metadata includes qualified references to other metadata",
    weight=15,
    fuji=("FsF-I3-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Give every link a relation type and a PID; add the grant agreement.",
)
def i3_03m(ev: Evidence) -> Outcome:
    return _relation_tests(ev, data=False, qualified=True)


@indicator(
    "RDA-I3-04M",
    "Metadata include qualified references to other data",
    weight=10,
    fuji=("FsF-I3-01M",),
    sources=("metadata", "datacite"),
    offline=True,
    advice="Give each link to data a relation type and a PID.",
)
def i3_04m(ev: Evidence) -> Outcome:
    return _relation_tests(ev, data=True, qualified=True)


def describedby_is_datacite(xml: bytes | None) -> bool:
    """Tell whether a describedby body is DataCite XML (parsed safely: no entities, no network)."""
    if not xml:
        return False
    try:
        root = parse_untrusted(xml)
    except etree.XMLSyntaxError:
        return False
    return etree.QName(root).namespace == DATACITE_NS
