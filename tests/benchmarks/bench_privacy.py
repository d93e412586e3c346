"""Benchmark: privacy-gate scan throughput on a generated log tree, next to two baselines measured in the same run.

Run:  python tests/benchmarks/bench_privacy.py [--mb 256 | --gib 1] [--anonymise] [--keep DIR]

The tree holds syslog (sshd, sudo, PAM, cron, kernel, Slurm), JSON Lines and CSV files, a quarter of the bytes
gzip-compressed and some inside a tar.gz, already anonymised the way a careful group does it (placeholders,
documentation ranges, hashed pseudonyms) with a real address or e-mail left in about one line in 2,000, so the
gate has findings to report. Timed, over the same files, in this order:

- read: open every layer and read the bytes (gzip and tar decoded), with nothing else: the floor;
- re: the same bytes through one plain ``re`` pattern for IPv4 and e-mail, the naive gate;
- gate: ``bridge.privacy.gate.iter_findings`` for every file (every finder, names, layers, encodings);
- gate xN: ``check_artifact``, the gate as ``bridge validate`` runs it, with one worker process per core.

Printed: MB of text scanned, seconds, MB/s of each, and the gate's ratio to both baselines. With
``--anonymise`` the time of ``bridge anonymise`` on the tree is printed too.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import random
import re
import shutil
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from bridge.artifact.files import scan_files
from bridge.privacy.archives import DEFAULT_LIMITS, Budget, walk
from bridge.privacy.gate import iter_findings

NAIVE = re.compile(rb"\b\d{1,3}(?:\.\d{1,3}){3}\b|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FILE_MB = 8


def _line(rng: random.Random, i: int) -> str:
    r = rng.randint
    ts = f"Oct {r(1, 31):2d} {r(0, 23):02d}:{r(0, 59):02d}:{r(0, 59):02d} n-{rng.getrandbits(24):06x}"
    user = f"u-{rng.getrandbits(24):06x}"
    leak = rng.random() < 0.0005
    ip = f"10.{r(0, 255)}.{r(0, 255)}.{r(1, 254)}" if leak else f"192.0.2.{i % 254 + 1}"
    kind = rng.random()
    if kind < 0.2:
        return f"{ts} sshd[{r(100, 65000)}]: Accepted publickey for <USER> from {ip} port {r(1024, 65535)} ssh2"
    if kind < 0.3:
        return f"{ts} sshd[{r(100, 65000)}]: pam_unix(sshd:session): session opened for user {user}(uid=<UID>)"
    if kind < 0.35:
        return f"{ts} sudo:   {user} : TTY=pts/{r(0, 9)} ; PWD=/home/<user> ; USER=root ; COMMAND=/bin/systemctl"
    if kind < 0.45:
        return f"{ts} CRON[{r(100, 65000)}]: pam_unix(cron:session): session closed for user root"
    if kind < 0.55:
        return f"{ts} kernel: [{rng.uniform(0, 99999):12.6f}] eth0: link up, 1000 Mbps, lpa 0x{rng.getrandbits(16):04X}"
    if kind < 0.65:
        return f"{ts} slurmctld[{r(100, 9999)}]: _job_complete: JobId={r(1, 10**6)} WEXITSTATUS 0 uid=<UID>"
    if kind < 0.85:
        mail = "ana.lopez@csic.es" if leak else "ops@example.org"
        return (
            f'{{"ts":"2026-10-{r(1, 31):02d}T{r(0, 23):02d}:00:00.{r(0, 999):03d}Z","level":"INFO",'
            f'"event":"job.started","job_id":"j-{i:07d}","user":"{user}","client_ip":"{ip}",'
            f'"notify":"{mail}","duration_ms":{r(1, 9999)}}}'
        )
    return (
        f"2026-10-{rng.randint(1, 31):02d} 12:00:00,{rng.randint(0, 999):03d} INFO [worker-{rng.randint(0, 15)}] "
        f"org.example.pipeline.Task: batch {i} done in {rng.randint(1, 999)} ms "
        f"(hash={rng.getrandbits(64):016x}, queue={rng.randint(0, 99)})"
    )


def make_tree(root: Path, total: int, seed: int = 1) -> int:
    """Write about ``total`` bytes of logs under ``root``; return the bytes of text written (before compression)."""
    rng = random.Random(seed)
    pool = ("\n".join(_line(rng, i) for i in range(60_000)) + "\n").encode()
    per_file = FILE_MB << 20
    written, n = 0, 0
    (root / "logs").mkdir(parents=True)
    while written < total:
        size = min(per_file, total - written)
        start = rng.randrange(0, len(pool) // 2)
        parts, got = [], 0
        while got < size:
            chunk = pool[start : start + size - got]
            parts.append(chunk)
            got += len(chunk)
            start = 0
        data = b"".join(parts)
        data = data[: data.rfind(b"\n") + 1] or data
        name = f"logs/node-{n:04d}"
        if n % 8 == 3:  # a quarter of the bytes compressed: gzip files and a tar.gz
            (root / f"{name}.log.gz").write_bytes(gzip.compress(data, compresslevel=1))
        elif n % 8 == 7:
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
                info = tarfile.TarInfo(f"day-{n}/syslog")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            (root / f"{name}.tar.gz").write_bytes(buffer.getvalue())
        else:
            (root / f"{name}.log").write_bytes(data)
        written += len(data)
        n += 1
    (root / "publish.yaml").write_text(
        "kind: anonymised-logs\ntitle: Benchmark logs\ncreators: [{name: 'Ejemplo, Alba'}]\nlicense: CC-BY-4.0\n"
    )
    return written


def _leaves(root: Path, rel: str) -> Iterator[IO[bytes]]:
    with (root / rel).open("rb") as raw:
        for event in walk(raw, rel, Budget(DEFAULT_LIMITS)):
            if event.data is not None:
                yield event.data


def time_read(root: Path, rels: list[str]) -> tuple[float, int]:
    t0, total = time.perf_counter(), 0
    for rel in rels:
        for leaf in _leaves(root, rel):
            while chunk := leaf.read(1 << 20):
                total += len(chunk)
    return time.perf_counter() - t0, total


def time_naive(root: Path, rels: list[str]) -> tuple[float, int]:
    t0, hits = time.perf_counter(), 0
    for rel in rels:
        for leaf in _leaves(root, rel):
            carry = b""
            while chunk := leaf.read(1 << 20):
                block = carry + chunk
                cut = block.rfind(b"\n") + 1
                carry, block = block[cut:], block[:cut]
                hits += sum(1 for _ in NAIVE.finditer(block))
            hits += sum(1 for _ in NAIVE.finditer(carry))
    return time.perf_counter() - t0, hits


def time_gate(root: Path) -> tuple[float, int]:
    files = scan_files(root, exclude={"publish.yaml"})
    t0, found = time.perf_counter(), 0
    for info in files:
        found += sum(1 for _ in iter_findings(root, info))
    return time.perf_counter() - t0, found


def time_parallel(root: Path) -> tuple[float, int, int]:
    from bridge.artifact import load_artifact
    from bridge.errors import MetadataError
    from bridge.privacy.gate import check_artifact

    artifact = load_artifact(root)  # hashes every file: not timed
    workers = len(os.sched_getaffinity(0))
    t0 = time.perf_counter()
    try:
        check_artifact(artifact, workers=workers)
        problems = 0
    except MetadataError as exc:
        problems = len(exc.problems)
    return time.perf_counter() - t0, workers, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--mb", type=int, default=256, help="MB of log text to generate (default 256)")
    size.add_argument("--gib", type=float, help="GiB of log text to generate (e.g. 1)")
    parser.add_argument("--anonymise", action="store_true", help="also time bridge anonymise on the tree")
    parser.add_argument("--keep", type=Path, help="generate the tree here and keep it")
    args = parser.parse_args(argv)
    total = int(args.gib * (1 << 30)) if args.gib else args.mb << 20
    work = Path(tempfile.mkdtemp(prefix="bench-privacy-"))
    root = args.keep or work / "tree"
    try:
        t0 = time.perf_counter()
        text = make_tree(root, total)
        rels = sorted(p.relative_to(root).as_posix() for p in (root / "logs").iterdir())
        print(f"tree: {len(rels)} files, {text / 1e6:.0f} MB of text, generated in {time.perf_counter() - t0:.1f} s")
        read_s, read_bytes = time_read(root, rels)
        naive_s, naive_hits = time_naive(root, rels)
        gate_s, found = time_gate(root)
        par_s, workers, problems = time_parallel(root)
        mb = read_bytes / 1e6
        print(f"{'pass':<10}{'seconds':>10}{'MB/s':>10}  notes")
        print(f"{'read':<10}{read_s:>10.2f}{mb / read_s:>10.1f}  every layer decoded, bytes read")
        print(f"{'re':<10}{naive_s:>10.2f}{mb / naive_s:>10.1f}  one plain IPv4|e-mail regex: {naive_hits} matches")
        print(f"{'gate':<10}{gate_s:>10.2f}{mb / gate_s:>10.1f}  every finder, names, layers: {found} findings")
        label = f"gate x{workers}"
        print(f"{label:<10}{par_s:>10.2f}{mb / par_s:>10.1f}  check_artifact: {problems} problems shown")
        print(f"ratio: gate takes {gate_s / read_s:.1f}x the read time, {gate_s / naive_s:.2f}x the plain re scan")
        if args.anonymise:
            from bridge.privacy.anonymise import anonymise

            t0 = time.perf_counter()
            done = anonymise(root, work / "out", work / "bench.key")
            anon_s = time.perf_counter() - t0
            print(f"anonymise {anon_s:>7.2f} s {mb / anon_s:>8.1f} MB/s  replaced {done.report['counts']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
