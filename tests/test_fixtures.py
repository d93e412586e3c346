"""The example artefacts under fixtures/ are what they claim to be, checked independently of bridge.artifact."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import importlib.util
import ipaddress
import json
import re
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from safetensors import SafetensorError, safe_open

from bridge.artifact.model import Metadata

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
PLANT = FIXTURES / "plant-classifier"
LOGS = FIXTURES / "monitoring-logs"
SATELLITE = FIXTURES / "satellite-products"
GOOD = (PLANT, LOGS, SATELLITE)


def _script(name: str) -> ModuleType:
    """Import a generator from scripts/ (not a package) by path."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path} has no YAML front matter"
    block, _, _ = text[4:].partition("\n---\n")
    return yaml.safe_load(block)


# --- identifiers, checked with our own arithmetic (not bridge.artifact.checks) ---------------


def _orcid_ok(orcid: str) -> bool:
    bare = orcid.removeprefix("https://orcid.org/").replace("-", "")
    if not re.fullmatch(r"\d{15}[\dX]", bare):
        return False
    total = 0
    for digit in bare[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    return bare[-1] == ("X" if check == 10 else str(check))


def _ror_ok(ror: str) -> bool:
    bare = ror.removeprefix("https://ror.org/")
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32
    if not re.fullmatch(r"0[0-9a-hjkmnp-tv-z]{6}\d{2}", bare):
        return False
    number = 0
    for char in bare[:7]:
        number = number * 32 + alphabet.index(char)
    return int(bare[7:]) == 98 - (number * 100) % 97


def test_identifier_arithmetic_rejects_near_misses() -> None:
    assert _orcid_ok("0000-0002-1825-0097") and not _orcid_ok("0000-0002-1825-0098")
    assert _orcid_ok("0000-0002-1694-233X")
    assert _ror_ok("https://ror.org/02gfc7t72") and not _ror_ok("https://ror.org/02gfc7t73")


def _identifiers(value: Any, key: str) -> list[str]:
    """Collect every value under ``key`` in a nested document."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and isinstance(v, str):
                found.append(v)
            found.extend(_identifiers(v, key))
    elif isinstance(value, list):
        for item in value:
            found.extend(_identifiers(item, key))
    return found


def test_every_orcid_and_ror_in_the_good_fixtures_has_a_valid_checksum() -> None:
    docs = [_yaml(PLANT / "publish.yaml"), _yaml(PLANT / "CITATION.cff"), _yaml(LOGS / "publish.yaml")]
    docs.append(json.loads((SATELLITE / ".zenodo.json").read_text(encoding="utf-8")))
    orcids = [o for d in docs for o in _identifiers(d, "orcid")]
    rors = [r for d in docs for r in _identifiers(d, "ror")]
    assert len(orcids) >= 8 and len(rors) >= 4
    assert [o for o in orcids if not _orcid_ok(o)] == []
    assert [r for r in rors if not _ror_ok(r)] == []


# --- publish.yaml files use the model's field names ------------------------------------------


@pytest.mark.parametrize("folder", GOOD, ids=lambda p: p.name)
def test_publish_yaml_keys_are_metadata_fields(folder: Path) -> None:
    data = _yaml(folder / "publish.yaml")
    assert set(data) <= set(Metadata.model_fields), set(data) - set(Metadata.model_fields)
    assert data["kind"] in ("model-weights", "anonymised-logs", "satellite-products")


@pytest.mark.parametrize("folder", (PLANT, LOGS), ids=lambda p: p.name)
def test_full_publish_yaml_validates_against_the_model(folder: Path) -> None:
    md = Metadata.model_validate(_yaml(folder / "publish.yaml"))
    assert len(md.creators) == 2
    assert md.license == "CC-BY-4.0"
    assert md.funding[0].award_number == "777435" and md.funding[0].program == "H2020"
    assert md.funding[0].funder_id == "https://doi.org/10.13039/501100000780"
    assert md.description and md.methods and md.language == "en"


# --- plant-classifier: a real safetensors model, a CFF file and a model card -----------------


def test_plant_weights_are_a_small_multi_tensor_safetensors_file() -> None:
    path = PLANT / "model.safetensors"
    assert path.stat().st_size < 200 * 1024
    with safe_open(str(path), framework="numpy") as weights:
        names = list(weights.keys())
        tensors = {name: weights.get_tensor(name) for name in names}
        metadata = weights.metadata()
    assert len(names) > 1
    assert sum(t.size for t in tensors.values()) == 1594
    assert {str(t.dtype) for t in tensors.values()} == {"float32"}
    assert tensors["features.0.weight"].shape == (8, 3, 3, 3)
    assert tensors["classifier.weight"].shape == (10, 16)
    assert metadata["format"] == "pt"


def test_plant_weights_are_reproducible_from_the_script(tmp_path: Path) -> None:
    make = _script("make_fixture_weights")
    make.write_model(tmp_path / "model.safetensors")
    assert (tmp_path / "model.safetensors").read_bytes() == (PLANT / "model.safetensors").read_bytes()
    for name, write in (
        ("safetensors-corrupt-header", make.write_corrupt_header),
        ("safetensors-truncated", make.write_truncated),
    ):
        write(tmp_path / name)
        assert (tmp_path / name).read_bytes() == (FIXTURES / "bad" / name / "model.safetensors").read_bytes()


def test_damaged_safetensors_fixtures_are_rejected_by_the_safetensors_package() -> None:
    for name, why in (("safetensors-corrupt-header", "invalid JSON"), ("safetensors-truncated", "not fully covered")):
        path = FIXTURES / "bad" / name / "model.safetensors"
        with pytest.raises(SafetensorError, match=why), safe_open(str(path), framework="numpy") as weights:
            for key in weights.keys():  # noqa: SIM118 - safe_open has keys(), not iteration
                weights.get_tensor(key)


def test_plant_citation_cff_describes_the_same_work() -> None:
    cff = _yaml(PLANT / "CITATION.cff")
    publish = _yaml(PLANT / "publish.yaml")
    assert cff["cff-version"] == "1.2.0"
    assert {"cff-version", "message", "title", "authors"} <= set(cff)
    assert cff["title"] == publish["title"]
    assert cff["license"] == publish["license"] and str(cff["version"]) == publish["version"]
    assert cff["date-released"] == publish["date_released"]
    assert [a["orcid"].removeprefix("https://orcid.org/") for a in cff["authors"]] == [
        c["orcid"].removeprefix("https://orcid.org/") for c in publish["creators"]
    ]
    assert all({"family-names", "given-names"} <= set(a) for a in cff["authors"])
    assert all({"type", "title", "authors"} <= set(r) for r in cff["references"])


def test_plant_model_card_has_hugging_face_front_matter() -> None:
    card = _front_matter(PLANT / "README.md")
    assert card["license"] == "cc-by-4.0"
    assert card["library_name"] and card["datasets"] == ["plantnet-300k"]
    assert "image-classification" in card["tags"]
    body = (PLANT / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert body.strip().startswith("# ")


# --- monitoring-logs: realistic, anonymised, gzip that decompresses --------------------------

SYSLOG_LINE = re.compile(r"^(Oct) ([ 123]\d) (\d{2}):(\d{2}):(\d{2}) n-[0-9a-f]{6} [\w/.-]+(\[\d+\])?: \S")


def _log_texts() -> dict[str, str]:
    """Return every data file of monitoring-logs as text (gzip decompressed)."""
    out = {}
    for path in sorted(LOGS.rglob("*")):
        if path.is_file() and path.name != "publish.yaml":
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            out[path.relative_to(LOGS).as_posix()] = data.decode("utf-8")
    return out


def test_syslog_files_are_rfc3164_lines_in_time_order() -> None:
    files = sorted((LOGS / "logs").glob("syslog-*.log"))
    assert len(files) >= 3
    total = 0
    for path in files:
        day = dt.date.fromisoformat(path.stem.removeprefix("syslog-"))
        previous = None
        for line in path.read_text(encoding="utf-8").splitlines():
            m = SYSLOG_LINE.match(line)
            assert m, f"{path.name}: not a syslog line: {line!r}"
            assert int(m.group(2)) == day.day
            moment = tuple(int(g) for g in m.group(3, 4, 5))
            assert previous is None or moment >= previous
            previous = moment
            total += 1
    assert 200 <= total <= 1000
    programs = " ".join(path.read_text(encoding="utf-8") for path in files)
    for program in (" CRON[", " sshd[", " kernel: ", " systemd[1]: "):
        assert program in programs


def test_app_log_is_gzip_compressed_json_lines() -> None:
    raw = (LOGS / "logs" / "app.jsonl.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    assert len(lines) >= 100
    records = [json.loads(line) for line in lines]
    assert all({"ts", "level", "event", "host", "user"} <= set(r) for r in records)
    stamps = [dt.datetime.fromisoformat(r["ts"]) for r in records]
    assert stamps == sorted(stamps)
    assert dt.date(2026, 10, 1) <= stamps[0].date() and stamps[-1].date() <= dt.date(2026, 10, 31)


def test_metrics_csv_has_a_header_and_numbers() -> None:
    with (LOGS / "metrics" / "node-metrics.csv").open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) >= 100
    assert {"timestamp", "host_hash", "cpu_pct", "mem_pct"} <= set(rows[0])
    for row in rows:
        assert re.fullmatch(r"n-[0-9a-f]{6}", row["host_hash"])
        assert 0 <= float(row["cpu_pct"]) <= 100 and 0 <= float(row["mem_pct"]) <= 100
        assert row["timestamp"].startswith("2026-10-")


def test_log_data_is_reproducible_from_the_script(tmp_path: Path) -> None:
    _script("make_fixture_logs").write_all(tmp_path)
    for rel, text in _log_texts().items():
        path = tmp_path / rel
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        assert data.decode("utf-8") == text, rel  # compare gzip content: zlib builds may differ in bytes


# An independent, deliberately simple privacy check: every address-like token must be a placeholder.
V4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
V6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MAC = re.compile(r"(?<![\w:])[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}(?![\w:])")
HOME = re.compile(r"/(?:home|Users)/([^/\s]+)")
DOC_V4 = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
DOC_V6 = ipaddress.ip_network("2001:db8::/32")


def personal_data(text: str) -> list[str]:
    """Return the address-like tokens in ``text`` that are not documentation placeholders."""
    found = [ip for ip in V4.findall(text) if not any(ipaddress.ip_address(ip) in n for n in DOC_V4)]
    for token in V6.findall(text):
        try:
            address = ipaddress.IPv6Address(token)
        except ValueError:
            continue  # a time of day such as 00:17:01, or a PCI address
        if address not in DOC_V6:
            found.append(token)
    found += [e for e in EMAIL.findall(text) if not e.lower().endswith(("@example.org", ".example.org"))]
    found += [m for m in MAC.findall(text) if not m.lower().startswith("00:00:5e:00:53:")]
    found += [u for u in HOME.findall(text) if u != "<user>"]
    return found


def test_the_independent_privacy_check_finds_what_the_bad_fixtures_plant() -> None:
    bad = FIXTURES / "bad"
    for folder, needle in (
        ("logs-ipv4", "10.20.30.40"),
        ("logs-ipv6", "fd12:3456:789a:1::21"),
        ("logs-email", "maria.lopez@lab-mail.eu"),
        ("logs-mac-and-home", "3c:52:82:1a:2b:3c"),
        ("logs-mac-and-home", "jdoe"),
    ):
        text = "".join(p.read_text(encoding="utf-8") for p in (bad / folder / "logs").glob("*.log"))
        assert needle in personal_data(text), folder


def test_monitoring_logs_hold_only_placeholders() -> None:
    texts = _log_texts()
    assert set(texts) >= {"logs/app.jsonl.gz", "metrics/node-metrics.csv"}
    for rel, text in texts.items():
        assert personal_data(text) == [], rel
    everything = "\n".join(texts.values())
    # The placeholders are really there, so the check above is not vacuous.
    assert V4.search(everything) and "2001:db8::" in everything and "@example.org" in everything
    assert "00:00:5e:00:53:" in everything and "/home/<user>/" in everything and "<IP>" in everything


def test_monitoring_logs_metadata_is_embargoed_and_collected_in_october() -> None:
    md = Metadata.model_validate(_yaml(LOGS / "publish.yaml"))
    assert md.kind == "anonymised-logs"
    assert md.access.status == "embargoed" and md.access.embargo_until == dt.date(2027, 4, 30)
    assert md.collected == "2026-10-01/2026-10-31"
    assert md.methods and "RFC 5737" in md.methods


# --- satellite-products: NetCDF classic plus .zenodo.json -------------------------------------


def _netcdf_header(data: bytes) -> dict[str, Any]:
    """Parse the dimensions and variables of a CDF-1 file (enough to check ours)."""
    assert data[:4] == b"CDF\x01"
    pos = 8

    def i32() -> int:
        nonlocal pos
        (value,) = struct.unpack_from(">i", data, pos)
        pos += 4
        return value

    def name() -> str:
        nonlocal pos
        length = i32()
        text = data[pos : pos + length].decode("utf-8")
        pos += length + (-length % 4)
        return text

    sizes = {1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8}

    def attributes() -> dict[str, Any]:
        nonlocal pos
        tag, count = i32(), i32()
        assert tag in (0, 0x0C)
        out: dict[str, Any] = {}
        for _ in range(count):
            key, nc_type, n = name(), i32(), i32()
            raw = data[pos : pos + n * sizes[nc_type]]
            pos += len(raw) + (-len(raw) % 4)
            out[key] = raw.decode() if nc_type == 2 else raw
        return out

    tag, count = i32(), i32()
    assert tag == 0x0A
    dims = [(name(), i32()) for _ in range(count)]
    global_attrs = attributes()
    tag, count = i32(), i32()
    assert tag == 0x0B
    variables = {}
    for _ in range(count):
        var = name()
        dim_ids = [i32() for _ in range(i32())]
        attrs = attributes()
        variables[var] = {"dims": dim_ids, "attrs": attrs, "type": i32(), "vsize": i32(), "begin": i32()}
    return {"dims": dims, "attrs": global_attrs, "vars": variables, "header_end": pos}


def test_satellite_product_is_a_consistent_netcdf_classic_file() -> None:
    data = (SATELLITE / "ndvi_20261015_T30TVP.nc").read_bytes()
    header = _netcdf_header(data)
    assert header["dims"] == [("lat", 4), ("lon", 5)]
    assert header["attrs"]["Conventions"] == "CF-1.8"
    ndvi = header["vars"]["ndvi"]
    assert ndvi["dims"] == [0, 1] and ndvi["type"] == 3 and ndvi["vsize"] == 40
    end = header["header_end"]
    for var in header["vars"].values():
        assert var["begin"] >= end and var["begin"] + var["vsize"] <= len(data)
        end = var["begin"] + var["vsize"]
    assert end == len(data)
    values = struct.unpack_from(">20h", data, ndvi["begin"])
    assert values.count(-9999) == 1 and all(-10000 <= v <= 10000 for v in values if v != -9999)
    assert data == _script("make_fixture_satellite").ndvi_tile()


def test_satellite_metadata_comes_from_zenodo_json_with_kind_from_publish_yaml() -> None:
    assert _yaml(SATELLITE / "publish.yaml") == {"kind": "satellite-products"}
    zenodo = json.loads((SATELLITE / ".zenodo.json").read_text(encoding="utf-8"))
    assert {"title", "creators", "license", "upload_type", "publication_date"} <= set(zenodo)
    assert all("name" in c for c in zenodo["creators"])


# --- the bad fixtures are well-formed test cases ---------------------------------------------


def test_every_bad_fixture_has_a_one_problem_expectation() -> None:
    folders = sorted(p for p in (FIXTURES / "bad").iterdir() if p.is_dir())
    assert len(folders) >= 18
    for folder in folders:
        lines = (folder / "expect.txt").read_text(encoding="utf-8").splitlines()
        assert lines and all(line.strip() == line and line for line in lines), folder.name
        assert sum(1 for p in folder.rglob("*") if p.is_file()) <= 6, folder.name
        assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) < 4096, folder.name


def test_fixtures_readme_lists_every_fixture() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    names = [p.name for p in GOOD] + [p.name for p in (FIXTURES / "bad").iterdir() if p.is_dir()]
    assert [n for n in names if f"{n}`" not in readme and f"{n}/`" not in readme] == []
