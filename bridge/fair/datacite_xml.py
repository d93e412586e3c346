"""Read a DataCite kernel-4 XML document (a describedby link's target) into the REST API's attribute shape.

Only what the indicators read: types, titles, creators (name identifiers, affiliation ids), publisher,
publicationYear, subjects (valueUri), dates, descriptions, rightsList, relatedIdentifiers, fundingReferences,
sizes, formats, version, language. Parsed with entity resolution and network access off.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from bridge.xmlsafe import parse_untrusted

NS = "{http://datacite.org/schema/kernel-4}"


def _text(el: Any) -> str:
    return (el.text or "").strip() if el is not None else ""


def _all(root: Any, path: str) -> list[Any]:
    return list(root.iterfind(path.replace("d:", NS)))


def parse_datacite_xml(body: bytes | None) -> dict[str, Any] | None:
    """Return the attributes of a DataCite XML document, or None when it is not one."""
    if not body:
        return None
    try:
        root = parse_untrusted(body)
    except etree.XMLSyntaxError:
        return None
    if root.tag != f"{NS}resource":
        return None
    out: dict[str, Any] = {"schemaVersion": "http://datacite.org/schema/kernel-4"}
    rt = root.find(f"{NS}resourceType")
    if rt is not None:
        out["types"] = {"resourceTypeGeneral": rt.get("resourceTypeGeneral"), "resourceType": _text(rt)}
    out["titles"] = [{"title": _text(t)} for t in _all(root, "d:titles/d:title")]
    out["creators"] = [
        {
            "name": _text(c.find(f"{NS}creatorName")),
            "nameType": (c.find(f"{NS}creatorName").get("nameType") if c.find(f"{NS}creatorName") is not None else None)
            or "Personal",
            "nameIdentifiers": [
                {"nameIdentifier": _text(i), "nameIdentifierScheme": i.get("nameIdentifierScheme")}
                for i in c.iterfind(f"{NS}nameIdentifier")
            ],
            "affiliation": [
                {"name": _text(a), "affiliationIdentifier": a.get("affiliationIdentifier")}
                for a in c.iterfind(f"{NS}affiliation")
            ],
        }
        for c in _all(root, "d:creators/d:creator")
    ]
    publisher = root.find(f"{NS}publisher")
    if publisher is not None:
        out["publisher"] = {"name": _text(publisher)}
    for key in ("publicationYear", "version", "language"):
        el = root.find(f"{NS}{key}")
        if el is not None:
            out[key] = _text(el)
    out["subjects"] = [{"subject": _text(s), "valueUri": s.get("valueURI")} for s in _all(root, "d:subjects/d:subject")]
    out["dates"] = [{"date": _text(d), "dateType": d.get("dateType")} for d in _all(root, "d:dates/d:date")]
    out["descriptions"] = [
        {"description": _text(d), "descriptionType": d.get("descriptionType")}
        for d in _all(root, "d:descriptions/d:description")
    ]
    out["rightsList"] = [
        {
            "rights": _text(r),
            "rightsUri": r.get("rightsURI"),
            "rightsIdentifier": r.get("rightsIdentifier"),
            "rightsIdentifierScheme": r.get("rightsIdentifierScheme"),
        }
        for r in _all(root, "d:rightsList/d:rights")
    ]
    out["relatedIdentifiers"] = [
        {
            "relatedIdentifier": _text(r),
            "relatedIdentifierType": r.get("relatedIdentifierType"),
            "relationType": r.get("relationType"),
            "resourceTypeGeneral": r.get("resourceTypeGeneral"),
        }
        for r in _all(root, "d:relatedIdentifiers/d:relatedIdentifier")
    ]
    out["fundingReferences"] = [
        {
            "funderName": _text(f.find(f"{NS}funderName")),
            "funderIdentifier": _text(f.find(f"{NS}funderIdentifier")) or None,
            "awardUri": (
                f.find(f"{NS}awardNumber").get("awardURI") if f.find(f"{NS}awardNumber") is not None else None
            ),
        }
        for f in _all(root, "d:fundingReferences/d:fundingReference")
    ]
    out["sizes"] = [_text(s) for s in _all(root, "d:sizes/d:size")]
    out["formats"] = [_text(f) for f in _all(root, "d:formats/d:format")]
    identifier = root.find(f"{NS}identifier")
    if identifier is not None and (identifier.get("identifierType") or "").upper() == "DOI":
        out["doi"] = _text(identifier)
    return out
