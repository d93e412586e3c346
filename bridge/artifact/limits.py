"""The bounds on what an artefact's metadata may hold, in one place (listed in the README's "Security and limits").

Sizes are in characters unless named ``_BYTES``. They sit close to what the repositories accept:
DataCite sets no length on its fields, but DSpace indexes title, subjects and names as single Solr
terms, which Lucene caps at 32,766 UTF-8 bytes (up to 4 bytes a character), and its OAI-PMH index
leaves out values over 10,000 characters; a description longer than a few dozen pages is a document
to deposit as a file, not metadata. The parser bounds keep a hostile file from exhausting memory or
the stack before any of this is checked.
"""

from __future__ import annotations

# --- metadata files ---------------------------------------------------------------------------
METADATA_FILE_BYTES = 4 * 1024 * 1024  # a metadata file (publish.yaml, CITATION.cff, README.md, …) is read whole
YAML_ALIASES = 1_000  # alias uses (*name) in one YAML document; real CITATION.cff files use a handful
YAML_NODES = 250_000  # values in a document once every alias is expanded: stops "billion laughs"
NESTING_DEPTH = 64  # lists/mappings inside each other, YAML and JSON; the deepest real schema needs 6

# --- fields -----------------------------------------------------------------------------------
TITLE_CHARS = 2_000  # one Solr term in DSpace: 2,000 characters stay under 32,766 bytes in any script
LONG_TEXT_CHARS = 50_000  # description, methods, technical_info, privacy_exception.reason: each
KEYWORD_CHARS = 250  # one keyword (a DSpace dc.subject facet value)
KEYWORDS = 1_000  # keywords per artefact, after merging every file
SHORT_TEXT_CHARS = 2_000  # every other text: names, affiliations, identifiers, URLs, funders, …
LIST_ITEMS = 10_000  # creators, contributors, related identifiers, funding, subjects, files globs

LONG_TEXT_FIELDS = ("description", "methods", "technical_info", "privacy_exception.reason")


def max_chars(path: str) -> int:
    """Return the length limit of the text at a dotted Metadata path (list indexes included)."""
    if path == "title":
        return TITLE_CHARS
    if path in LONG_TEXT_FIELDS:
        return LONG_TEXT_CHARS
    if path.startswith("keywords."):
        return KEYWORD_CHARS
    return SHORT_TEXT_CHARS


def max_items(path: str) -> int:
    """Return the item limit of the list at a dotted Metadata path."""
    return KEYWORDS if path == "keywords" else LIST_ITEMS
