"""A corpus of ways personal data reaches published logs (evasions) and of ordinary logs that must pass (controls).

Every case is generated here, in code: an artefact folder is a publish.yaml plus data files. The first
cases are the 19 that an adversarial review published through the old gate (issue 14).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
import zstandard

LINE = "2026-10-01T12:00:00Z n-3f2a9c app[812]: "
BASE = {
    "kind": "anonymised-logs",
    "title": "Anonymised cluster logs, test case",
    "creators": [{"given_name": "Alba", "family_name": "Ejemplo", "affiliation": [{"name": "CSIC"}]}],
    "description": "Synthetic logs of a test case for the privacy gate.",
    "license": "CC-BY-4.0",
    "keywords": ["logs"],
    "date_released": "2026-11-20",
}


@dataclass
class Case:
    name: str
    files: dict[str, bytes]
    kind: str  # the kind the gate must report
    metadata: dict[str, object] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for rel, data in self.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (folder / "publish.yaml").write_text(yaml.safe_dump({**BASE, **self.metadata}, allow_unicode=True))
        return folder


def log(*lines: str) -> bytes:
    return "".join(f"{LINE}{line}\n" for line in ("service started", *lines, "service stopped")).encode()


def tar(members: dict[str, bytes], mode: str = "w", uname: str = "") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.uname = len(data), uname
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def gz_named(data: bytes, name: str) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buffer, mtime=0) as f:
        f.write(data)
    return buffer.getvalue()


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


IP = log("peer 10.20.30.40 connected")
MAIL = log("mail to jdoe@csic.es queued")

# The 19 that published through the old gate (issue 14), each as its own case.
PUBLISHED = [
    Case("gzip-in-tar", {"logs.tar": tar({"inner/app.log.gz": gzip.compress(IP)})}, "ipv4"),
    Case("tar-gz", {"logs.tar.gz": tar({"app.log": IP}, "w:gz")}, "ipv4"),
    Case("gzip-in-zip", {"logs.zip": zipped({"app.log.gz": gzip.compress(IP)})}, "ipv4"),
    Case("zip-in-zip", {"logs.zip": zipped({"day1.zip": zipped({"app.log": IP})})}, "ipv4"),
    Case("bz2-in-tar", {"logs.tar": tar({"app.log.bz2": bz2.compress(IP)})}, "ipv4"),
    Case("zst-log", {"app.log.zst": zst(IP)}, "ipv4"),
    Case("ipv4-compatible-ipv6", {"app.log": log("peer ::10.20.30.40 connected")}, "ipv4"),
    Case("aws-host-name", {"app.log": log("node ip-10-20-30-40.eu-west-1.compute.internal up")}, "ipv4"),
    Case("underscore-address", {"app.log": log("dump written to host_10_20_30_40.txt")}, "ipv4"),
    Case("cisco-mac", {"app.log": log("arp 3c52.82aa.bbcc on Gi0/1")}, "mac"),
    Case("bare-mac-field", {"app.log": log("dhcp ack mac=3c5282aabbcc lease=3600")}, "mac"),
    Case("export-home", {"app.log": log("open /export/home/jdoe/run.csv failed")}, "home-user"),
    Case("var-home", {"app.log": log("open /var/home/jdoe/run.csv failed")}, "home-user"),
    Case("tilde-home", {"app.log": log("cp results ~jdoe/out/")}, "home-user"),
    Case("url-encoded-email", {"app.log": log("GET /notify?to=jdoe%40csic.es 200")}, "email"),
    Case("bracket-obfuscated-email", {"app.log": log("contact jdoe [at] csic [dot] es")}, "email"),
    Case("paren-obfuscated-email", {"app.log": log("contact jdoe(at)csic.es")}, "email"),
    Case("utf16-log", {"app.log": IP.decode().encode("utf-16-le")}, "ipv4"),
    Case("utf32-log", {"app.log": MAIL.decode().encode("utf-32")}, "email"),
    Case("nul-padded-log", {"app.log": b"\x00" * 8192 + IP}, "ipv4"),
    Case("address-in-file-name", {"host-10.20.30.40.log": log("ok")}, "ipv4"),
    Case("email-in-file-name", {"jdoe@csic.es/app.log": log("ok")}, "email"),
    Case("address-in-description", {"app.log": log("ok")}, "ipv4", {"description": "Logs of gateway 10.20.30.40."}),
    Case("email-in-description", {"app.log": log("ok")}, "email", {"description": "Ask jdoe@csic.es for access."}),
]

MORE = [
    Case("compute-internal", {"app.log": log("resolved 10-20-30-40.compute.internal")}, "ipv4"),
    Case("reverse-dns", {"app.log": log("PTR 40.30.20.10.in-addr.arpa. 300 IN PTR x")}, "ipv4"),
    Case("xz-log", {"app.log.xz": lzma.compress(IP)}, "ipv4"),
    Case("tar-xz", {"logs.tar.xz": tar({"app.log": IP}, "w:xz")}, "ipv4"),
    Case("tar-bz2", {"logs.tar.bz2": tar({"app.log": MAIL}, "w:bz2")}, "email"),
    Case("tar-zst", {"logs.tar.zst": zst(tar({"app.log": IP}))}, "ipv4"),
    Case("gzip-in-gzip", {"app.log.gz.gz": gzip.compress(gzip.compress(IP))}, "ipv4"),
    Case("renamed-gzip", {"app.txt": gzip.compress(MAIL)}, "email"),
    Case("tar-gz-in-zip-in-tar", {"all.tar": tar({"b.zip": zipped({"c.tar.gz": tar({"d.log": IP}, "w:gz")})})}, "ipv4"),
    Case("member-name", {"logs.zip": zipped({"10.20.30.40/app.log": log("ok")})}, "ipv4"),
    Case("tar-member-name", {"logs.tar": tar({"jdoe@csic.es.log": log("ok")})}, "email"),
    Case("tar-owner", {"logs.tar": tar({"app.log": log("ok")}, uname="jdoe")}, "user"),
    Case("gzip-header-name", {"app.log.gz": gz_named(log("ok"), "host-10.20.30.40.log")}, "ipv4"),
    Case("sshd-accepted", {"auth.log": log("sshd[1]: Accepted publickey for mgarcia from 192.0.2.7 port 5")}, "user"),
    Case("sshd-invalid", {"auth.log": log("sshd[1]: Invalid user mgarcia from 192.0.2.7 port 5")}, "user"),
    Case("pam-session", {"auth.log": log("pam_unix(sshd:session): session opened for user mgarcia(uid=1000)")}, "user"),
    Case("sudo", {"auth.log": log("sudo:   mgarcia : TTY=pts/0 ; PWD=/tmp ; USER=root ; COMMAND=/bin/ls")}, "user"),
    Case("su", {"auth.log": log("su: (to root) mgarcia on pts/1")}, "user"),
    Case("logind", {"auth.log": log("systemd-logind[612]: New session 3 of user mgarcia.")}, "user"),
    Case("slurm", {"slurmctld.log": log("_slurm_rpc_submit_batch_job: JobId=12 UserId=mgarcia(1000)")}, "user"),
    Case("json-user", {"app.jsonl": b'{"event":"login","user":"mgarcia","ok":true}\n'}, "user"),
    Case("ldap-uid", {"app.log": log("bind uid=mgarcia,ou=people,dc=csic,dc=es")}, "user"),
    Case("upper-obfuscated-email", {"app.log": log("write to jdoe AT csic DOT es")}, "email"),
    Case("defanged-email", {"app.log": log("reported by jdoe[@]csic[.]es")}, "email"),
    Case("double-encoded-email", {"app.log": log("GET /u?m=jdoe%2540csic.es")}, "email"),
    Case("html-entity-email", {"app.html": b"<p>contact: jdoe&#64;csic.es</p>\n"}, "email"),
    Case("spelled-email", {"app.log": log("write to jdoe at csic dot es")}, "email"),
    Case("sshd-postponed", {"auth.log": log("sshd[1]: Postponed publickey for mgarcia from 192.0.2.7 port 5")}, "user"),
    Case("sshd-disconnected", {"auth.log": log("sshd[1]: Disconnected from user mgarcia 192.0.2.7 port 5")}, "user"),
    Case("sshd-authenticating", {"auth.log": log("closed by authenticating user mgarcia 192.0.2.7")}, "user"),
    Case("hex-mapped-ipv6", {"app.log": log("peer ::ffff:a14:1e28 connected")}, "ipv4"),
    Case("spaced-at-email", {"app.log": log("reply to jdoe @ csic.es")}, "email"),
    Case("json-escaped-home", {"app.jsonl": b'{"path":"\\/home\\/jdoe\\/run.csv"}\n'}, "home-user"),
    Case("url-encoded-home", {"app.log": log("GET /files?p=%2Fhome%2Fjdoe%2Frun.csv 200")}, "home-user"),
    Case("slurm-group", {"slurmctld.log": log("JobId=12 UserId=u-32ac28(1000) GroupId=mgarcia(1000)")}, "user"),
    Case("cron-user", {"syslog": log("CRON[812]: (mgarcia) CMD (/usr/bin/backup)")}, "user"),
    Case("useradd", {"auth.log": log("useradd[4]: new user: name=mgarcia, UID=1001, GID=1001")}, "user"),
    Case("apache-user", {"access.log": b'192.0.2.1 - mgarcia [10/Oct/2026:13:55:36 +0200] "GET / HTTP/1.1"\n'}, "user"),
    Case("json-mac", {"app.jsonl": b'{"mac_address": "3C5282AABBCC"}\n'}, "mac"),
    Case("file-url-home", {"app.log": log("loaded file:///home/jdoe/model.pt")}, "home-user"),
    Case("scp-home", {"app.log": log("scp node1:/home/jdoe/out.tar .")}, "home-user"),
    Case("utf16be-no-bom", {"app.log": MAIL.decode().encode("utf-16-be")}, "email"),
    Case("utf16-bom-ipv6", {"app.log": log("peer 2a00:1450:4003:80e::200e").decode().encode("utf-16")}, "ipv6"),
    Case("latin1-email", {"app.log": log("to josé.pérez@csic.es").decode().encode("latin-1")}, "email"),
    Case("keyword", {"app.log": log("ok")}, "ipv4", {"keywords": ["logs", "gateway 10.20.30.40"]}),
    Case("title", {"app.log": log("ok")}, "email", {"title": "Logs collected by jdoe@csic.es"}),
    Case(
        "affiliation",
        {"app.log": log("ok")},
        "email",
        {"creators": [{"given_name": "Alba", "family_name": "Ejemplo", "affiliation": [{"name": "a@csic.es"}]}]},
    ),
    Case("methods", {"app.log": log("ok")}, "home-user", {"methods": "Scripts in /home/jdoe/anon were run."}),
    Case("technical-info", {"app.log": log("ok")}, "mac", {"technical_info": "Collector at 3c:22:fb:12:ab:cd."}),
]

EVASIONS = PUBLISHED + MORE

# Ordinary logs that must pass: timestamps, hashes, ids, versions in a version context, placeholders, pseudonyms.
CONTROLS = {
    "syslog.log": log(
        "Oct  1 00:07:25 n-c7b115 systemd-logind[612]: Session 165 logged out.",
        "kernel: [   12.345678] eth0: link up 1000 Mbps, elapsed 01:02:03",
        "sshd[1]: Accepted publickey for <USER> from 192.0.2.85 port 48542 ssh2: ED25519 SHA256:<KEY>",
        "CRON[5]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        "sudo: u-32ac28 : TTY=pts/0 ; PWD=/home/<user> ; USER=root ; COMMAND=/bin/ls",
        "commit 3f2a9c1e5b7d4c2a9f8e7d6c5b4a39281706f5e4",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "container 3c5282aabbcc started, uuid 3f2a9c1e-aa44-4b7e-9c3d-0e1f2a3b4c5d, trace 0x7ffd3c52aabb",
        "python 3.11.7, numpy version 1.26.4.1, torch v2.3.1.0, build 10.0.19041.1, date 2026-10-01 12-34-56",
        "listen 0.0.0.0:8080 and [::]:8080, loopback 127.0.0.1 ::1, mask 255.255.255.0",
        "mail to ops@example.org from noreply@mail.example.com, icon@2x.png",
        "java.lang.NullPointerException at org.example.Foo.bar(Foo.java:42) at ~Foo() in std::vector<int>",
        "look at the output dot file, retry at 12:00, meet at noon (at) the lab",
        "CRON[5]: (root) CMD (run-parts /etc/cron.hourly); waiting for user input. Enter password for the key",
        '203.0.113.9 - - [10/Oct/2026:13:55:36 +0200] "GET /index.html HTTP/1.1" 200 512',
        "User-Agent: Mozilla/5.0; GET https://example.org/home/about 200; cd ~/work",
        "mac 00:00:00:00:00:00 bcast ff:ff:ff:ff:ff:ff doc 00-00-5E-00-53-01 ratio 1.2.3",
        "slurmctld: sched: Allocate JobId=12 NodeList=n01 #CPUs=4 Partition=debug uid=1000",
        "user=anon-3fa9c2d1e0 email anon-3fa9c2d1e0@anon.invalid home /home/anon-3fa9c2d1e0/x",
        'json {"user": "<USER>", "uid": 0, "client_ip": "<IP>", "mac": "<MAC>"}',
    ),
    "metrics.csv": b"time,node,cpu,mem\n2026-10-01T00:00:00Z,n-3f2a9c,0.5,12\n2026-10-01T06:00:00Z,n-81d04e,0.7,10\n",
    "logs.tar.gz": tar({"a.log": b"ok\n" * 1000, "b/c.log.gz": gzip.compress(b"fine\n" * 100)}, "w:gz"),
    "utf16.log": "Event 4624 logon by <USER> at 2026-10-01 12:00:00\r\n".encode("utf-16"),
}
