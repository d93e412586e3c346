"""Helpers of the tests on real files (fixtures/real/): an artefact folder around one real file, its mapping,
every rendering checked against the XSDs, and the identifier rule (no DOI of a source file is the deposit's).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from bridge.crosswalk import to_datacite_xml, to_dspace, to_oai_datacite, to_oai_dc
from bridge.errors import MetadataError, Problem
from bridge.settings import load_settings
from bridge.validate import Validated, validate_artifact

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
KERNEL = "datacite/kernel-4.6/metadata.xsd"
DATACITE_NS = "http://datacite.org/schema/kernel-4"
PREVIEW = "(:tba)"  # the identifier a record without a DOI gets in a preview rendering
WEIGHTS = b"\x00" * 64  # stands in for the data files; the tests are about the metadata
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def folder(tmp_path: Path, files: dict[str, str], publish: str | None = None) -> Path:
    """Return an artefact folder holding real files under the names the bridge reads ({name: real path})."""
    root = tmp_path / "artefact"
    root.mkdir()
    for name, real in files.items():
        shutil.copyfile(REAL / real, root / name)
    if publish is not None:
        (root / "publish.yaml").write_text(publish, encoding="utf-8")
    (root / "weights.bin").write_bytes(WEIGHTS)
    return root


def mapped(root: Path, kind: str | None = "model-weights") -> Validated:
    """Validate and map an artefact folder (kind as with --kind)."""
    return validate_artifact(root, load_settings(), kind=kind)


def problems(root: Path, kind: str | None = "model-weights") -> list[Problem]:
    """Return the problems validation reports (it must fail)."""
    try:
        mapped(root, kind)
    except MetadataError as exc:
        return exc.problems
    raise AssertionError(f"{root} validated although it should not")


def related(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Return (relatedIdentifier, relatedIdentifierType, relationType) of a record."""
    return [
        (r["relatedIdentifier"], r["relatedIdentifierType"], r["relationType"])
        for r in record.get("relatedIdentifiers", [])
    ]


def creators(record: dict[str, Any], key: str = "creators") -> list[tuple[str, str | None, list[str]]]:
    """Return (name, ORCID URL or None, affiliation names) of each creator (or contributor)."""
    out = []
    for c in record.get(key, []):
        ids = [n["nameIdentifier"] for n in c.get("nameIdentifiers", [])]
        out.append((c["name"], ids[0] if ids else None, [a["name"] for a in c.get("affiliation", [])]))
    return out


def licence(record: dict[str, Any]) -> list[dict[str, str]]:
    """Return the rightsList entries other than the access right."""
    return [r for r in record.get("rightsList", []) if not r.get("rightsUri", "").startswith("info:eu-repo")]


def warnings_of(validated: Validated) -> list[str]:
    """Return each warning ('file:line: field: message')."""
    return list(validated.warnings)


def check_renderings(
    validated: Validated, assert_valid: Callable[[bytes, str], etree._Element], source_dois: list[str]
) -> dict[str, Any]:
    """Render every format, validate the XML against the XSDs and check that no source DOI is the deposit's own.

    Returns the DSpace map. ``source_dois`` are the DOIs the real files carry (bare form).
    """
    record, mapping = validated.record, validated.mapping
    assert "doi" not in record, f"a source file's DOI became the deposit's DOI: {record.get('doi')}"
    xml = assert_valid(to_datacite_xml(record, preview=True), KERNEL)
    identifier = xml.find(f"{{{DATACITE_NS}}}identifier")
    assert identifier is not None and identifier.text == PREVIEW
    wrapped = assert_valid(to_oai_datacite(record, preview=True), "oai-datacite-1.1/oai.xsd")
    assert PREVIEW.encode() in etree.tostring(wrapped)
    dc = assert_valid(to_oai_dc(record, mapping), "oai/oai_dc.xsd")
    dc_identifiers = [e.text or "" for e in dc.iter("{http://purl.org/dc/elements/1.1/}identifier")]
    dspace = to_dspace(record, mapping)
    assert "dc.identifier.doi" not in dspace, dspace.get("dc.identifier.doi")
    dumped = json.dumps(dspace).lower()
    for doi in source_dois:
        assert not any(doi.lower() in i.lower() for i in dc_identifiers), (doi, dc_identifiers)
        # A source DOI is a relation: it appears as one, once.
        keys = [r for r in record.get("relatedIdentifiers", []) if r["relatedIdentifier"].lower() == doi.lower()]
        assert len(keys) == 1, (doi, record.get("relatedIdentifiers"))
        assert doi.lower() in dumped  # as dc.relation.* in DSpace
    identifiers = [r["relatedIdentifier"].lower() for r in record.get("relatedIdentifiers", [])]
    assert len(identifiers) == len(set(identifiers)), identifiers
    for description in record.get("descriptions", []):
        assert not HTML_TAG.search(description["description"]), description
    return dspace
