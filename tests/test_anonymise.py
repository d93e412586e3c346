"""`bridge anonymise`: every evasion fixed so the gate passes, consistent prefix-preserving pseudonyms, layers kept."""

from __future__ import annotations

import gzip
import ipaddress
import json
import os
import re
import stat
import tarfile
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pytest
import yaml
from privacy_cases import EVASIONS, Case, log, tar, zipped, zst
from typer.testing import CliRunner

from bridge.artifact import load_artifact
from bridge.cli import app
from bridge.errors import MetadataError
from bridge.privacy.anonymise import anonymise
from bridge.privacy.gate import REPORT_NAME, check_artifact
from bridge.privacy.pseudonyms import Pseudonymiser


def _anonymise(tmp_path: Path, case: Case, key: Path | None = None) -> Path:
    src = case.write(tmp_path / "src" / case.name)
    dest = tmp_path / "out" / case.name
    anonymise(src, dest, key or tmp_path / "keys" / "k.key")
    return dest


@pytest.mark.parametrize("case", EVASIONS, ids=lambda c: c.name)
def test_every_evasion_passes_the_gate_after_anonymise(case: Case, tmp_path: Path) -> None:
    dest = _anonymise(tmp_path, case)
    result = CliRunner().invoke(app, ["validate", str(dest), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads((dest / REPORT_NAME).read_text())
    assert sum(report["counts"].values()) >= 1  # something was replaced, not merely dropped
    for secret in ("10.20.30.40", "jdoe", "mgarcia", "3c52.82aa", "3c5282aabbcc", "40.30.20.10"):
        for path in dest.rglob("*"):
            if path.is_file() and path.suffix not in (".gz", ".bz2", ".xz", ".zst", ".zip", ".tar"):
                text = path.read_bytes().replace(b"\x00", b"").decode("utf-8", "ignore")
                assert secret not in text, (path, secret)
            assert secret not in path.name


def test_same_address_same_pseudonym_and_subnets_kept(tmp_path: Path) -> None:
    files = {
        "a.log": log("peer 10.20.30.40", "peer 10.20.30.41", "v6 2a00:1450:4003:80e::200e"),
        "b/c.log.gz": gzip.compress(log("again 10.20.30.40", "v6 2a00:1450:4003:80e::1")),
        "d.zip": zipped({"e.log": log("zipped 10.20.30.40")}),
    }
    dest = _anonymise(tmp_path, Case("consistent", files, ""))
    a = (dest / "a.log").read_text()
    c = gzip.decompress((dest / "b/c.log.gz").read_bytes()).decode()
    e = zipfile.ZipFile(dest / "d.zip").read("e.log").decode()
    [x40, x41] = re.findall(r"peer (\S+)", a)
    [again] = re.findall(r"again (\S+)", c)
    [zip_again] = re.findall(r"zipped (\S+)", e)
    assert x40 == again == zip_again != "10.20.30.40"
    net = ipaddress.ip_network(f"{x40}/24", strict=False)
    assert ipaddress.ip_address(x41) in net and x41 != x40  # one /24 before, one /24 after
    [v6a] = re.findall(r"v6 (\S+)", a)
    [v6c] = re.findall(r"v6 (\S+)", c)
    assert ipaddress.ip_address(v6c) in ipaddress.ip_network(f"{v6a}/64", strict=False) and v6a != v6c


def test_pseudonyms_depend_on_the_key_and_keep_the_notation() -> None:
    one, two = Pseudonymiser(b"\x01" * 32), Pseudonymiser(b"\x02" * 32)
    assert one.address("10.20.30.40") == Pseudonymiser(b"\x01" * 32).address("10.20.30.40")
    assert one.address("10.20.30.40") != two.address("10.20.30.40")
    assert re.fullmatch(r"anon-[0-9a-f]{10}", one.token("user", "jdoe"))
    assert one.token("user", "jdoe") != two.token("user", "jdoe")
    mac = one.mac("3c:52:82:aa:bb:cc")
    assert int(mac[:2], 16) & 0b11 == 0b10  # locally administered, unicast


def test_layers_and_encodings_are_kept(tmp_path: Path) -> None:
    files = {
        "t.tar.gz": tar({"in/app.log": log("peer 10.20.30.40")}, "w:gz"),
        "z.zip": zipped({"10.20.30.40/app.log": log("mail jdoe@csic.es")}),
        "w.log": log("peer 10.20.30.40").decode().encode("utf-16"),
        "be.log": log("peer 10.20.30.40").decode().encode("utf-16-be"),
        "s.log.zst": zst(log("peer 10.20.30.40")),
        "p.log": b"\x00" * 4096 + log("peer 10.20.30.40"),
    }
    dest = _anonymise(tmp_path, Case("layers", files, ""))
    with tarfile.open(dest / "t.tar.gz", "r:gz") as archive:
        assert archive.getnames() == ["in/app.log"]
    with zipfile.ZipFile(dest / "z.zip") as archive:
        [name] = archive.namelist()
        assert re.fullmatch(r"anon-[0-9a-f]{10}/app\.log", name)
        assert "@anon.invalid" in archive.read(name).decode()
    assert (dest / "w.log").read_bytes().startswith(b"\xff\xfe")
    assert "peer " in (dest / "w.log").read_bytes().decode("utf-16")
    assert "peer " in (dest / "be.log").read_bytes().decode("utf-16-be")
    assert (dest / "s.log.zst").read_bytes()[:4] == b"\x28\xb5\x2f\xfd"
    assert (dest / "p.log").read_bytes().startswith(b"\x00" * 4096)


def test_report_counts_files_and_methods_in_publish_yaml(tmp_path: Path) -> None:
    files = {"a.log": log("peer 10.20.30.40 jdoe@csic.es"), "ok.log": log("nothing")}
    dest = _anonymise(tmp_path, Case("report", files, "", {"methods": "Collected with rsyslog."}))
    report = json.loads((dest / REPORT_NAME).read_text())
    assert report["tool"] == "bridge anonymise" and report["counts"] == {"ipv4": 1, "email": 1}
    entries = {e["path"]: e for e in report["files"]}
    assert entries["a.log"]["counts"] == {"email": 1, "ipv4": 1} and entries["ok.log"]["counts"] == {}
    artifact = load_artifact(dest)
    assert {f.path: f.sha256 for f in artifact.files}["a.log"] == entries["a.log"]["sha256"]
    methods = yaml.safe_load((dest / "publish.yaml").read_text())["methods"]
    assert methods.startswith("Collected with rsyslog.\n\nAnonymised with bridge anonymise")
    assert "Crypto-PAn" in methods and "ipv4 1" in methods and "email 1" in methods and "in 1 of 3 files" in methods


def test_a_file_edited_after_anonymise_is_checked_in_full(tmp_path: Path) -> None:
    dest = _anonymise(tmp_path, Case("edited", {"a.log": log("peer 10.20.30.40")}, ""))
    check_artifact(load_artifact(dest))
    with (dest / "a.log").open("a") as f:
        f.write("note\n")
    with pytest.raises(MetadataError) as err:
        check_artifact(load_artifact(dest))
    assert [p.file for p in err.value.problems] == ["a.log"]  # the pseudonym is no longer vouched for


def test_key_file_created_private_and_never_inside_the_artefact(tmp_path: Path) -> None:
    case = Case("keys", {"a.log": log("peer 10.20.30.40")}, "")
    src = case.write(tmp_path / "src")
    key = tmp_path / "secret" / "k.key"
    result = CliRunner().invoke(app, ["anonymise", str(src), str(tmp_path / "out1"), "--key-file", str(key), "--json"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and json.loads(result.stdout)["key_created"] is True
    inside = CliRunner().invoke(app, ["anonymise", str(src), str(tmp_path / "out2"), "--key-file", str(src / "k")])
    assert inside.exit_code == 2 and "inside SRC" in inside.output and not (src / "k").exists()
    os.chmod(key, 0o644)
    loose = CliRunner().invoke(app, ["anonymise", str(src), str(tmp_path / "out3"), "--key-file", str(key)])
    assert loose.exit_code == 1 and "chmod 600" in loose.output
    assert not (tmp_path / "out2").exists() and not (tmp_path / "out3").exists()


def test_refusals_leave_no_half_written_copy(tmp_path: Path) -> None:
    src = Case("bin", {"a.log": log("ok"), "ips.npy": b""}, "").write(tmp_path / "src")
    np.save(src / "ips.npy", np.frombuffer(b"\x00\x01 10.20.30.40 peer \x00" * 8, dtype=np.uint8))
    result = CliRunner().invoke(app, ["anonymise", str(src), str(tmp_path / "out"), "--key-file", str(tmp_path / "k")])
    assert result.exit_code == 1 and "binary data holding ipv4" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k", "src"]  # no DEST, no partial copy
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    exists = CliRunner().invoke(app, ["anonymise", str(src), str(tmp_path / "full"), "--key-file", str(tmp_path / "k")])
    assert exists.exit_code == 2 and "not an empty folder" in exists.output


def test_the_anonymised_copy_publishes(sandbox, sandbox_settings, tmp_path: Path) -> None:
    src = Case("pub", {"logs.tar.gz": tar({"app.log": log("peer 10.20.30.40 jdoe@csic.es")}, "w:gz")}, "")
    refused = CliRunner().invoke(app, ["publish", str(src.write(tmp_path / "src")), "--yes", "--json"])
    assert refused.exit_code == 1
    dest = tmp_path / "dest"
    anonymise(tmp_path / "src", dest, tmp_path / "k.key")
    result = CliRunner().invoke(app, ["publish", str(dest), "--yes", "--json"])
    assert result.exit_code == 0, result.output
    oai = httpx.get(sandbox.urls["oai"], params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert oai.text.count("<record>") == 1 and "Crypto-PAn" in oai.text


def test_default_key_in_bridge_home_and_validate_counts_pseudonyms(tmp_path: Path) -> None:
    src = Case("home", {"a.log": log("peer 10.20.30.40 from ~jdoe/x")}, "").write(tmp_path / "src")
    result = CliRunner().invoke(app, ["anonymise", str(src), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    key = Path(os.environ["BRIDGE_HOME"]) / "anonymise.key"
    assert "ipv4 1" in result.stdout and str(key) in result.stdout and "created" in result.stdout
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    again = CliRunner().invoke(app, ["anonymise", str(src), str(tmp_path / "out2"), "--json"])
    assert json.loads(again.stdout)["key_created"] is False
    assert (tmp_path / "out" / "a.log").read_text() == (tmp_path / "out2" / "a.log").read_text()  # same key
    report = json.loads(CliRunner().invoke(app, ["validate", str(tmp_path / "out"), "--json"]).stdout)
    assert report["privacy"]["pseudonyms"] == {"ipv4": 1} and report["privacy"]["allowed_findings"] == []
