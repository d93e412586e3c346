"""Write the NetCDF classic product of the example satellite-products artefact.

Run from the repository root: ``python scripts/make_fixture_satellite.py``. The netCDF library is
not needed: the classic format (CDF-1, "CDF\\x01") is a short big-endian header followed by the
variables' data, written here directly from its specification. The values are synthetic and fixed.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "satellite-products" / "ndvi_20261015_T30TVP.nc"

NC_CHAR, NC_SHORT, NC_INT, NC_FLOAT, NC_DOUBLE = 2, 3, 4, 5, 6
_FORMATS = {NC_CHAR: "c", NC_SHORT: "h", NC_INT: "i", NC_FLOAT: "f", NC_DOUBLE: "d"}
_SIZES = {NC_CHAR: 1, NC_SHORT: 2, NC_INT: 4, NC_FLOAT: 4, NC_DOUBLE: 8}
NC_DIMENSION, NC_VARIABLE, NC_ATTRIBUTE = 0x0A, 0x0B, 0x0C
FILL = -9999

Attribute = tuple[str, int, object]  # name, nc_type, value (str for NC_CHAR, else a list of numbers)


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def _name(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack(">i", len(raw)) + _pad(raw)


def _values(nc_type: int, value: object) -> tuple[int, bytes]:
    """Return (number of elements, padded big-endian bytes) of an attribute or variable value."""
    if nc_type == NC_CHAR:
        raw = str(value).encode("utf-8")
        return len(raw), _pad(raw)
    items = list(value)
    return len(items), _pad(struct.pack(f">{len(items)}{_FORMATS[nc_type]}", *items))


def _attributes(attrs: list[Attribute]) -> bytes:
    if not attrs:
        return bytes(8)  # ABSENT: ZERO ZERO
    out = struct.pack(">ii", NC_ATTRIBUTE, len(attrs))
    for name, nc_type, value in attrs:
        count, data = _values(nc_type, value)
        out += _name(name) + struct.pack(">ii", nc_type, count) + data
    return out


def netcdf_classic(
    dims: list[tuple[str, int]],
    global_attrs: list[Attribute],
    variables: list[tuple[str, list[int], list[Attribute], int, list[float]]],
) -> bytes:
    """Return a CDF-1 file with fixed-size dimensions only; variables are (name, dim ids, attrs, type, data)."""
    head = b"CDF\x01" + struct.pack(">i", 0)  # numrecs: no record dimension
    head += struct.pack(">ii", NC_DIMENSION, len(dims))
    head += b"".join(_name(n) + struct.pack(">i", size) for n, size in dims)
    head += _attributes(global_attrs)

    def var_header(begin_offsets: list[int]) -> bytes:
        out = struct.pack(">ii", NC_VARIABLE, len(variables))
        for (name, dim_ids, attrs, nc_type, data), begin in zip(variables, begin_offsets, strict=True):
            vsize = len(_values(nc_type, data)[1])
            out += _name(name) + struct.pack(">i", len(dim_ids)) + b"".join(struct.pack(">i", d) for d in dim_ids)
            out += _attributes(attrs) + struct.pack(">iii", nc_type, vsize, begin)
        return out

    # The header's length does not depend on the offsets' values, so measure it with zeros first.
    start = len(head) + len(var_header([0] * len(variables)))
    offsets, body = [], b""
    for *_, nc_type, data in variables:
        offsets.append(start + len(body))
        body += _values(nc_type, data)[1]
    return head + var_header(offsets) + body


def ndvi_tile() -> bytes:
    """Return a 4 x 5 NDVI tile near Santander (Sentinel-2 tile T30TVP), scaled to int16."""
    lats = [43.46, 43.45, 43.44, 43.43]
    lons = [-3.84, -3.83, -3.82, -3.81, -3.80]
    ndvi: list[float] = []
    for i in range(len(lats)):
        for j in range(len(lons)):
            value = 0.35 + 0.3 * math.sin(i + 0.7 * j)  # a smooth synthetic field
            ndvi.append(FILL if (i, j) == (0, 4) else round(value * 10000))  # one cloud-masked pixel
    return netcdf_classic(
        dims=[("lat", len(lats)), ("lon", len(lons))],
        global_attrs=[
            ("Conventions", NC_CHAR, "CF-1.8"),
            ("title", NC_CHAR, "NDVI, Sentinel-2 tile T30TVP, 2026-10-15 (synthetic example)"),
            ("institution", NC_CHAR, "Consejo Superior de Investigaciones Cientificas (CSIC)"),
            ("source", NC_CHAR, "Sentinel-2 MSI Level-2A surface reflectance, bands B04 and B08"),
            ("time_coverage_start", NC_CHAR, "2026-10-15T11:03:21Z"),
            ("time_coverage_end", NC_CHAR, "2026-10-15T11:03:21Z"),
        ],
        variables=[
            (
                "lat",
                [0],
                [("standard_name", NC_CHAR, "latitude"), ("units", NC_CHAR, "degrees_north")],
                NC_DOUBLE,
                lats,
            ),
            (
                "lon",
                [1],
                [("standard_name", NC_CHAR, "longitude"), ("units", NC_CHAR, "degrees_east")],
                NC_DOUBLE,
                lons,
            ),
            (
                "ndvi",
                [0, 1],
                [
                    ("long_name", NC_CHAR, "normalised difference vegetation index"),
                    ("units", NC_CHAR, "1"),
                    ("scale_factor", NC_FLOAT, [0.0001]),
                    ("_FillValue", NC_SHORT, [FILL]),
                    ("valid_range", NC_SHORT, [-10000, 10000]),
                ],
                NC_SHORT,
                ndvi,
            ),
        ],
    )


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(ndvi_tile())


if __name__ == "__main__":
    main()
