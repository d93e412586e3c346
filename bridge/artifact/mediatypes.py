"""Media type and format of a file, from its first bytes first and its name second.

Detection is table-driven: ``SIGNATURES`` lists content rules (magic bytes) in the order they are
tried, ``NAME_RULES`` the file-name rules used when no content rule matches. Containers are then
refined (a zip holding ``data.pkl`` is a PyTorch checkpoint, an HDF5 file named ``.nc`` is
NetCDF-4). The headers of safetensors and NumPy files are parsed here too, from the bytes the one
streaming pass in ``bridge.artifact.files`` has kept, to count tensors and parameters.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeGuard

OCTET_STREAM = "application/octet-stream"
SAFETENSORS_MAX_HEADER = 100_000_000  # the reference implementation refuses larger headers too
NPY_MAX_HEADER = 65_536  # numpy itself refuses more than 10 000 bytes unless told otherwise
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_NPY_MAGIC = b"\x93NUMPY"
_TEXT_SAMPLE = 8192


@dataclass(frozen=True)
class Detected:
    """What a file is: its IANA-style media type and the bridge's short format name."""

    media_type: str
    format: str | None = None


@dataclass(frozen=True)
class Signature:
    """A content rule: ``test(head, size)`` on the first bytes, optionally only for some suffixes."""

    test: Callable[[bytes, int], bool]
    detected: Detected
    suffixes: tuple[str, ...] = ()  # empty: any name; else the rule only applies to these names


def _at(magic: bytes, offset: int = 0) -> Callable[[bytes, int], bool]:
    return lambda head, size: head[offset : offset + len(magic)] == magic


def _any_of(*magics: bytes) -> Callable[[bytes, int], bool]:
    return lambda head, size: head.startswith(magics)


def _hdf5(head: bytes, size: int) -> bool:
    # The superblock sits at 0, or after a user block of 512, 1024, 2048, … bytes.
    offset = 0
    while offset + 8 <= len(head):
        if head[offset : offset + 8] == _HDF5_MAGIC:
            return True
        offset = 512 if offset == 0 else offset * 2
    return False


def _safetensors(head: bytes, size: int) -> bool:
    # No magic: a u64 little-endian header length that fits in the file, then a JSON object.
    if len(head) < 10:
        return False
    length = int.from_bytes(head[:8], "little")
    return 2 <= length <= size - 8 and head[8:9] == b"{"


def _pickle(head: bytes, size: int) -> bool:
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5


_HDF5 = Detected("application/x-hdf5", "hdf5")
_ZIP = Detected("application/zip", "zip")
_NETCDF = Detected("application/x-netcdf", "netcdf")
_PYTORCH = Detected(OCTET_STREAM, "pytorch")
_TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")

SIGNATURES: tuple[Signature, ...] = (
    Signature(_hdf5, _HDF5),
    Signature(_any_of(b"CDF\x01", b"CDF\x02", b"CDF\x05"), _NETCDF),
    Signature(_at(_NPY_MAGIC), Detected("application/x-npy", "npy")),
    Signature(_at(b"\x1f\x8b"), Detected("application/gzip", "gzip")),
    Signature(_at(b"BZh"), Detected("application/x-bzip2", "bzip2")),
    Signature(_at(b"\xfd7zXZ\x00"), Detected("application/x-xz", "xz")),
    Signature(_any_of(b"PK\x03\x04", b"PK\x05\x06"), _ZIP),
    Signature(_at(b"ustar", 257), Detected("application/x-tar", "tar")),
    Signature(_safetensors, Detected(OCTET_STREAM, "safetensors")),
    Signature(_pickle, _PYTORCH, _TORCH_SUFFIXES),
    Signature(_pickle, Detected(OCTET_STREAM, "pickle"), (".pkl", ".pickle")),
)

_LOG = Detected("text/plain", "log")
# (regular expression on the lower-cased file name, what it is); the first match wins.
NAME_RULES: tuple[tuple[re.Pattern[str], Detected], ...] = tuple(
    (re.compile(pattern), detected)
    for pattern, detected in (
        (r"\.(h5|hdf5|hdf|he5)$", _HDF5),
        (r"\.keras$", Detected("application/zip", "keras")),
        (r"\.onnx$", Detected("application/onnx", "onnx")),
        (r"\.safetensors$", Detected(OCTET_STREAM, "safetensors")),
        (r"\.(pt|pth)$", _PYTORCH),
        (r"\.npy$", Detected("application/x-npy", "npy")),
        (r"\.npz$", Detected("application/zip", "npz")),
        (r"\.(nc|nc4|cdf)$", _NETCDF),
        (r"\.csv$", Detected("text/csv", "csv")),
        (r"\.tsv$", Detected("text/tab-separated-values", "tsv")),
        (r"\.(jsonl|ndjson)$", Detected("application/x-ndjson", "jsonl")),
        (r"\.json$", Detected("application/json", "json")),
        (r"\.(ya?ml)$", Detected("application/yaml", "yaml")),
        (r"\.(md|markdown)$", Detected("text/markdown", "markdown")),
        (r"\.xml$", Detected("application/xml", "xml")),
        (r"\.(gz|tgz)$", Detected("application/gzip", "gzip")),
        (r"\.zip$", _ZIP),
        (r"\.tar$", Detected("application/x-tar", "tar")),
        # Plain and rotated logs: app.log, app.log.1, syslog, syslog.2, messages, notes.txt.
        (r"(\.log|\.txt|\.out|\.err)(\.\d+)?$", _LOG),
        (r"^(syslog|messages|kern\.log|auth\.log)(\.\d+)?$", _LOG),
    )
)


def detect(name: str, head: bytes, size: int, *, tail: bytes = b"") -> Detected:
    """Return the media type and format of a file from its first bytes, its name and size."""
    lower = name.rsplit("/", 1)[-1].lower()
    for signature in SIGNATURES:
        if signature.suffixes and not lower.endswith(signature.suffixes):
            continue
        if signature.test(head, size):
            return _refine(signature.detected, lower, head, size, tail)
    for pattern, detected in NAME_RULES:
        if pattern.search(lower):
            return detected
    if size and looks_like_text(head[:_TEXT_SAMPLE]):
        return Detected("text/plain")
    return Detected(OCTET_STREAM)


def _refine(found: Detected, lower: str, head: bytes, size: int, tail: bytes) -> Detected:
    """Tell apart the formats that share a container (HDF5, zip)."""
    if found is _HDF5 and lower.endswith((".nc", ".nc4")):
        return _NETCDF  # NetCDF-4 is HDF5 inside
    if found is _ZIP:
        names = zip_names(head, size, tail) or []
        if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
            return _PYTORCH  # torch.save's zip format: <archive>/data.pkl plus tensor storages
        if lower.endswith(".keras") or {"metadata.json", "config.json"} <= set(names):
            return Detected("application/zip", "keras")  # Keras 3 .keras archive
        if lower.endswith(".npz") or (names and all(n.endswith(".npy") for n in names)):
            return Detected("application/zip", "npz")
    return found


def looks_like_text(sample: bytes) -> bool:
    """Return True when a sample of bytes reads as text (UTF-16 with a BOM, or no NULs and few controls)."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if not sample or b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\n\r\f\b\x1b")
    return controls * 100 <= len(sample)


def zip_names(head: bytes, size: int, tail: bytes) -> list[str] | None:
    """Return the member names of a zip from its central directory in ``tail``, else the first local header."""
    names = central_directory(size, tail)
    if names is not None:
        return names
    if head[:4] == b"PK\x03\x04" and len(head) >= 30:
        length = int.from_bytes(head[26:28], "little")
        if len(head) >= 30 + length:
            return [head[30 : 30 + length].decode("utf-8", "replace")]
    return None


def central_directory(size: int, tail: bytes) -> list[str] | None:
    """Return the member names listed in a zip's central directory, if ``tail`` holds all of it."""
    end = tail.rfind(b"PK\x05\x06", max(0, len(tail) - 65_557))
    if end < 0 or len(tail) < end + 22:
        return None
    count = int.from_bytes(tail[end + 10 : end + 12], "little")
    start = int.from_bytes(tail[end + 16 : end + 20], "little")
    if (count == 0xFFFF or start == 0xFFFFFFFF) and end >= 20 and tail[end - 20 : end - 16] == b"PK\x06\x07":
        # Zip64: the locator points at the zip64 end record, which holds the real count and offset.
        record = int.from_bytes(tail[end - 12 : end - 4], "little") - (size - len(tail))
        if record < 0 or tail[record : record + 4] != b"PK\x06\x06":
            return None
        count = int.from_bytes(tail[record + 32 : record + 40], "little")
        start = int.from_bytes(tail[record + 48 : record + 56], "little")
    pos = start - (size - len(tail))
    if pos < 0:
        return None  # the directory begins before the bytes we kept
    names: list[str] = []
    for _ in range(count):
        if tail[pos : pos + 4] != b"PK\x01\x02" or len(tail) < pos + 46:
            return None
        name_len, extra_len, comment_len = (int.from_bytes(tail[pos + i : pos + i + 2], "little") for i in (28, 30, 32))
        names.append(tail[pos + 46 : pos + 46 + name_len].decode("utf-8", "replace"))
        pos += 46 + name_len + extra_len + comment_len
    return names


def header_extent(head: bytes, size: int) -> int:
    """Return how many leading bytes the header of a safetensors or npy file spans (0 if neither)."""
    if head.startswith(_NPY_MAGIC) and len(head) >= 12:
        if head[6] == 1:
            return 10 + min(int.from_bytes(head[8:10], "little"), NPY_MAX_HEADER)
        return 12 + min(int.from_bytes(head[8:12], "little"), NPY_MAX_HEADER)
    if _safetensors(head, size):
        return 8 + min(int.from_bytes(head[:8], "little"), SAFETENSORS_MAX_HEADER)
    return 0


def safetensors_stats(head: bytes, size: int) -> tuple[int, int]:
    """Return (tensors, parameters) from a safetensors header; raise ValueError saying what is wrong."""
    if size < 8 or len(head) < 8:
        raise ValueError("the file is shorter than the 8-byte header length")
    length = int.from_bytes(head[:8], "little")
    if length > SAFETENSORS_MAX_HEADER:
        raise ValueError(f"the header length {length} is larger than {SAFETENSORS_MAX_HEADER} bytes")
    if length > size - 8:
        raise ValueError(f"the header length {length} is larger than the file ({size} bytes)")
    if len(head) < 8 + length:
        raise ValueError("the header was not read completely")
    try:
        header = json.loads(head[8 : 8 + length])
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"the header is not JSON ({exc})") from None
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    data_size = size - 8 - length
    tensors = parameters = 0
    for name, tensor in header.items():
        if name == "__metadata__":
            continue
        shape = tensor.get("shape") if isinstance(tensor, dict) else None
        offsets = tensor.get("data_offsets") if isinstance(tensor, dict) else None
        if not _dims(shape) or not isinstance(tensor.get("dtype"), str):
            raise ValueError(f"tensor {name!r} has no valid dtype and shape")
        if not (_dims(offsets) and len(offsets) == 2 and offsets[0] <= offsets[1] <= data_size):
            raise ValueError(f"tensor {name!r} has data_offsets outside the file (truncated?)")
        tensors += 1
        parameters += math.prod(shape)
    return tensors, parameters


def npy_stats(head: bytes) -> tuple[int, int]:
    """Return (1, parameters) from a NumPy .npy header; raise ValueError saying what is wrong."""
    if not head.startswith(_NPY_MAGIC) or len(head) < 10:
        raise ValueError("the magic string \\x93NUMPY is missing")
    major = head[6]
    if major not in (1, 2, 3):
        raise ValueError(f"format version {major}.{head[7]} is not supported")
    start = 10 if major == 1 else 12
    length = int.from_bytes(head[8:start], "little")
    if length > NPY_MAX_HEADER:
        raise ValueError(f"the header length {length} is larger than {NPY_MAX_HEADER} bytes")
    if len(head) < start + length:
        raise ValueError("the file ends inside its header")
    text = head[start : start + length].decode("utf-8" if major == 3 else "latin-1", "replace")
    try:
        header = ast.literal_eval(text)  # a Python literal by the format's definition; never eval()
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError("the header is not a Python dict literal") from None
    if not isinstance(header, dict) or not {"descr", "fortran_order", "shape"} <= header.keys():
        raise ValueError("the header lacks descr, fortran_order or shape")
    shape = header["shape"]
    if not isinstance(shape, tuple) or not _dims(list(shape)):
        raise ValueError(f"the shape {shape!r} is not a tuple of non-negative integers")
    return 1, math.prod(shape)


def _dims(value: object) -> TypeGuard[list[int]]:
    """Return True for a list of non-negative integers (booleans excluded)."""
    return isinstance(value, list) and all(type(d) is int and d >= 0 for d in value)
