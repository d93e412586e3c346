"""SWORD v2 documents of the sandbox: service document, deposit receipt, statements, error documents, Atom entries.

Shapes follow the SWORD 2.0 profile (§6.1 service document, §10 deposit receipt, §11 statement, §12 error
documents) with DSpace's choices: the SE-IRI is the Edit-IRI, the Cont-IRI is the EM-IRI, workflow states are
``http://dspace.org/state/*`` and Atom entries are read as Dublin Core through ``swordv2-server.simpledc.*``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from lxml import etree

from bridge.sandbox.app import Sandbox
from bridge.sandbox.store import now
from bridge.xmlsafe import parse_untrusted, safe_parser

ATOM = "http://www.w3.org/2005/Atom"
APP = "http://www.w3.org/2007/app"
SWORD = "http://purl.org/net/sword/terms/"
DCTERMS = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ORE = "http://www.openarchives.org/ore/terms/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

SIMPLEZIP = "http://purl.org/net/sword/package/SimpleZip"
BINARY = "http://purl.org/net/sword/package/Binary"
ACCEPT_PACKAGING = (SIMPLEZIP, BINARY)
GENERATOR = "http://www.dspace.org/ns/sword/2.0/"

ERROR_CONTENT = "http://purl.org/net/sword/error/ErrorContent"
ERROR_CHECKSUM_MISMATCH = "http://purl.org/net/sword/error/ErrorChecksumMismatch"
ERROR_BAD_REQUEST = "http://purl.org/net/sword/error/ErrorBadRequest"
TARGET_OWNER_UNKNOWN = "http://purl.org/net/sword/error/TargetOwnerUnknown"
MEDIATION_NOT_ALLOWED = "http://purl.org/net/sword/error/MediationNotAllowed"
METHOD_NOT_ALLOWED = "http://purl.org/net/sword/error/MethodNotAllowed"
MAX_UPLOAD_SIZE_EXCEEDED = "http://purl.org/net/sword/error/MaxUploadSizeExceeded"
# The SWORD namespace is reserved, so the sandbox's own errors live in another one (SWORD 2.0 §12).
AUTH_REQUIRED = "urn:oai-bridge:sandbox:sword:error:AuthenticationRequired"
FORBIDDEN = "urn:oai-bridge:sandbox:sword:error:Forbidden"
NOT_FOUND = "urn:oai-bridge:sandbox:sword:error:NotFound"

STATES = {
    "inprogress": ("http://dspace.org/state/inprogress", "The item is in the user workspace"),
    "archived": ("http://dspace.org/state/archived", "The item has been archived"),
    "withdrawn": (
        "http://dspace.org/state/withdrawn",
        "The item has been withdrawn from the archive and is no longer available",
    ),
}

# dcterms term -> DSpace field, as DSpace's swordv2-server.simpledc.* defaults, plus two Digital.CSIC-style
# fields the defaults leave unmapped (language -> dc.language.iso, license -> dc.rights.license).
SIMPLEDC: dict[str, str] = {
    "abstract": "dc.description.abstract",
    "accessRights": "dc.rights",
    "alternative": "dc.title.alternative",
    "available": "dc.date.available",
    "bibliographicCitation": "dc.identifier.citation",
    "contributor": "dc.contributor",
    "coverage": "dc.coverage",
    "created": "dc.date.created",
    "creator": "dc.contributor.author",
    "date": "dc.date",
    "dateAccepted": "dcterms.dateAccepted",
    "dateSubmitted": "dc.date.submitted",
    "description": "dc.description",
    "extent": "dc.format.extent",
    "format": "dc.format",
    "identifier": "dc.identifier",
    "isPartOf": "dc.relation.ispartof",
    "isReferencedBy": "dc.relation.isreferencedby",
    "isReplacedBy": "dc.relation.isreplacedby",
    "isRequiredBy": "dc.relation.isrequiredby",
    "issued": "dc.date.issued",
    "language": "dc.language.iso",
    "license": "dc.rights.license",
    "medium": "dc.format.medium",
    "modified": "dc.date.modified",
    "provenance": "dc.description.provenance",
    "publisher": "dc.publisher",
    "references": "dc.relation.references",
    "relation": "dc.relation",
    "replaces": "dc.relation.replaces",
    "requires": "dc.relation.requires",
    "rights": "dc.rights",
    "rightsHolder": "dc.rights",
    "source": "dc.source",
    "spatial": "dc.coverage.spatial",
    "subject": "dc.subject",
    "temporal": "dc.coverage.temporal",
    "title": "dc.title",
    "type": "dc.type",
}
# DSpace field -> dcterms term for receipts (the first term naming a field wins: rights, not rightsHolder).
DISSEMINATE: dict[str, str] = {}
for _term, _field in SIMPLEDC.items():
    DISSEMINATE.setdefault(_field, _term)
DISSEMINATE["dc.rights"] = "rights"


class SwordError(Exception):
    """A refused SWORD request: the HTTP status, the error IRI and a summary for the error document."""

    def __init__(self, status: int, href: str, summary: str) -> None:
        super().__init__(summary)
        self.status = status
        self.href = href
        self.summary = summary


def parser() -> etree.XMLParser:
    """Return the parser for untrusted XML: no entities, no DTD, no network."""
    return safe_parser()


def parse_entry(body: bytes) -> list[tuple[str, str]]:
    """Read an Atom entry's metadata as (DSpace field, value) pairs, as DSpace's SimpleDCEntryIngester does.

    atom:title and atom:summary come first (as dc.title and dc.description.abstract), then the dcterms
    elements; terms with no mapping and other markup (atom:author included) are ignored, as DSpace does.
    """
    try:
        root = parse_untrusted(body)
    except etree.XMLSyntaxError as exc:
        raise SwordError(400, ERROR_BAD_REQUEST, f"the Atom entry is not well-formed XML: {exc}") from exc
    if root.tag != f"{{{ATOM}}}entry":
        raise SwordError(400, ERROR_BAD_REQUEST, f"expected an Atom <entry>, got <{etree.QName(root).localname}>")
    pairs: list[tuple[str, str]] = []
    for tag, field in (("title", "dc.title"), ("summary", "dc.description.abstract")):
        element = root.find(f"{{{ATOM}}}{tag}")
        if element is not None and (text := "".join(element.itertext()).strip()):
            pairs.append((field, text))
    for element in root:
        if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{DCTERMS}}}"):
            continue
        dc = SIMPLEDC.get(etree.QName(element).localname)
        if dc and (text := "".join(element.itertext()).strip()):
            pairs.append((dc, text))
    return pairs


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrib.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def atom_time(store_time: str) -> str:
    return store_time[:19] + "Z"


class SwordUrls:
    """The IRIs of the sandbox's SWORD server, all absolute."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.base = sandbox.base_url
        self.root = sandbox.urls["sword"]

    def collection(self, handle: str) -> str:
        return f"{self.root}/collection/{handle}"

    def edit(self, uuid: str) -> str:
        return f"{self.root}/edit/{uuid}"

    def edit_media(self, uuid: str) -> str:
        return f"{self.root}/edit-media/{uuid}"

    def statement(self, uuid: str, kind: str = "atom") -> str:
        return f"{self.root}/statement/{uuid}.{kind}"

    def file(self, item: dict[str, Any], bitstream: dict[str, Any]) -> str:
        """Return a file's URL: the public download once archived, the authenticated SWORD one before."""
        name = quote(bitstream["name"], safe="/")
        if item["handle"] and item["in_archive"]:
            return f"{self.base}/bitstream/{item['handle']}/{bitstream['sequence_id']}/{name}"
        return f"{self.root}/edit-media/bitstream/{bitstream['uuid']}/{name}"

    def alternate(self, item: dict[str, Any], workspace_id: int | None) -> str | None:
        """Return the splash page: the landing page once archived, the workspace page before (as DSpace)."""
        if item["handle"]:
            return f"{self.base}/handle/{item['handle']}"
        if workspace_id is not None:
            return f"{self.base}/workspaceitems/{workspace_id}/edit"
        return None


def service_document(sandbox: Sandbox, collections: list[dict[str, Any]]) -> bytes:
    """Return the SWORD 2.0 service document listing every collection as a deposit target."""
    urls = SwordUrls(sandbox)
    root = etree.Element(f"{{{APP}}}service", nsmap={None: APP, "atom": ATOM, "sword": SWORD, "dcterms": DCTERMS})
    _el(root, f"{{{SWORD}}}version", "2.0")
    _el(root, f"{{{SWORD}}}maxUploadSize", str(max(1, sandbox.config.upload_limit // 1024)))
    workspace = _el(root, f"{{{APP}}}workspace")
    _el(workspace, f"{{{ATOM}}}title", sandbox.config.name)
    for coll in collections:
        element = _el(workspace, f"{{{APP}}}collection", href=urls.collection(coll["handle"]))
        _el(element, f"{{{ATOM}}}title", coll["name"])
        _el(element, f"{{{APP}}}accept", "*/*")
        _el(element, f"{{{APP}}}accept", "*/*", alternate="multipart-related")
        _el(element, f"{{{SWORD}}}collectionPolicy", "Deposits are archived at once; there is no review workflow.")
        abstract = (coll["metadata"].get("dc.description.abstract") or [{}])[0].get("value")
        if abstract:
            _el(element, f"{{{DCTERMS}}}abstract", abstract)
        _el(element, f"{{{SWORD}}}mediation", "false")
        _el(element, f"{{{SWORD}}}treatment", "Packages are unpacked into the item's ORIGINAL bundle.")
        for packaging in ACCEPT_PACKAGING:
            _el(element, f"{{{SWORD}}}acceptPackaging", packaging)
    return _bytes(root)


def receipt(
    sandbox: Sandbox,
    item: dict[str, Any],
    *,
    workspace_id: int | None,
    treatment: str,
    derived: Sequence[dict[str, Any]] = (),
) -> bytes:
    """Return the deposit receipt (an Atom entry) of an item."""
    urls, uid, md = SwordUrls(sandbox), item["uuid"], item["metadata"]
    root = etree.Element(f"{{{ATOM}}}entry", nsmap={None: ATOM, "sword": SWORD, "dcterms": DCTERMS})
    titles = [v["value"] for v in md.get("dc.title") or []]
    _el(root, f"{{{ATOM}}}title", titles[0] if titles else "Untitled")
    _el(root, f"{{{ATOM}}}id", urls.edit(uid))
    _el(root, f"{{{ATOM}}}updated", atom_time(item["last_modified"]))
    for author in md.get("dc.contributor.author") or []:
        _el(_el(root, f"{{{ATOM}}}author"), f"{{{ATOM}}}name", author["value"])
    for value in (md.get("dc.description.abstract") or [])[:1]:
        _el(root, f"{{{ATOM}}}summary", value["value"], type="text")
    _el(root, f"{{{ATOM}}}generator", "DSpace (oai-bridge sandbox)", uri=GENERATOR, version="2.0")
    for field, values in md.items():
        term = DISSEMINATE.get(field)
        for value in values if term else []:
            _el(root, f"{{{DCTERMS}}}{term}", value["value"])
    _el(root, f"{{{ATOM}}}content", type="application/zip", src=urls.edit_media(uid))
    _el(root, f"{{{ATOM}}}link", rel="edit-media", href=urls.edit_media(uid))
    _el(root, f"{{{ATOM}}}link", rel="edit", href=urls.edit(uid))
    _el(root, f"{{{ATOM}}}link", rel=f"{SWORD}add", href=urls.edit(uid))
    alternate = urls.alternate(item, workspace_id)
    if alternate:
        _el(root, f"{{{ATOM}}}link", rel="alternate", href=alternate)
    for bitstream in derived:
        _el(
            root,
            f"{{{ATOM}}}link",
            rel=f"{SWORD}derivedResource",
            href=urls.file(item, bitstream),
            type=bitstream["mime"],
        )
    _el(
        root,
        f"{{{ATOM}}}link",
        rel=f"{SWORD}statement",
        type="application/atom+xml;type=feed",
        href=urls.statement(uid),
    )
    _el(root, f"{{{ATOM}}}link", rel=f"{SWORD}statement", type="application/rdf+xml", href=urls.statement(uid, "rdf"))
    _el(root, f"{{{SWORD}}}packaging", SIMPLEZIP)
    _el(root, f"{{{SWORD}}}treatment", treatment)
    return _bytes(root)


def item_state(item: dict[str, Any]) -> tuple[str, str]:
    if item["withdrawn"]:
        return STATES["withdrawn"]
    return STATES["archived"] if item["in_archive"] else STATES["inprogress"]


def atom_statement(sandbox: Sandbox, item: dict[str, Any], files: list[dict[str, Any]], depositor: str) -> bytes:
    """Return the Atom serialisation of the SWORD statement: the item's state and one entry per file."""
    urls, uid = SwordUrls(sandbox), item["uuid"]
    state, description = item_state(item)
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={"atom": ATOM, "sword": SWORD})
    _el(root, f"{{{ATOM}}}id", urls.statement(uid))
    titles = [v["value"] for v in item["metadata"].get("dc.title") or []]
    _el(root, f"{{{ATOM}}}title", titles[0] if titles else "Untitled", type="text")
    _el(root, f"{{{ATOM}}}updated", atom_time(item["last_modified"]))
    _el(_el(root, f"{{{ATOM}}}author"), f"{{{ATOM}}}name", depositor)
    _el(root, f"{{{ATOM}}}link", rel="self", href=urls.statement(uid))
    _el(root, f"{{{ATOM}}}category", description, scheme=f"{SWORD}state", term=state, label="State")
    _el(_el(root, f"{{{SWORD}}}state", href=state), f"{{{SWORD}}}stateDescription", description)
    for bitstream in files:
        entry = _el(root, f"{{{ATOM}}}entry")
        _el(entry, f"{{{ATOM}}}id", urls.file(item, bitstream))
        _el(entry, f"{{{ATOM}}}title", bitstream["name"], type="text")
        _el(entry, f"{{{ATOM}}}updated", atom_time(bitstream["last_modified"]))
        _el(entry, f"{{{ATOM}}}content", type=bitstream["mime"], src=urls.file(item, bitstream))
        _el(entry, f"{{{SWORD}}}depositedOn", atom_time(bitstream["last_modified"]))
        _el(entry, f"{{{SWORD}}}depositedBy", depositor)
    return _bytes(root)


def rdf_statement(sandbox: Sandbox, item: dict[str, Any], files: list[dict[str, Any]]) -> bytes:
    """Return the OAI-ORE (RDF/XML) serialisation of the SWORD statement."""
    urls, uid = SwordUrls(sandbox), item["uuid"]
    state, description = item_state(item)
    aggregation = f"urn:uuid:{uid}"
    root = etree.Element(f"{{{RDF}}}RDF", nsmap={"rdf": RDF, "ore": ORE, "sword": SWORD})
    about = f"{{{RDF}}}about"
    resource = f"{{{RDF}}}resource"
    rem = _el(root, f"{{{RDF}}}Description", **{about: urls.edit(uid)})
    _el(rem, f"{{{ORE}}}describes", **{resource: aggregation})
    agg = _el(root, f"{{{RDF}}}Description", **{about: aggregation})
    _el(agg, f"{{{ORE}}}isDescribedBy", **{resource: urls.edit(uid)})
    for bitstream in files:
        _el(agg, f"{{{ORE}}}aggregates", **{resource: urls.file(item, bitstream)})
    _el(agg, f"{{{SWORD}}}state", **{resource: state})
    _el(_el(root, f"{{{RDF}}}Description", **{about: state}), f"{{{SWORD}}}stateDescription", description)
    return _bytes(root)


def error_document(sandbox: Sandbox, error: SwordError) -> bytes:
    """Return a SWORD error document (`sword:error` with the error IRI in @href)."""
    root = etree.Element(f"{{{SWORD}}}error", {"href": error.href}, nsmap={None: ATOM, "sword": SWORD})
    _el(root, f"{{{ATOM}}}title", "ERROR")
    _el(_el(root, f"{{{ATOM}}}author"), f"{{{ATOM}}}name", sandbox.config.name)
    _el(root, f"{{{ATOM}}}updated", atom_time(now()))
    _el(root, f"{{{ATOM}}}generator", "DSpace (oai-bridge sandbox)", uri=GENERATOR, version="2.0")
    _el(root, f"{{{ATOM}}}summary", error.summary)
    _el(root, f"{{{SWORD}}}treatment", "processing failed")
    _el(root, f"{{{SWORD}}}verboseDescription", error.summary)
    _el(root, f"{{{ATOM}}}link", rel="alternate", href=f"{sandbox.base_url}/contact", type="text/html")
    return _bytes(root)
