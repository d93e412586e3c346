"""Technical metadata from files: walking, hashing, media types and tensor headers."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import struct
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from safetensors.numpy import save_file

from bridge.artifact import mediatypes
from bridge.artifact.files import CHUNK, glob_regex, scan_files
from bridge.errors import MetadataError, UsageError


def _by_path(infos):
    return {i.path: i for i in infos}


def _safetensors(path: Path, header: dict, data: bytes = b"") -> None:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder holding one file of each kind the bridge recognises, plus things it must skip."""
    (tmp_path / "weights").mkdir()
    save_file(
        {
            "encoder.weight": np.zeros((16, 8), dtype=np.float32),
            "encoder.bias": np.zeros(16, dtype=np.float32),
            "head": np.ones((3, 4, 5), dtype=np.float16),
        },
        str(tmp_path / "weights" / "model.safetensors"),
        metadata={"format": "pt"},
    )
    np.save(tmp_path / "weights" / "embedding.npy", np.arange(42, dtype=np.int64).reshape(6, 7))
    np.savez(tmp_path / "weights" / "arrays.npz", a=np.zeros(3), b=np.ones((2, 2)), c=np.ones(1))
    with h5py.File(tmp_path / "weights" / "model.h5", "w") as h5:
        h5["dense/kernel"] = np.zeros((4, 4))
    with h5py.File(tmp_path / "weights" / "fields.nc", "w") as h5:  # NetCDF-4 is HDF5 inside
        h5["t"] = np.zeros(3)
    # NetCDF classic: magic, numrecs, then absent dim/att/var lists (ABSENT = ZERO ZERO).
    (tmp_path / "classic.nc").write_bytes(b"CDF\x01" + b"\x00" * 4 + b"\x00" * 24)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app.log").write_text("2024-05-01 12:00:00 INFO started\n")
    (tmp_path / "logs" / "app.log.1").write_text("2024-04-30 23:59:59 INFO rotated\n")
    with gzip.open(tmp_path / "logs" / "old.log.gz", "wt") as gz:
        gz.write("2024-04-01 00:00:00 INFO archived\n")
    (tmp_path / "logs" / "events.jsonl").write_text('{"a": 1}\n{"a": 2}\n')
    (tmp_path / "metrics.csv").write_text("epoch,loss\n1,0.5\n")
    (tmp_path / "NOTES").write_text("a text file without a suffix\n")
    (tmp_path / "blob.dat").write_bytes(bytes(range(256)) * 4)
    with zipfile.ZipFile(tmp_path / "torch_model.pt", "w") as z:
        z.writestr("torch_model/data.pkl", b"\x80\x02}q\x00.")
        z.writestr("torch_model/data/0", b"\x00" * 16)
    (tmp_path / "legacy.pth").write_bytes(b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.")
    with zipfile.ZipFile(tmp_path / "model.keras", "w") as z:
        for name in ("metadata.json", "config.json", "model.weights.h5"):
            z.writestr(name, b"{}")
    (tmp_path / "graph.onnx").write_bytes(b"\x08\x07\x12\x07pytorch")
    # Never published: hidden files and folders, caches, the metadata the reader consumed.
    (tmp_path / ".hidden.log").write_text("secret\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"\x00")
    (tmp_path / "publish.yaml").write_text("title: x\n")
    return tmp_path


def test_every_file_is_described_with_hashes_size_and_type(folder: Path) -> None:
    infos = scan_files(folder, exclude={"publish.yaml"})
    got = _by_path(infos)
    expected = {
        "weights/model.safetensors": ("application/octet-stream", "safetensors"),
        "weights/embedding.npy": ("application/x-npy", "npy"),
        "weights/arrays.npz": ("application/zip", "npz"),
        "weights/model.h5": ("application/x-hdf5", "hdf5"),
        "weights/fields.nc": ("application/x-netcdf", "netcdf"),
        "classic.nc": ("application/x-netcdf", "netcdf"),
        "logs/app.log": ("text/plain", "log"),
        "logs/app.log.1": ("text/plain", "log"),
        "logs/old.log.gz": ("application/gzip", "gzip"),
        "logs/events.jsonl": ("application/x-ndjson", "jsonl"),
        "metrics.csv": ("text/csv", "csv"),
        "NOTES": ("text/plain", None),
        "blob.dat": ("application/octet-stream", None),
        "torch_model.pt": ("application/octet-stream", "pytorch"),
        "legacy.pth": ("application/octet-stream", "pytorch"),
        "model.keras": ("application/zip", "keras"),
        "graph.onnx": ("application/onnx", "onnx"),
    }
    assert set(got) == set(expected)  # hidden, __pycache__ and publish.yaml are left out
    for path, (media_type, fmt) in expected.items():
        data = (folder / path).read_bytes()
        info = got[path]
        assert (info.media_type, info.format) == (media_type, fmt), path
        assert info.size == len(data)
        assert info.md5 == hashlib.md5(data).hexdigest()
        assert info.sha256 == hashlib.sha256(data).hexdigest()


def test_order_is_sorted_depth_first_with_posix_paths(folder: Path) -> None:
    paths = [i.path for i in scan_files(folder, exclude={"publish.yaml"})]
    assert paths.index("logs/old.log.gz") < paths.index("metrics.csv") < paths.index("weights/arrays.npz")
    assert all("\\" not in p and not p.startswith("/") for p in paths)
    assert paths == [i.path for i in scan_files(folder, exclude={"publish.yaml"})]


def test_tensor_counts_come_from_the_headers(folder: Path) -> None:
    got = _by_path(scan_files(folder, exclude={"publish.yaml"}))
    weights = got["weights/model.safetensors"]
    assert (weights.tensors, weights.parameters) == (3, 16 * 8 + 16 + 3 * 4 * 5)
    assert (got["weights/embedding.npy"].tensors, got["weights/embedding.npy"].parameters) == (1, 42)
    assert got["weights/arrays.npz"].tensors == 3
    assert got["metrics.csv"].tensors is None and got["metrics.csv"].parameters is None


def test_safetensors_header_larger_than_one_chunk(tmp_path: Path) -> None:
    tensors = {f"layer{i}.weight": np.zeros((2, 3), dtype=np.float32) for i in range(40)}
    save_file(tensors, str(tmp_path / "big.safetensors"), metadata={"notes": "x" * (CHUNK + 500_000)})
    (info,) = scan_files(tmp_path)
    assert (info.tensors, info.parameters) == (40, 40 * 6)
    assert info.sha256 == hashlib.sha256((tmp_path / "big.safetensors").read_bytes()).hexdigest()


def test_npy_version_2_header_and_scalar(tmp_path: Path) -> None:
    with (tmp_path / "v2.npy").open("wb") as fh:
        np.lib.format.write_array(fh, np.zeros((3, 5)), version=(2, 0))
    np.save(tmp_path / "scalar.npy", np.float64(1.5))
    got = _by_path(scan_files(tmp_path))
    assert got["v2.npy"].parameters == 15
    assert (got["scalar.npy"].tensors, got["scalar.npy"].parameters) == (1, 1)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (struct.pack("<Q", 10**12) + b"{}", "larger than"),
        (struct.pack("<Q", 4) + b"nope", "not JSON"),
        (b"\x01\x02", "shorter than"),
    ],
)
def test_invalid_safetensors_is_a_clear_error(tmp_path: Path, content: bytes, reason: str) -> None:
    (tmp_path / "weights.safetensors").write_bytes(content)
    with pytest.raises(MetadataError) as err:
        scan_files(tmp_path)
    (problem,) = err.value.problems
    assert problem.file == "weights.safetensors"
    assert "not a valid safetensors file" in problem.message and reason in problem.message


def test_truncated_safetensors_is_caught_by_its_offsets(tmp_path: Path) -> None:
    header = {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}
    _safetensors(tmp_path / "cut.safetensors", header, b"\0" * 8)  # 16 bytes promised, 8 present
    with pytest.raises(MetadataError, match="data_offsets outside the file"):
        scan_files(tmp_path)


def test_invalid_npy_header_is_a_clear_error(tmp_path: Path) -> None:
    header = b"__import__('os').system('false')"
    (tmp_path / "evil.npy").write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header)
    with pytest.raises(MetadataError, match="not a valid npy file: the header is not a Python dict literal"):
        scan_files(tmp_path)


def test_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours\n")
    root = tmp_path / "artefact"
    root.mkdir()
    (root / "data.csv").write_text("a\n1\n")
    (root / "escape.txt").symlink_to(outside)
    (root / "dir-link").symlink_to(tmp_path)
    (root / "loop-a").symlink_to(root / "loop-b")
    (root / "loop-b").symlink_to(root / "loop-a")
    (root / "gone").symlink_to(root / "deleted.csv")
    (root / "sub").mkdir()
    (root / "sub-link").symlink_to(root / "sub")
    os.mkfifo(root / "pipe")  # reading it would block forever
    with pytest.raises(MetadataError) as err:
        scan_files(root)
    by_file = {p.file: p.message for p in err.value.problems}
    assert set(by_file) == {"escape.txt", "dir-link", "loop-a", "loop-b", "gone", "sub-link", "pipe"}
    assert "outside the folder" in by_file["escape.txt"]
    assert "outside the folder" in by_file["dir-link"]
    assert by_file["loop-a"] == "symbolic link loop"
    assert by_file["gone"] == "broken symbolic link"
    assert "not a regular file" in by_file["pipe"]
    assert "folder is not followed" in by_file["sub-link"]


def test_symlink_inside_the_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.csv").write_text("a\n1\n")
    (tmp_path / "alias.csv").symlink_to(tmp_path / "real.csv")
    got = _by_path(scan_files(tmp_path))
    assert got["alias.csv"].sha256 == got["real.csv"].sha256


def test_unsafe_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text("a\n")
    (tmp_path / "line\nbreak.txt").write_text("x\n")
    (tmp_path / "back\\slash.txt").write_text("x\n")
    with pytest.raises(MetadataError) as err:
        scan_files(tmp_path)
    # The newline is shown escaped, so the message naming the file stays one line.
    assert sorted(p.file for p in err.value.problems) == ["back\\slash.txt", "line\\nbreak.txt"]
    assert all("unsafe file name" in p.message and "\n" not in p.message for p in err.value.problems)


def test_include_globs_select_files(folder: Path) -> None:
    infos = scan_files(folder, include=["weights/*.safetensors", "logs/**"], exclude={"publish.yaml"})
    assert [i.path for i in infos] == [
        "logs/app.log",
        "logs/app.log.1",
        "logs/events.jsonl",
        "logs/old.log.gz",
        "weights/model.safetensors",
    ]


def test_include_glob_matching_nothing_names_the_pattern(folder: Path) -> None:
    with pytest.raises(MetadataError) as err:
        scan_files(folder, include=["logs/*.log", "weights/*.onnx", "../etc/passwd", ".hidden.log"])
    problems = err.value.problems
    assert [(p.file, p.field) for p in problems] == [("publish.yaml", "files")] * 3
    assert "'weights/*.onnx' matches no file" in problems[0].message
    assert "unsafe pattern '../etc/passwd'" in problems[1].message
    assert "'.hidden.log' matches no file" in problems[2].message


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.csv", "a.csv", True),
        ("*.csv", "sub/a.csv", False),
        ("**/*.csv", "a.csv", True),
        ("**/*.csv", "x/y/a.csv", True),
        ("logs/**", "logs/a/b.log", True),
        ("logs/**", "logsx/a", False),
        ("run-?/w.[hn]5", "run-1/w.h5", True),
        ("run-?/w.[!h]5", "run-1/w.h5", False),
        ("a+b(1).txt", "a+b(1).txt", True),
    ],
)
def test_glob_regex(pattern: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(pattern).fullmatch(path)) is matches


def test_folder_without_data_files_has_nothing_to_publish(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("x\n")
    (tmp_path / "publish.yaml").write_text("title: x\n")
    with pytest.raises(MetadataError, match="nothing to publish"):
        scan_files(tmp_path, exclude={"publish.yaml"})


def test_root_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        scan_files(tmp_path / "missing")


def test_progress_is_reported_per_chunk(tmp_path: Path) -> None:
    (tmp_path / "big.bin").write_bytes(os.urandom(2 * CHUNK + 10))
    (tmp_path / "empty.txt").write_bytes(b"")
    calls: list[tuple[str, int, int]] = []
    infos = _by_path(scan_files(tmp_path, progress=lambda *a: calls.append(a)))
    total = 2 * CHUNK + 10
    assert [c for c in calls if c[0] == "big.bin"] == [
        ("big.bin", CHUNK, total),
        ("big.bin", 2 * CHUNK, total),
        ("big.bin", total, total),
    ]
    assert ("empty.txt", 0, 0) in calls
    assert infos["empty.txt"].md5 == hashlib.md5(b"").hexdigest()


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("x.bin", b"\x89HDF\r\n\x1a\n", ("application/x-hdf5", "hdf5")),
        ("x.h5", b"\x00" * 512 + b"\x89HDF\r\n\x1a\n", ("application/x-hdf5", "hdf5")),  # after a user block
        ("x.data", b"CDF\x02\x00\x00\x00\x00", ("application/x-netcdf", "netcdf")),
        ("x.csv.gz", b"\x1f\x8b\x08\x00", ("application/gzip", "gzip")),
        ("x.bin", b"\x80\x04\x95", ("application/octet-stream", "pytorch")),
        ("x.pkl", b"\x80\x04\x95", ("application/octet-stream", "pickle")),
        ("x.dat", b"\x80\x04\x95", ("application/octet-stream", None)),  # a lone 0x80 proves nothing
        ("x.tar", b"\x00" * 257 + b"ustar\x0000", ("application/x-tar", "tar")),
        ("x.yaml", b"a: 1\n", ("application/yaml", "yaml")),
        ("README.md", b"# Title\n", ("text/markdown", "markdown")),
        ("syslog", b"Nov 25 host kernel: up\n", ("text/plain", "log")),
        ("x.json", b'{"a": 1}', ("application/json", "json")),
        ("x.keras", b"\x89HDF\r\n\x1a\n", ("application/x-hdf5", "hdf5")),  # legacy Keras HDF5 under .keras
    ],
)
def test_detect_table(name: str, head: bytes, expected: tuple[str, str | None]) -> None:
    found = mediatypes.detect(name, head, len(head) + 1000)
    assert (found.media_type, found.format) == expected


def test_large_files_hash_md5_on_a_second_thread_with_the_same_digests(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bridge.artifact.files import PARALLEL_FROM, describe

    rng = np.random.default_rng(7)
    sizes = {"big.bin": PARALLEL_FROM + CHUNK // 3, "small.bin": CHUNK + 5, "exact.bin": PARALLEL_FROM}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    # several files at once share the one MD5 thread; each keeps its chunks in order
    with ThreadPoolExecutor(3) as pool:
        infos = list(pool.map(lambda name: describe(tmp_path / name, name), sizes))
    for name, info in zip(sizes, infos, strict=True):
        data = (tmp_path / name).read_bytes()
        assert (info.md5, info.sha256, info.size) == (
            hashlib.md5(data).hexdigest(),
            hashlib.sha256(data).hexdigest(),
            len(data),
        )
