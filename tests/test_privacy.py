"""The privacy gate: what it finds, what it leaves alone, and how exceptions let findings through."""

from __future__ import annotations

import bz2
import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bridge.artifact.files import scan_files
from bridge.artifact.model import Artifact, Creator, FileInfo, Metadata, PrivacyException
from bridge.errors import MetadataError
from bridge.privacy.gate import Finding, GateResult, apply_exception, check_artifact, scan_privacy
from bridge.privacy.patterns import mask
from bridge.privacy.textio import BLOCK

LOG = """\
2024-05-01T12:00:00Z sshd[812]: Accepted publickey for alice from 192.168.1.23 port 51022
2024-05-01T12:00:01Z mail: delivered to jane.doe@csic.es
2024-05-01T12:00:02Z dhcp: lease for 3c:22:fb:12:ab:cd
2024-05-01T12:00:03Z job: reading /home/jdoe/data/run.csv
2024-05-01T12:00:04Z net: peer 2a00:1450:4003:80e::200e connected
2024-05-01T12:00:05Z win: C:\\Users\\mgarcia\\Desktop\\run.log
2024-05-01T12:00:06Z mac: /Users/pperez/Library/Logs
2024-05-01T12:00:07Z dhcp: renew 00-1B-44-11-3A-B7
"""


def _scan(folder: Path, files: dict[str, str | bytes]) -> list[Finding]:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return scan_privacy(folder, scan_files(folder))


def check_privacy(
    root: Path, files: list[FileInfo], exception: PrivacyException | None, *, limit: int = 50
) -> list[Finding]:
    """Run the gate on the files alone (metadata without personal data), returning the allowed findings."""
    md = Metadata(
        kind="anonymised-logs", title="Logs", creators=[Creator(name="Doe, Jane")], privacy_exception=exception
    )
    result: GateResult = check_artifact(Artifact(root=root, metadata=md, files=files, sources=[]), limit=limit)
    return result.allowed


def _found(findings: list[Finding]) -> list[tuple[str, int, str]]:
    return [(f.kind, f.line, f.value) for f in findings]


def test_each_kind_is_found_with_its_line(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"app.log": LOG})
    assert _found(findings) == [
        ("user", 1, "alice"),
        ("ipv4", 1, "192.168.1.23"),
        ("email", 2, "jane.doe@csic.es"),
        ("mac", 3, "3c:22:fb:12:ab:cd"),
        ("home-user", 4, "jdoe"),
        ("ipv6", 5, "2a00:1450:4003:80e::200e"),
        ("home-user", 6, "mgarcia"),
        ("home-user", 7, "pperez"),
        ("mac", 8, "00-1B-44-11-3A-B7"),
    ]
    assert {f.file for f in findings} == {"app.log"}


@pytest.mark.parametrize(
    "line",
    [
        "client <IP> user [REDACTED] host x.x.x.x mail <EMAIL>",
        "mail to user@example.org, ops@mail.example.com, a@b.test, root@host.invalid, xxx@xxx.xx",
        "docs 192.0.2.10 198.51.100.7 203.0.113.254 and 2001:db8::42 and 2001:DB8:0:0:1::1",
        "bind 0.0.0.0:8080 lo 127.0.0.1 mask 255.255.255.0 bcast 255.255.255.255 any :: lo ::1",
        "version 1.2.3, build 10.0.19041.1, torch 2.3.1+cu121, v1.2.3.4",
        "paths /home/<user>/x /home/$USER/x /home/xxx/ /home/runner/work /root/x C:\\Users\\Public\\x",
        "already masked: 192.168.x.x j***@csic.es /home/j***/ 3c:52:82:xx:xx:xx fe80:x:x:x:x:x:x:x",
        "image icon@2x.png mac 00:00:00:00:00:00 ff:ff:ff:ff:ff:ff 00-00-5E-00-53-01",
        "url https://example.org/home/about and https://github.com/Users/x",
        "c++ std::vector<int> Foo::Bar python x[::2] y[::-1] Dead::Beef",
    ],
)
def test_placeholders_and_lookalikes_are_not_findings(tmp_path: Path, line: str) -> None:
    assert _scan(tmp_path, {"a.log": line + "\n"}) == []


@pytest.mark.parametrize(
    "line",
    [
        "12:34:56 started",
        "2024-05-01T12:34:56.789+02:00 INFO done",
        "Nov 25 23:41:02 host kernel: [ 12.345678] eth0: link up",
        "elapsed 01:02:03:04:05 (days:h:m:s:ms)",
        "uuid 3f2a9c1e-aa44-4b7e-9c3d-0e1f2a3b4c5d and hash 12:ab:cd:ef:12:34:56:78:9a",
    ],
)
def test_timestamps_and_ids_are_not_ipv6_or_mac(tmp_path: Path, line: str) -> None:
    assert _scan(tmp_path, {"a.log": line + "\n"}) == []


def test_ipv4_mapped_ipv6_is_one_ipv4_finding(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.log": "from ::ffff:10.20.30.40 and ::ffff:192.0.2.1.\n"})
    assert _found(findings) == [("ipv4", 1, "10.20.30.40")]


def test_boundaries_in_context(tmp_path: Path) -> None:
    text = 'x="10.1.2.3:443" [fe80::1%eth0] (mail:Ana.Lopez+logs@uni.es). ip=8.8.8.8.\n'
    findings = _scan(tmp_path, {"a.log": text})
    assert _found(findings) == [
        ("ipv4", 1, "10.1.2.3"),
        ("ipv6", 1, "fe80::1"),
        ("email", 1, "Ana.Lopez+logs@uni.es"),
        ("ipv4", 1, "8.8.8.8"),
    ]


def test_compressed_and_archived_logs_are_scanned(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"ok\nuser bob@uni.es\n"
        member = tarfile.TarInfo("inner/app.log")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("day1/net.log", "a\nb\nc 172.16.5.4\n")
        z.writestr("weights.npy", b"\x93NUMPY" + b"\x00" * 64)  # binary members are skipped
    findings = _scan(
        tmp_path,
        {
            "logs/app.log.gz": gzip.compress(b"line one\nfrom 10.9.8.7\n"),
            "logs/old.log.bz2": bz2.compress(b"\n\n\nmac 3c:22:fb:12:ab:cd\n"),
            "logs/bundle.tar.gz": buffer.getvalue(),
            "logs/bundle.zip": zipped.getvalue(),
        },
    )
    assert {(f.file, f.line, f.value) for f in findings} == {
        ("logs/app.log.gz", 2, "10.9.8.7"),
        ("logs/old.log.bz2", 4, "3c:22:fb:12:ab:cd"),
        ("logs/bundle.tar.gz!inner/app.log", 2, "bob@uni.es"),
        ("logs/bundle.zip!day1/net.log", 3, "172.16.5.4"),
    }


def test_text_inside_binary_files_is_found_and_random_bytes_are_clean(tmp_path: Path) -> None:
    np.save(tmp_path / "ips.npy", np.frombuffer(b"10.1.2.3 jdoe@csic.es \n" * 4, dtype=np.uint8))
    rng = np.random.default_rng(7)
    (tmp_path / "blob.bin").write_bytes(rng.integers(0, 256, 1 << 20, dtype=np.uint8).tobytes())
    (tmp_path / "ok.log").write_text("nothing here\n")
    found = {(f.file, f.kind, f.value) for f in scan_privacy(tmp_path, scan_files(tmp_path))}
    assert found == {("ips.npy", "ipv4", "10.1.2.3"), ("ips.npy", "email", "jdoe@csic.es")}


def test_line_numbers_survive_blocks_bad_utf8_and_missing_final_newline(tmp_path: Path) -> None:
    filler = b"2024-05-01 12:00:00 INFO \xff\xfe not utf-8 \xc3( padding padding padding\n"
    lines = BLOCK // len(filler) * 3
    content = filler * lines + b"peer 10.0.0.99"  # past several blocks, without a final newline
    findings = _scan(tmp_path, {"big.log": content, "empty.log": b"", "nl.log": b"a\n\n"})
    assert _found(findings) == [("ipv4", lines + 1, "10.0.0.99")]


def test_utf16_logs_are_decoded(tmp_path: Path) -> None:
    text = "Event 4624\r\nAccount: C:\\Users\\jlopez\\AppData\r\n"
    findings = _scan(tmp_path, {"security.log": text.encode("utf-16")})
    assert _found(findings) == [("home-user", 2, "jlopez")]


def test_masking_never_contains_the_full_value(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"app.log": LOG})
    assert len(findings) == 9
    for finding in findings:
        assert finding.value not in finding.masked
        assert finding.value not in repr(finding)
        assert finding.value not in finding.as_problem().message
    assert {f.masked for f in findings} >= {"192.168.x.x", "j***@csic.es", "/home/j***/", "C:\\Users\\m***\\"}


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("ipv4", "10.1.2.3", "10.1.x.x"),
        ("ipv6", "fe80::1", "fe80:x:x:x:x:x:x:x"),
        ("mac", "3C-22-FB-12-AB-CD", "3C-22-FB-xx-xx-xx"),
        ("email", "jo@csic.es", "***@csic.es"),
        ("home-user", "ab", "***"),
    ],
)
def test_mask(kind: str, value: str, masked: str) -> None:
    assert mask(kind, value) == masked


@pytest.fixture
def leaky(tmp_path: Path) -> Path:
    (tmp_path / "a.log").write_text("from 10.0.0.1\nfrom 10.0.0.2\nto ana@uni.es\n")
    (tmp_path / "b.log").write_text("from 10.0.0.1\n")
    return tmp_path


def test_exception_without_allow_allows_everything(leaky: Path) -> None:
    findings = scan_privacy(leaky, scan_files(leaky))
    assert len(findings) == 4
    everything = PrivacyException(reason="internal addresses of a test-bed, no users")
    assert apply_exception(findings, everything) == []
    assert apply_exception(findings, None) == findings


def test_exception_by_kind_and_by_value(leaky: Path) -> None:
    findings = scan_privacy(leaky, scan_files(leaky))
    by_kind = PrivacyException(reason="test-bed addresses only", allow=["ipv4"])
    assert _found(apply_exception(findings, by_kind)) == [("email", 3, "ana@uni.es")]
    by_value = PrivacyException(reason="the shared gateway address", allow=["10.0.0.1", "ANA@uni.es"])
    assert [(f.file, f.value) for f in apply_exception(findings, by_value)] == [("a.log", "10.0.0.2")]


def test_check_privacy_raises_with_file_line_and_masked_value(leaky: Path) -> None:
    files = scan_files(leaky)
    with pytest.raises(MetadataError) as err:
        check_privacy(leaky, files, PrivacyException(reason="gateway is public anyway", allow=["10.0.0.1"]))
    problems = err.value.problems
    assert [(p.file, p.line, p.field) for p in problems] == [("a.log", 2, "privacy"), ("a.log", 3, "privacy")]
    assert problems[1].message.startswith("e-mail address a***@uni.es found (kind email)")
    assert "privacy_exception" in problems[1].message and "privacy_exception" in (err.value.hint or "")
    assert not any("10.0.0.2" in line or "ana@" in line for line in err.value.lines())


def test_check_privacy_returns_the_allowed_findings(leaky: Path) -> None:
    allowed = check_privacy(leaky, scan_files(leaky), PrivacyException(reason="synthetic data, no real users"))
    assert [(f.file, f.line) for f in allowed] == [("a.log", 1), ("a.log", 2), ("a.log", 3), ("b.log", 1)]


def test_check_privacy_caps_findings_per_file(tmp_path: Path) -> None:
    (tmp_path / "many.log").write_text("".join(f"host 10.0.{i // 250}.{i % 250 + 1}\n" for i in range(120)))
    with pytest.raises(MetadataError) as err:
        check_privacy(tmp_path, scan_files(tmp_path), None, limit=50)
    problems = err.value.problems
    assert len(problems) == 51
    assert problems[49].line == 50
    assert problems[50].message == "… and 70 more findings in this file" and problems[50].line is None


def test_damaged_archives_fail_the_gate_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    (tmp_path / "a.log.gz").write_bytes(gzip.compress(b"no findings\n" * 1000)[:-20])
    (tmp_path / "b.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    (tmp_path / "c.log").write_text("peer 10.0.0.1\n")
    with pytest.raises(MetadataError) as err:
        check_privacy(
            tmp_path, scan_files(tmp_path), PrivacyException(reason="addresses are fine here", allow=["ipv4"])
        )
    assert [p.file for p in err.value.problems] == ["a.log.gz", "b.zip"]
    assert all("cannot be checked for personal data" in p.message for p in err.value.problems)
