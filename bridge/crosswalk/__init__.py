"""Crosswalks: mappings/*.toml, the one DataCite record, and its renderings (DataCite, oai_dc, DSpace)."""

from __future__ import annotations

from bridge.crosswalk.datacite import resource_element, to_datacite_json, to_datacite_xml, to_oai_datacite
from bridge.crosswalk.dspace import to_dspace
from bridge.crosswalk.mapping import Mapping, known_kinds, list_mappings, load_mapping, parse_mapping
from bridge.crosswalk.oai_dc import oai_dc_element, to_oai_dc
from bridge.crosswalk.record import build_record, validate_record

__all__ = [
    "Mapping",
    "build_record",
    "known_kinds",
    "list_mappings",
    "load_mapping",
    "oai_dc_element",
    "parse_mapping",
    "resource_element",
    "to_datacite_json",
    "to_datacite_xml",
    "to_dspace",
    "to_oai_datacite",
    "to_oai_dc",
    "validate_record",
]
