"""DataCite 4.6 controlled lists, and the values that 4.6 added over the `datacite` package's 4.5."""

from __future__ import annotations

from bridge.artifact import checks

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"
KERNEL = "4.6"

# One copy of each list, the artefact checks' (taken from the kernel-4.6 include/*.xsd files).
RESOURCE_TYPE_GENERAL = list(checks.RESOURCE_TYPES_GENERAL)
RELATION_TYPE = list(checks.RELATION_TYPES)
CONTRIBUTOR_TYPE = list(checks.CONTRIBUTOR_TYPES)

# Values valid in kernel 4.6 that the package's 4.5 JSON schema rejects, per JSON key, with a 4.5 value
# of the same shape to stand in for them while validating (the XSD check is what really decides).
ONLY_46: dict[str, tuple[frozenset[str], str]] = {
    "resourceTypeGeneral": (frozenset({"Award", "Project"}), "Other"),
    "relatedIdentifierType": (frozenset({"CSTR", "RRID"}), "URL"),
    "relationType": (frozenset({"HasTranslation", "IsTranslationOf"}), "References"),
    "contributorType": (frozenset({"Translator"}), "Other"),
    "dateType": (frozenset({"Coverage"}), "Other"),
}


def canonical(value: str, allowed: list[str]) -> str | None:
    """Return the allowed spelling of value, matched case-insensitively, or None."""
    folded = value.strip().casefold()
    for item in allowed:
        if item.casefold() == folded:
            return item
    return None
