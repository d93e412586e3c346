"""The evasion corpus against `bridge validate` and `bridge publish`, clean controls, and failing closed."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest
from privacy_cases import CONTROLS, EVASIONS, PUBLISHED, Case, log, tar, zipped, zst
from typer.testing import CliRunner

from bridge.artifact import load_artifact
from bridge.cli import app
from bridge.errors import MetadataError
from bridge.privacy.archives import DEFAULT_LIMITS, Limits
from bridge.privacy.gate import check_artifact


def test_the_corpus_is_large_and_holds_every_published_case() -> None:
    assert len(EVASIONS) >= 40
    assert len(PUBLISHED) >= 19
    assert len({c.name for c in EVASIONS}) == len(EVASIONS)


@pytest.mark.parametrize("case", EVASIONS, ids=lambda c: c.name)
def test_validate_refuses_every_evasion(case: Case, tmp_path: Path) -> None:
    folder = case.write(tmp_path / case.name)
    result = CliRunner().invoke(app, ["validate", str(folder), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is False
    messages = [p["message"] for p in report["problems"]]
    assert any(f"(kind {case.kind})" in m for m in messages), messages
    for secret in ("10.20.30.40", "jdoe@csic.es", "mgarcia", "3c52.82aa.bbcc", "3c5282aabbcc"):
        assert not any(secret in m for m in messages)  # findings are masked


def test_publish_refuses_every_evasion_and_deposits_nothing(sandbox, sandbox_settings, tmp_path: Path) -> None:
    for case in EVASIONS:
        folder = case.write(tmp_path / case.name)
        result = CliRunner().invoke(app, ["publish", str(folder), "--yes", "--json"])
        assert result.exit_code == 1, (case.name, result.output)
        assert "privacy" in result.output
    oai = httpx.get(sandbox.urls["oai"], params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    assert 'code="noRecordsMatch"' in oai.text


def test_ordinary_logs_pass(tmp_path: Path) -> None:
    folder = Case("controls", CONTROLS, "none").write(tmp_path / "controls")
    result = CliRunner().invoke(app, ["validate", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["privacy"]["gate"] is True


def test_a_dotted_quad_is_an_address_unless_it_follows_a_version_word(tmp_path: Path) -> None:
    """Decision: 1.2.3.4 is a valid address, so only 'version 1.2.3.4' or 'v1.2.3.4' is taken for a version."""
    for text, kind in (("libfoo-1.2.3.4.tar.gz", "ipv4"), ("node_10.1.2.3.log", "ipv4")):
        with pytest.raises(MetadataError) as err:
            _check(Case("v", {"a.log": log(f"installed {text}")}, kind), tmp_path / text)
        assert any(f"(kind {kind})" in p.message for p in err.value.problems)
    _check(Case("ok", {"a.log": log("version 1.2.3.4, Version: 1.2.3.4, v1.2.3.4")}, ""), tmp_path / "ok")


def test_summary_counts_by_kind(tmp_path: Path) -> None:
    case = Case("many", {"a.log": log("10.1.1.1 10.1.1.2 jdoe@csic.es", "10.1.1.3")}, "ipv4")
    with pytest.raises(MetadataError) as err:
        _check(case, tmp_path / "many")
    assert "privacy gate found ipv4 3, email 1" in (err.value.hint or "")


def test_member_paths_and_lines_are_named(tmp_path: Path) -> None:
    inner = gzip.compress(b"a\nb\npeer 10.9.8.7\n")
    case = Case("nested", {"logs.tar.gz": tar({"inner.gz": gzip.compress(tar({"app.log": inner}))}, "w:gz")}, "")
    with pytest.raises(MetadataError) as err:
        _check(case, tmp_path / "nested")
    [problem] = err.value.problems
    assert (problem.file, problem.line) == ("logs.tar.gz!inner.gz!app.log", 3)
    assert "10.9.x.x" in problem.message and "10.9.8.7" not in problem.message


def _encrypted_zip() -> bytes:
    data = bytearray(zipped({"app.log": b"secret\n" * 10}))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag in the local and central headers
        at = data.find(sig)
        flag = at + (6 if sig == b"PK\x03\x04" else 8)
        data[flag] |= 1
    return bytes(data)


def _deep(levels: int) -> bytes:
    data = log("ok")
    for _ in range(levels):
        data = gzip.compress(data)
    return data


@pytest.mark.parametrize(
    ("files", "limits", "member", "reason"),
    [
        ({"a.log.gz": gzip.compress(b"fine\n" * 1000)[:-30]}, Limits(), "a.log.gz", "cannot be decoded"),
        ({"a.zip": _encrypted_zip()}, Limits(), "a.zip!app.log", "encrypted"),
        ({"b.zip": b"PK\x03\x04" + b"\x00" * 40}, Limits(), "b.zip", "cannot be read as a zip"),
        ({"c.log.zst": zst(b"fine\n" * 1000)[:-8] + b"\x00" * 8}, Limits(), "c.log.zst", "cannot be decoded"),
        ({"deep.gz": _deep(5)}, Limits(depth=4), "deep.gz", "nested deeper than 4 levels"),
        ({"bomb.bz2": bz2.compress(b"\x00" * (64 << 20))}, Limits(), "bomb.bz2", "more than 1000:1"),
        (
            {"in.tar": tar({"x/bomb.gz": gzip.compress(b"\x00" * (8 << 20))})},
            Limits(expanded=4 << 20),
            "in.tar!x/bomb.gz",
            "expands past the limit of 4 MiB",
        ),
        ({"many.zip": zipped({f"{i}.log": b"ok\n" for i in range(30)})}, Limits(members=20), "many.zip", "20 members"),
        ({"logs.7z": b"7z\xbc\xaf\x27\x1c" + bytes(64)}, DEFAULT_LIMITS, "logs.7z", "is a 7-Zip archive"),
        ({"t.tar": tar({"cap.pcap": b"\xd4\xc3\xb2\xa1" + bytes(64)})}, DEFAULT_LIMITS, "t.tar!cap.pcap", "packet"),
    ],
)
def test_what_cannot_be_checked_fails_closed_naming_member_and_limit(
    files: dict[str, bytes], limits: Limits, member: str, reason: str, tmp_path: Path
) -> None:
    files = {**files, "ok.log": log("fine")}
    with pytest.raises(MetadataError) as err:
        _check(Case("closed", files, ""), tmp_path / "closed", limits)
    [problem] = err.value.problems
    assert problem.file == member and reason in problem.message, problem
    assert "cannot be checked for personal data" in problem.message


def test_a_zip_member_bomb_is_stopped_by_its_ratio(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("bomb.log", b"A" * (64 << 20))
    with pytest.raises(MetadataError) as err:
        _check(Case("bomb", {"b.zip": buffer.getvalue()}, ""), tmp_path / "bomb")
    assert err.value.problems[0].file == "b.zip!bomb.log" and "1000:1" in err.value.problems[0].message


def _check(case: Case, folder: Path, limits: Limits = DEFAULT_LIMITS) -> None:
    check_artifact(load_artifact(case.write(folder)), limits=limits)


def test_large_artefacts_are_judged_on_several_cores_with_the_same_result(tmp_path: Path, monkeypatch) -> None:
    from bridge.privacy import gate

    files = {f"{i}.log": log(f"peer 10.0.{i}.1", "mail jdoe@csic.es") for i in range(4)}
    files["bad.gz"] = gzip.compress(b"fine\n" * 1000)[:-30]
    artifact = load_artifact(Case("par", files, "").write(tmp_path / "par"))
    with pytest.raises(MetadataError) as one:
        check_artifact(artifact, workers=1)
    monkeypatch.setattr(gate, "PARALLEL_BYTES", 0)
    with pytest.raises(MetadataError) as two:
        check_artifact(artifact, workers=2)
    assert two.value.problems == one.value.problems and two.value.hint == one.value.hint
    assert len(one.value.problems) == 9 and "ipv4 4, email 4, unreadable 1" in (one.value.hint or "")
