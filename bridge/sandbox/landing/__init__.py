"""Landing pages, FAIR Signposting and bitstream downloads, as a DSpace 7.6+ site with Digital.CSIC's URLs.

``/handle/10261/N`` is a server-rendered HTML page with Google Scholar ``citation_*`` meta tags and schema.org
JSON-LD naming the PIDs, and Signposting ``Link`` headers (cite-as, describedby, item, license, type, linkset)
as DSpace's signposting module sends them (``LinksetRestController``; no per-file links when an item has 10 or
more files, only the linksets). A withdrawn item's landing page is a tombstone answered with **410 Gone** (DSpace
shows a withdrawn page; the status lets harvesters and ``bridge verify`` tell). Files are served at
``/bitstream/10261/N/<sequence>/<filename>`` from the assetstore. Metadata is untrusted: everything is escaped.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bridge.sandbox.app import Sandbox
from bridge.sandbox.httputil import spring_error
from bridge.sandbox.landing.stored import LandingPages
from bridge.sandbox.pid import normalize_doi  # also registers the `hdlprefix` path convertor
from bridge.sandbox.render import datacite_xml_bytes

DATACITE_XML = "application/vnd.datacite.datacite+xml"
LINKSET = "application/linkset"
LINKSET_JSON = "application/linkset+json"
ABOUT_PAGE = "https://schema.org/AboutPage"
MEDIA_TYPE_UNSAFE = re.compile(r"[^A-Za-z0-9!#$&^_.+\-/;= ]")
HEADER_BITSTREAM_LIMIT = 10  # DSpace's signposting.item.bitstreams.limit
# dc.type to schema.org types as DSpace 7.6+ signposting maps them (mapConverter-dspace-to-schema-org-uri):
# exact, case-sensitive keys, so Digital.CSIC's lower-case "dataset" becomes CreativeWork; no dc.type: Dataset.
SCHEMA_ORG_TYPES = {
    "Dataset": "Dataset",
    "http://purl.org/coar/resource_type/c_ddb1": "Dataset",
    "Software": "SoftwareSourceCode",
    "Article": "ScholarlyArticle",
    "Book": "Book",
    "Book chapter": "Chapter",
    "Image": "ImageObject",
    "Video": "VideoObject",
    "Thesis": "Thesis",
    "Technical Report": "Report",
}


def values(item: dict[str, Any], field: str) -> list[str]:
    return [v["value"] for v in item["metadata"].get(field) or [] if str(v.get("value", "")).strip()]


def first(item: dict[str, Any], field: str) -> str | None:
    found = values(item, field)
    return found[0] if found else None


def item_doi(item: dict[str, Any]) -> str | None:
    """Return the item's bare DOI from dc.identifier.doi (stored in DSpace's https://doi.org/ form)."""
    doi = first(item, "dc.identifier.doi")
    return normalize_doi(doi) if doi else None


def schema_org_type(item: dict[str, Any]) -> str:
    types = values(item, "dc.type")
    for t in types:
        if t.strip() in SCHEMA_ORG_TYPES:
            return SCHEMA_ORG_TYPES[t.strip()]
    return "CreativeWork" if types else "Dataset"


def content_disposition(name: str) -> str:
    """Return `attachment` with the file's last path segment: an ASCII fallback and the RFC 6266 UTF-8 form."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in last if unicodedata.category(c)[0] != "C").strip().strip(".") or "file"
    fallback = "".join(c if " " <= c < "\x7f" and c not in '"\\' else "_" for c in cleaned)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


class ItemLinks:
    """The URLs of one archived item and its ORIGINAL files."""

    def __init__(self, sandbox: Sandbox, item: dict[str, Any]) -> None:
        base = sandbox.base_url
        self.item = item
        self.handle: str = item["handle"]
        self.landing = f"{base}/handle/{self.handle}"
        self.handle_url = f"{sandbox.urls['handle_resolver']}/{self.handle}"
        self.doi = item_doi(item)
        self.doi_url = f"https://doi.org/{self.doi}" if self.doi else None
        self.cite_as = self.doi_url or self.handle_url  # DSpace prefers the DOI
        self.describedby = f"{base}/server/signposting/describedby/{item['uuid']}"
        self.linkset = f"{base}/server/signposting/linksets/{item['uuid']}"
        self.linkset_json = f"{self.linkset}/json"
        self.files = sandbox.store.item_bitstreams(item["uuid"])
        licenses = values(item, "dc.rights.uri")  # DSpace sends dc.rights.uri only; dc.rights.license gives none
        self.license = next((v for v in licenses if v.startswith(("http://", "https://"))), None)
        self.type = f"https://schema.org/{schema_org_type(item)}"
        self.base = base

    def file_url(self, bitstream: dict[str, Any]) -> str:
        return f"{self.base}/bitstream/{self.handle}/{bitstream['sequence_id']}/{quote(bitstream['name'], safe='/')}"

    def linkset_nodes(self, anchor: str) -> list[dict[str, Any]]:
        return [
            {"href": self.linkset, "rel": "linkset", "type": LINKSET, "anchor": anchor},
            {"href": self.linkset_json, "rel": "linkset", "type": LINKSET_JSON, "anchor": anchor},
        ]

    def item_nodes(self) -> list[dict[str, Any]]:
        """Return the item's typed links (the landing page's Link header and the first linkset)."""
        a = self.landing
        nodes: list[dict[str, Any]] = [{"href": self.cite_as, "rel": "cite-as", "type": None, "anchor": a}]
        nodes.append({"href": self.describedby, "rel": "describedby", "type": DATACITE_XML, "anchor": a})
        nodes += [{"href": self.file_url(b), "rel": "item", "type": b["mime"], "anchor": a} for b in self.files]
        if self.license:
            nodes.append({"href": self.license, "rel": "license", "type": None, "anchor": a})
        nodes.append({"href": ABOUT_PAGE, "rel": "type", "type": None, "anchor": a})
        nodes.append({"href": self.type, "rel": "type", "type": None, "anchor": a})
        return nodes + self.linkset_nodes(a)

    def bitstream_nodes(self, bitstream: dict[str, Any]) -> list[dict[str, Any]]:
        anchor = self.file_url(bitstream)
        parent = {"href": self.landing, "rel": "collection", "type": "text/html", "anchor": anchor}
        return [parent, *self.linkset_nodes(anchor)]

    def linksets(self) -> list[list[dict[str, Any]]]:
        """Return every linkset: the item's, one per file, and the metadata record's."""
        described = [{"href": self.landing, "rel": "describes", "type": "text/html", "anchor": self.describedby}]
        return [self.item_nodes(), *(self.bitstream_nodes(b) for b in self.files), described]

    def header_nodes(self) -> list[dict[str, Any]]:
        if len(self.files) >= HEADER_BITSTREAM_LIMIT:
            return self.linkset_nodes(self.landing)
        return self.item_nodes()


def header_uri(uri: str) -> str:
    """Percent-encode what may not stand inside <…> in a Link header (metadata URLs are untrusted)."""
    return quote(uri, safe=":/?#[]@!$&'()*+,;=%~")


def typed_link(node: dict[str, Any], with_anchor: bool = False) -> str:
    """Format one typed link as in a Link header: `<href>; rel="…"; type="…"[; anchor="…"]`."""
    part = f'<{header_uri(node["href"])}>; rel="{node["rel"]}"'
    if node.get("type"):
        part += f'; type="{MEDIA_TYPE_UNSAFE.sub("", node["type"])}"'
    if with_anchor:
        part += f'; anchor="{header_uri(node["anchor"])}"'
    return part


def link_header(nodes: list[dict[str, Any]]) -> str:
    """Format typed links as an HTTP Link header (RFC 8288)."""
    return ", ".join(typed_link(node) for node in nodes)


def linkset_text(linksets: list[list[dict[str, Any]]]) -> str:
    """Format linksets as application/linkset (RFC 9264 §4.1): links with their anchors, comma separated."""
    return ",\n".join(typed_link(n, with_anchor=True) for nodes in linksets for n in nodes) + "\n"


def linkset_json(linksets: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """Format linksets as application/linkset+json (RFC 9264 §4.2): one context object per anchor."""
    out = []
    for nodes in linksets:
        context: dict[str, Any] = {"anchor": nodes[0]["anchor"]}
        for node in nodes:
            target = {"href": node["href"]}
            if node.get("type"):
                target["type"] = node["type"]
            context.setdefault(node["rel"], []).append(target)
        out.append(context)
    return {"linkset": out}


def json_ld(links: ItemLinks) -> dict[str, Any]:
    """Return the schema.org description embedded in the landing page."""
    item = links.item
    kind = schema_org_type(item)
    authors = []
    for name in values(item, "dc.contributor.author"):
        family, comma, given = name.partition(",")
        if comma:  # DSpace stores persons as "Family, Given"; anything else is taken for an organisation
            authors.append({"@type": "Person", "name": name, "familyName": family.strip(), "givenName": given.strip()})
        else:
            authors.append({"@type": "Organization", "name": name})
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": kind,
        "@id": links.cite_as,
        "url": links.landing,
        "name": first(item, "dc.title") or links.handle,
        "identifier": [u for u in (links.doi_url, links.handle_url) if u],
        "author": authors,
    }
    optional = {
        "datePublished": first(item, "dc.date.issued"),
        "description": first(item, "dc.description.abstract") or first(item, "dc.description"),
        "license": links.license,
        "inLanguage": first(item, "dc.language.iso"),
        "version": first(item, "dc.description.version"),
        "keywords": values(item, "dc.subject") or None,
        "publisher": {"@type": "Organization", "name": p} if (p := first(item, "dc.publisher")) else None,
    }
    data.update({k: v for k, v in optional.items() if v})
    media = [
        {
            "@type": "DataDownload" if kind == "Dataset" else "MediaObject",
            "name": b["name"],
            "contentUrl": links.file_url(b),
            "encodingFormat": b["mime"],
            "contentSize": f"{b['size']} B",
        }
        for b in links.files
    ]
    if media:
        data["distribution" if kind == "Dataset" else "associatedMedia"] = media
    return data


def script_json(data: dict[str, Any]) -> str:
    """Serialise JSON for a <script> element: no `</script>`, `<!--` or `&` can break out of it."""
    text = json.dumps(data, ensure_ascii=False)  # no indent: with one, json falls back to its pure-Python encoder
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def landing_html(links: ItemLinks) -> str:
    """Render an item's landing page."""
    item, e = links.item, html.escape
    title = first(item, "dc.title") or links.handle
    meta = [("citation_title", title)]
    meta += [("citation_author", a) for a in values(item, "dc.contributor.author")]
    optional = [
        ("citation_publication_date", first(item, "dc.date.issued")),
        ("citation_doi", links.doi),
        ("citation_publisher", first(item, "dc.publisher")),
        ("citation_language", first(item, "dc.language.iso")),
        ("citation_keywords", "; ".join(values(item, "dc.subject")) or None),
        ("citation_abstract_html_url", links.landing),
    ]
    meta += [(k, v) for k, v in optional if v]
    head = [f'<meta name="{k}" content="{e(v)}">' for k, v in meta]
    head += [f'<link rel="{n["rel"]}" href="{e(n["href"])}"' + (f' type="{e(n["type"])}">' if n["type"] else ">")
             for n in links.header_nodes()]  # fmt: skip
    rows = "".join(
        f'<tr><td><a href="{e(links.file_url(b))}">{e(b["name"])}</a></td><td>{b["size"]}</td>'
        f"<td>{e(b['mime'])}</td><td><code>{e(b['md5'])}</code></td></tr>"
        for b in links.files
    )
    ids = [f'<li>Handle: <a href="{e(links.handle_url)}">{e(links.handle_url)}</a></li>']
    if links.doi_url:
        ids.insert(0, f'<li>DOI: <a href="{e(links.doi_url)}">{e(links.doi_url)}</a></li>')
    abstract = first(item, "dc.description.abstract") or ""
    license_line = f'<p>License: <a href="{e(links.license)}">{e(links.license)}</a></p>' if links.license else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title>\n" + "\n".join(head) + "\n"
        f'<script type="application/ld+json">{script_json(json_ld(links))}</script>\n</head>\n<body>'
        f"<h1>{e(title)}</h1><p>{e('; '.join(values(item, 'dc.contributor.author')))}</p>"
        f"<p>{e(first(item, 'dc.date.issued') or '')}</p><ul>{''.join(ids)}</ul><p>{e(abstract)}</p>{license_line}"
        "<table><tr><th>File</th><th>Size (bytes)</th><th>Format</th><th>MD5</th></tr>"
        f"{rows}</table></body></html>\n"
    )


def tombstone(item: dict[str, Any]) -> HTMLResponse:
    """Answer a withdrawn item with 410 and a tombstone that keeps its citation: title, authors, PIDs."""
    e, handle = html.escape, item["handle"]
    doi = item_doi(item)
    cite = "; ".join(values(item, "dc.contributor.author")) + f" ({first(item, 'dc.date.issued') or 'n.d.'}). "
    cite += (first(item, "dc.title") or handle) + f". Handle {handle}" + (f", DOI {doi}" if doi else "") + "."
    body = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Item withdrawn</title></head><body>'
        f"<h1>Item withdrawn</h1><p>The item {e(handle)} has been withdrawn from the repository; its files are no "
        f"longer available. It was cited as:</p><blockquote>{e(cite)}</blockquote></body></html>\n"
    )
    return HTMLResponse(body, status_code=410)


def simple_page(title: str, text: str, status: int = 200) -> HTMLResponse:
    body = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>\n"
    )
    return HTMLResponse(body, status_code=status)


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    """Return the landing page, download and signposting routes."""
    store = sandbox.store

    def archived_item(uid: str) -> dict[str, Any] | None:
        item = store.item(uid)
        return item if item and item["in_archive"] and not item["withdrawn"] else None

    pages = LandingPages(sandbox)

    def render_landing(item: dict[str, Any]) -> tuple[str, str | None]:
        links = ItemLinks(sandbox, item)
        return landing_html(links), link_header(links.header_nodes()) if item["discoverable"] else None

    async def landing(request: Request) -> Response:
        handle = f"{request.path_params['prefix']}/{request.path_params['suffix']}"
        row = store.resolve_handle(handle)
        if row is None:
            return simple_page("Not Found", f"No item has the handle {handle}.", 404)
        if row["resource_type"] in ("community", "collection"):
            container = store.community(row["resource"]) or store.collection(row["resource"])
            return simple_page(container["name"] if container else handle, f"{row['resource_type']} {handle}")
        found = pages.get(row["resource"], render_landing)
        if found is None:
            return simple_page("Not Found", f"No item has the handle {handle}.", 404)
        if isinstance(found, dict):
            return tombstone(found)  # withdrawn
        body, link = found
        return HTMLResponse(body, headers={"Link": link} if link else {})

    def serve_file(item: dict[str, Any], seq: int, name: str | None) -> Response:
        if item["withdrawn"]:
            return simple_page("Item withdrawn", f"The item {item['handle']} has been withdrawn.", 410)
        links = ItemLinks(sandbox, item)
        found = next((b for b in links.files if b["sequence_id"] == seq), None)
        if found is None or (name is not None and found["name"] != name):
            return simple_page("Not Found", "No such file in this item.", 404)
        path = store.bitstream_path(found)
        if not path.is_file():
            return simple_page("Not Found", "The file is missing from the assetstore.", 404)
        headers = {
            "ETag": f'"{found["md5"]}"',
            "Content-Disposition": content_disposition(found["name"]),
            "Link": link_header(links.bitstream_nodes(found)),
        }
        return FileResponse(path, media_type=found["mime"], headers=headers)

    async def bitstream(request: Request) -> Response:
        handle = f"{request.path_params['prefix']}/{request.path_params['suffix']}"
        item = store.item_by_handle(handle)
        if item is None:
            return simple_page("Not Found", f"No item has the handle {handle}.", 404)
        return serve_file(item, request.path_params["seq"], request.path_params["filename"])

    async def legacy_bitstream(request: Request) -> Response:
        # DSpace ≤6 form: /bitstream/handle/10261/N/<filename>?sequence=<seq>
        handle = f"{request.path_params['prefix']}/{request.path_params['suffix']}"
        item = store.item_by_handle(handle)
        seq = request.query_params.get("sequence", "")
        if item is None or not seq.isdigit():
            return simple_page("Not Found", "No such file.", 404)
        return serve_file(item, int(seq), request.path_params["filename"])

    def signposted(request: Request) -> ItemLinks | Response:
        item = archived_item(request.path_params["uuid"])
        if item is None:
            return spring_error(request, 404, f"No such Item: {request.path_params['uuid']}")
        if not item["discoverable"]:
            return spring_error(request, 403, "Access is denied")
        return ItemLinks(sandbox, item)

    async def links(request: Request) -> Response:
        found = signposted(request)
        if isinstance(found, Response):
            return found
        typed = [{k: v for k, v in n.items() if k != "anchor" and v} for n in found.header_nodes()]
        return JSONResponse(typed)

    async def linkset(request: Request) -> Response:
        found = signposted(request)
        if isinstance(found, Response):
            return found
        return PlainTextResponse(linkset_text(found.linksets()), media_type=LINKSET)

    async def linkset_as_json(request: Request) -> Response:
        found = signposted(request)
        if isinstance(found, Response):
            return found
        return JSONResponse(linkset_json(found.linksets()), media_type=LINKSET_JSON)

    async def describedby(request: Request) -> Response:
        found = signposted(request)
        if isinstance(found, Response):
            return found
        return Response(datacite_xml_bytes(found.item, sandbox), media_type=DATACITE_XML)

    return [
        Route("/handle/{prefix:hdlprefix}/{suffix:path}", landing, methods=["GET"]),
        Route("/bitstream/handle/{prefix:hdlprefix}/{suffix}/{filename:path}", legacy_bitstream, methods=["GET"]),
        Route("/bitstream/{prefix:hdlprefix}/{suffix}/{seq:int}/{filename:path}", bitstream, methods=["GET"]),
        Route("/server/signposting/links/{uuid}", links, methods=["GET"]),
        Route("/server/signposting/linksets/{uuid}", linkset, methods=["GET"]),
        Route("/server/signposting/linksets/{uuid}/json", linkset_as_json, methods=["GET"]),
        Route("/server/signposting/describedby/{uuid}", describedby, methods=["GET"]),
    ]
