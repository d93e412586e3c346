"""Bundled lists the indicators compare with, so `bridge fair` needs no network to judge a value.

Dated, with their source: F-UJI (pangaea-data-publisher/fuji 3215372, 2026-04) ``data/file_formats.yaml`` —
only the media types a research output of this project might carry; FAIR EVA's Digital.CSIC plugin
(fair-eva-plugin-digitalcsic df42056) accepted extensions; COAR access rights 1.0 and info:eu-repo semantics;
the IANA top-level types (RFC 6838 §4.2, 2026-04). Licences are recognised from the SPDX list the bridge
already vendors (``bridge.artifact.checks``) and the licensors' own URLs.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bridge.artifact import checks

# F-UJI file_formats.yaml (3215372): a subset; note it lists neither text/csv nor JSON, gzip or zip (fuji#550).
FUJI_MEDIA_TYPES = frozenset(
    {
        "application/x-hdf5",
        "application/x-hdf",
        "application/x-netcdf",
        "application/netcdf",
        "application/x-cdf",
        "application/pdf",
        "image/png",
        "image/tiff",
        "image/jpeg",
        "image/geotiff",
        "image/gif",
        "image/svg+xml",
        "image/webp",
        "application/x-ipynb+json",
        "text/x-python",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/fits",
        "image/fits",
        "application/x-grib",
        "application/geo+json",
        "application/x-root",
        "application/x-matlab-data",
        "application/x-stata",
        "application/x-spss-sav",
        "application/sbml+xml",
        "application/dicom",
        "text/x-r-source",
        "application/vnd.ms-excel",
        "application/mathml+xml",
        "audio/wav",
        "video/mp4",
    }
)
# FAIR EVA Digital.CSIC plugin config: accepted file extensions (ML and log formats are absent).
EVA_EXTENSIONS = (".txt", ".pdf", ".csv", ".nc", ".doc", ".xls", ".zip", ".rar", ".tar", ".png", ".jpg")
# Formats the communities this bridge serves use for weights, logs and tables (the bridge's own list).
COMMUNITY_FORMATS = {
    "safetensors": "safetensors (Hugging Face)",
    "onnx": "ONNX",
    "gguf": "GGUF (llama.cpp)",
    "hdf5": "HDF5",
    "npy": "NumPy .npy",
    "pytorch": "PyTorch checkpoint",
    "csv": "CSV (RFC 4180)",
    "tsv": "TSV",
    "jsonl": "JSON Lines",
    "json": "JSON (RFC 8259)",
    "parquet": "Apache Parquet",
    "netcdf": "NetCDF",
    "log": "plain-text log (RFC 3164/5424 syslog)",
    "gzip": "gzip (RFC 1952)",
    "zip": "ZIP",
    "markdown": "Markdown",
    "text": "plain text",
    "pdf": "PDF",
}
COMMUNITY_EXTENSIONS = {
    ".safetensors": "safetensors",
    ".onnx": "onnx",
    ".gguf": "gguf",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    ".npy": "npy",
    ".pt": "pytorch",
    ".pth": "pytorch",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".nc": "netcdf",
    ".log": "log",
    ".gz": "gzip",
    ".zip": "zip",
    ".md": "markdown",
    ".txt": "text",
    ".pdf": "pdf",
}
IANA_TOP_LEVEL = frozenset(
    {"application", "audio", "example", "font", "haptics", "image", "message", "model", "multipart", "text", "video"}
)
ACCESS_TERMS = ("openAccess", "embargoedAccess", "restrictedAccess", "closedAccess", "metadataOnlyAccess")
EU_REPO_ACCESS = "info:eu-repo/semantics/"
COAR_ACCESS = {
    "http://purl.org/coar/access_right/c_abf2": "openAccess",
    "http://purl.org/coar/access_right/c_f1cf": "embargoedAccess",
    "http://purl.org/coar/access_right/c_16ec": "restrictedAccess",
    "http://purl.org/coar/access_right/c_14cb": "metadataOnlyAccess",
}
# Vocabularies FAIR EVA's utils.check_controlled_vocabulary and F-UJI's linked_vocab recognise, by URI host.
VOCABULARY_HOSTS = {
    "id.loc.gov": "Library of Congress",
    "orcid.org": "ORCID",
    "www.geonames.org": "GeoNames",
    "sws.geonames.org": "GeoNames",
    "geonames.org": "GeoNames",
    "vocab.getty.edu": "Getty",
    "purl.org": "COAR / DCMI (purl.org)",
    "vocabularies.coar-repositories.org": "COAR",
    "www.wikidata.org": "Wikidata",
    "ror.org": "ROR",
    "vocabularies.unesco.org": "UNESCO Thesaurus",
    "aims.fao.org": "AGROVOC",
    "www.oecd.org": "OECD Fields of Science",
    "spdx.org": "SPDX",
    "creativecommons.org": "Creative Commons",
    "doi.org": "DOI (Crossref Funder Registry)",
}
GRANT_AGREEMENT = "info:eu-repo/grantAgreement/"
# Data resource types (DataCite resourceTypeGeneral) a relation can point at as "other data".
DATA_TYPES = frozenset({"Dataset", "Model", "Software", "Image", "Collection", "Workflow", "ComputationalNotebook"})
_CC = re.compile(r"^creativecommons\.org/(?:licenses/(by(?:-nc)?(?:-sa|-nd)?)/(\d\.\d)|publicdomain/(zero)/1\.0)")
_ODC = re.compile(r"^opendatacommons\.org/licenses/(odbl|by|pddl)/1-0")
_ODC_IDS = {"odbl": "ODbL-1.0", "by": "ODC-By-1.0", "pddl": "PDDL-1.0"}
_SPDX = re.compile(r"^spdx\.org/licenses/([A-Za-z0-9.+-]+?)(?:\.html|\.json)?$")


def access_term(value: str) -> str | None:
    """Return the access right a value states (openAccess, …) in info:eu-repo, COAR or bare form, else None."""
    text = value.strip()
    if text in COAR_ACCESS:
        return COAR_ACCESS[text]
    bare = text.removeprefix(EU_REPO_ACCESS)
    return bare if bare in ACCESS_TERMS else None


def licence_of_url(url: str) -> str | None:
    """Return the SPDX id of a licence URL (SPDX page, or the licensor's Creative Commons / ODC URL), else None.

    Accepts http or https, with or without ``www.``, a trailing slash, ``legalcode`` or a ``deed.xx`` page
    (F-UJI needs ``/legalcode`` for CC, fuji#96, #282; FAIR EVA tries both).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return None
    path = (parts.netloc.lower().removeprefix("www.") + parts.path).rstrip("/")
    path = re.sub(r"/(?:legalcode(?:\.[a-z-]+)?|deed\.[a-z-]+)$", "", path)
    if match := _CC.match(path):
        if match.group(3):
            return "CC0-1.0"
        return f"CC-{match.group(1).upper()}-{match.group(2)}"
    if match := _ODC.match(path):
        return _ODC_IDS[match.group(1)]
    if match := _SPDX.match(path):
        try:
            return checks.check_spdx(match.group(1))
        except ValueError:
            return None
    return None


def vocabulary_of(uri: str) -> str | None:
    """Return the name of the vocabulary a URI belongs to (by host), else None."""
    parts = urlsplit(uri.strip())
    if parts.scheme not in ("http", "https"):
        return None
    return VOCABULARY_HOSTS.get(parts.netloc.lower())


def iana_problem(media_type: str | None) -> str | None:
    """Say why a media type is not a registered IANA type (missing, bad syntax, unknown top level, x- subtype)."""
    if not media_type:
        return "no media type"
    kind = media_type.split(";")[0].strip().lower()
    top, slash, sub = kind.partition("/")
    if not slash or not sub:
        return f"{kind!r} is not a media type"
    if top not in IANA_TOP_LEVEL:
        return f"{kind}: {top!r} is not an IANA top-level type"
    if sub.startswith(("x-", "x.")):
        return f"{kind}: an unregistered x- subtype"
    return None


def format_of(name: str, declared: str | None = None) -> str | None:
    """Return the bridge's short format name of a file from its detected format or its extension."""
    if declared:
        return declared
    lower = name.lower()
    if lower.endswith(".gz"):
        inner = COMMUNITY_EXTENSIONS.get("." + lower[:-3].rsplit(".", 1)[-1]) if "." in lower[:-3] else None
        return inner or "gzip"
    suffix = "." + lower.rsplit(".", 1)[-1] if "." in lower else ""
    return COMMUNITY_EXTENSIONS.get(suffix)
