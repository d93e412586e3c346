"""Write the data files of the example anonymised-logs artefact (fixtures/monitoring-logs).

Run from the repository root: ``python scripts/make_fixture_logs.py``. The random seed is fixed and
the gzip header carries no name or time, so the output is reproducible and committed.

Everything that could identify a person or a machine is already anonymised the way a real
anonymiser would leave it: host names are keyed hashes (``n-3f2a9c``), user names are ``<USER>``
or hashes (``u-…``), addresses are ``<IP>`` or come from the documentation ranges of RFC 5737 and
RFC 3849, e-mail goes to example.org, and the one MAC address is from the RFC 7042 documentation
block. ``publish.yaml`` (written by hand) describes this anonymisation in ``methods``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "monitoring-logs"
SEED = 4242
HOSTS = ("n-3f2a9c", "n-81d04e", "n-c7b115")
DAYS = (dt.date(2026, 10, 1), dt.date(2026, 10, 15), dt.date(2026, 10, 31))
DOC_V4 = ("192.0.2.", "198.51.100.", "203.0.113.")  # RFC 5737 documentation networks
DOC_V6 = "2001:db8::"  # RFC 3849 documentation prefix
DOC_MAC = "00:00:5e:00:53:"  # RFC 7042 documentation block


def doc_ip(rng: random.Random) -> str:
    return rng.choice(DOC_V4) + str(rng.randint(1, 254))


def syslog_time(moment: dt.datetime) -> str:
    """Return the RFC 3164 timestamp: abbreviated month, space-padded day, no year."""
    return f"{moment:%b} {moment.day:>2} {moment:%H:%M:%S}"


def _events(rng: random.Random, host: str, uptime: float) -> list[tuple[str, str]]:
    """Return a pool of (program[pid], message) pairs; callers pick from it."""
    pid = rng.randint(900, 65000)
    port = rng.randint(32768, 60999)
    session = rng.randint(1, 400)
    up = f"[{uptime:>12.6f}]"
    return [
        (f"CRON[{pid}]", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"),
        (f"CRON[{pid + 1}]", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"),
        (f"CRON[{pid}]", "pam_unix(cron:session): session closed for user root"),
        (f"sshd[{pid}]", f"Accepted publickey for <USER> from {doc_ip(rng)} port {port} ssh2: ED25519 SHA256:<KEY>"),
        (f"sshd[{pid}]", "pam_unix(sshd:session): session opened for user <USER>(uid=<UID>) by (uid=0)"),
        (f"sshd[{pid}]", f"Accepted publickey for <USER> from {DOC_V6}{rng.randint(1, 0xFFFF):x} port {port} ssh2"),
        (f"sshd[{pid}]", f"Invalid user <USER> from {doc_ip(rng)} port {port}"),
        (f"sshd[{pid}]", f"Connection closed by invalid user <USER> <IP> port {port} [preauth]"),
        (f"sshd[{pid}]", f"Disconnected from user <USER> {doc_ip(rng)} port {port}"),
        (f"sshd[{pid}]", "error: kex_exchange_identification: Connection closed by remote host"),
        ("systemd[1]", f"Started session-{session}.scope - Session {session} of User <USER>."),
        ("systemd[1]", "Starting apt-daily.service - Daily apt download activities..."),
        ("systemd[1]", "apt-daily.service: Deactivated successfully."),
        ("systemd[1]", "Finished apt-daily.service - Daily apt download activities."),
        ("systemd[1]", "Starting logrotate.service - Rotate log files..."),
        ("systemd[1]", "logrotate.service: Deactivated successfully."),
        ("systemd-logind[612]", f"Session {session} logged out. Waiting for processes to exit."),
        ("systemd-logind[612]", f"Removed session {session}."),
        ("kernel", f"{up} EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none."),
        ("kernel", f"{up} [UFW BLOCK] IN=eth0 OUT= MAC=<MAC> SRC={doc_ip(rng)} DST=<IP> LEN=60 PROTO=TCP DPT=23"),
        ("kernel", f"{up} TCP: request_sock_TCP: Possible SYN flooding on port 22. Sending cookies."),
        ("kernel", f"{up} Memory cgroup out of memory: Killed process {pid} (python3) total-vm:8123456kB"),
        ("kernel", f"{up} e1000e 0000:00:1f.6 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None"),
        ("kernel", f"{up} e1000e 0000:00:1f.6 eth0: hardware address {DOC_MAC}{rng.randint(0, 255):02x}"),
        ("kernel", f"{up} nfs: server <HOST> not responding, still trying"),
        (f"slurmd[{pid}]", f"launch task StepId=job_{rng.randint(10000, 99999)}.batch request from UID:<UID>"),
        (f"slurmd[{pid}]", "error: cannot open /home/<user>/.slurm/job.out: Permission denied"),
        (f"postfix/smtp[{pid}]", f"to=<ops@example.org>, relay=mail.example.org[{doc_ip(rng)}]:25, status=sent"),
        (f"node_exporter[{pid}]", f'level=info collector=filesystem msg="Collected" host={host}'),
    ]


def write_syslogs(rng: random.Random, root: Path) -> None:
    for day in DAYS:
        lines: list[str] = []
        moment = dt.datetime.combine(day, dt.time(0, 0))
        uptime = rng.uniform(1000, 900000)
        while len(lines) < 110:
            moment += dt.timedelta(seconds=rng.randint(20, 780))
            if moment.date() != day:
                break
            uptime += rng.uniform(20, 780)
            host = rng.choice(HOSTS)
            program, message = rng.choice(_events(rng, host, uptime))
            lines.append(f"{syslog_time(moment)} {host} {program}: {message}")
        path = root / "logs" / f"syslog-{day:%Y-%m-%d}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_metrics(rng: random.Random, root: Path) -> None:
    rows = ["timestamp,host_hash,cpu_pct,mem_pct,load1,disk_read_kBps,disk_write_kBps,net_rx_kBps,net_tx_kBps"]
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    for step in range(31 * 4):  # every six hours through October
        moment = start + dt.timedelta(hours=6 * step)
        for host in HOSTS:
            cpu = min(100.0, max(0.5, rng.gauss(35, 20)))
            rows.append(
                f"{moment:%Y-%m-%dT%H:%M:%SZ},{host},{cpu:.1f},{rng.uniform(20, 90):.1f},"
                f"{cpu / 100 * 16 * rng.uniform(0.8, 1.2):.2f},{rng.expovariate(1 / 900):.0f},"
                f"{rng.expovariate(1 / 1500):.0f},{rng.expovariate(1 / 4000):.0f},{rng.expovariate(1 / 2500):.0f}"
            )
    path = root / "metrics" / "node-metrics.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_app_log(rng: random.Random, root: Path) -> None:
    events = ("job.submitted", "job.started", "job.finished", "job.failed", "auth.login", "auth.token_refreshed")
    moment = dt.datetime(2026, 10, 1, 0, 0, 5, tzinfo=dt.UTC)
    out = io.StringIO()
    for n in range(160):
        moment += dt.timedelta(seconds=rng.randint(30, 18000))
        event = rng.choice(events)
        record = {
            "ts": f"{moment:%Y-%m-%dT%H:%M:%S}.{rng.randint(0, 999):03d}Z",
            "level": "ERROR" if event == "job.failed" else "INFO",
            "logger": "scheduler.api",
            "host": rng.choice(HOSTS),
            "event": event,
            "job_id": f"j-{n + 1000:06d}",
            "user": f"u-{rng.getrandbits(24):06x}",
            "client_ip": doc_ip(rng) if rng.random() < 0.5 else "<IP>",
            "duration_ms": rng.randint(3, 4000),
        }
        if event == "job.failed":
            record["error"] = "OOM: exceeded memory limit of 8 GiB"
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
    path = root / "logs" / "app.jsonl.gz"
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(out.getvalue().encode("utf-8"))


README = """\
# Anonymised logs of a research compute cluster, October 2026

Synthetic example artefact of oai-bridge: syslog extracts, a batch scheduler's API log and node metrics
from three nodes, sampled on 1, 15 and 31 October 2026, for research on log anomaly detection.

- `logs/syslog-2026-10-*.log`: RFC 3164 syslog lines (cron, sshd, systemd, kernel, slurmd), time ordered.
- `logs/app.jsonl.gz`: gzip-compressed JSON Lines, one scheduler API event per line.
- `metrics/node-metrics.csv`: one row per node and six hours.

Every field is described in `CODEBOOK.md`, with the anonymisation applied before publication.
"""

CODEBOOK = """\
# Codebook

## metrics/node-metrics.csv (comma-separated, header row, UTF-8)

| column | type | unit | meaning |
|---|---|---|---|
| timestamp | ISO 8601 UTC | - | start of the six-hour window |
| host_hash | string `n-` + 6 hex digits | - | node name, keyed SHA-256 truncated to 24 bits |
| cpu_pct | decimal | percent | mean CPU use |
| mem_pct | decimal | percent | mean memory use |
| load1 | decimal | - | mean one-minute load average |
| disk_read_kBps, disk_write_kBps | integer | kB/s | mean disk throughput |
| net_rx_kBps, net_tx_kBps | integer | kB/s | mean network throughput |

## logs/app.jsonl.gz (gzip, JSON Lines)

| key | type | meaning |
|---|---|---|
| ts | ISO 8601 UTC, milliseconds | event time |
| level | INFO, WARN or ERROR | severity |
| logger | string | emitting component |
| host | `n-` + 6 hex digits | node, hashed as above |
| event | string | job.submitted, job.started, job.finished, job.failed, ... |
| job_id | `j-` + 6 digits | scheduler job |
| user | `u-` + 6 hex digits | scheduler user, keyed hash (a different key from the nodes) |
| client_ip | `<IP>` or a documentation address | client address, replaced |
| duration_ms | integer | request duration |
| error | string, optional | error message |

## logs/syslog-*.log (RFC 3164)

`<month> <day> <time> <host_hash> <program>[<pid>]: <message>`; login names are `<USER>`, numeric uids
`<UID>`, key fingerprints `<KEY>`, hardware addresses `<MAC>`, file servers `<HOST>`, home directories
`/home/<user>/`; client addresses are `<IP>` or mapped into the documentation ranges of RFC 5737 and RFC 3849.
"""


def write_docs(root: Path) -> None:
    """Write the README and the codebook (FAIR R1.2: provenance and a data dictionary travel with the data)."""
    (root / "README.md").write_text(README, encoding="utf-8")
    (root / "CODEBOOK.md").write_text(CODEBOOK, encoding="utf-8")


def write_all(root: Path = ROOT) -> None:
    """Write every data file of the artefact under ``root``."""
    rng = random.Random(SEED)
    write_syslogs(rng, root)
    write_metrics(rng, root)
    write_app_log(rng, root)
    write_docs(root)


def main() -> None:
    write_all()


if __name__ == "__main__":
    main()
