"""Publish benchmark: one large file through `bridge publish`, next to curl and httpx posting it to the same endpoint.

A plain script, not a pytest module (pyproject keeps tests/benchmarks out of the default run)::

    python tests/benchmarks/bench_publish.py [--mib 1024] [--json]

It makes an artefact folder in /tmp (the plant-classifier example's metadata and a sparse ``--mib`` MiB file, so
no disk space goes to the source) and starts ``bridge sandbox serve`` in its own process. The baselines are curl
(``curl -F file=@…``, a C client streaming the multipart body from disk) and a bare httpx POST streaming the
file, each to a new workspace item of that sandbox: the endpoint the bridge's dspace7 target uploads to. Then, in
the same run, ``bridge publish`` of the folder (its own process: validation, which reads and hashes every file
once, then the DSpace 7 REST submission, which streams the file and checks the MD5 the sandbox computed while
writing it to disk), and ``bridge validate`` of the folder alone (start-up and hashing, for comparison).

Printed: wall times, MB/s, the peak RSS of the bridge process and of the sandbox process (VmHWM, read before it
stops), how many bytes the bridge read per byte of the artefact (2.0: one read to hash, one to upload; Python's
own module files add a little), and the throughput ratio against the faster baseline: the last line (goal ≥ 0.5).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "fixtures" / "plant-classifier"
SUBMITTER = "submitter@sandbox.oai-bridge.test"
PASSWORD = "bench-submitter-1"
# Runs the bridge's CLI and reports, as its process ends, the peak RSS and the bytes it read (rchar).
MEASURED = textwrap.dedent(
    """
    import atexit, json, resource, sys
    def report():
        io = dict(line.split(": ") for line in open("/proc/self/io").read().splitlines())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps({"peak_rss": peak, "rchar": int(io["rchar"])}), file=sys.stderr)
    atexit.register(report)
    from bridge.cli import main
    sys.argv = ["bridge", *sys.argv[1:]]
    main()
    """
)


def vm_hwm(pid: int) -> int:
    """Return a live process's peak resident set size in bytes (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def make_artefact(folder: Path, mib: int) -> Path:
    folder.mkdir(parents=True)
    for name in ("publish.yaml", "CITATION.cff", "model.safetensors"):
        shutil.copy(EXAMPLE / name, folder / name)
    big = folder / "weights-large.bin"
    with big.open("wb") as fh:
        fh.truncate(mib * 2**20)  # sparse: reads as zeros, costs no disk
    return big


def start_sandbox(work: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    cmd = [sys.executable, "-m", "bridge", "sandbox", "serve", "--data", str(work / "data"), "--port", "0"]
    cmd += ["--profile-out", str(work / "bridge.toml"), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=work)
    assert proc.stdout is not None
    text = ""
    while True:  # one pretty-printed JSON document
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            raise SystemExit("the sandbox did not start")
        text += line
        if line.startswith("}"):
            return proc, json.loads(text)


def baseline_uploads(rest: str, path: Path) -> dict[str, dict[str, Any]]:
    """Post the file to new workspace items, as the dspace7 target does: with curl, then a bare httpx stream."""
    http = httpx.Client(base_url=rest + "/", timeout=600)

    def track(response: httpx.Response) -> None:
        if token := response.headers.get("DSPACE-XSRF-TOKEN"):
            http.headers["X-XSRF-TOKEN"] = token

    http.event_hooks["response"] = [track]
    http.get("security/csrf")
    r = http.post("authn/login", data={"user": SUBMITTER, "password": PASSWORD})
    r.raise_for_status()
    http.headers["Authorization"] = r.headers["Authorization"]
    collection = http.get("core/collections").json()["_embedded"]["collections"][0]["uuid"]
    out: dict[str, dict[str, Any]] = {}
    for client in ("curl", "httpx"):
        wsi = http.post("submission/workspaceitems", params={"owningCollection": collection}).json()
        url = f"{rest}/submission/workspaceitems/{wsi['id']}"
        started = time.perf_counter()
        if client == "curl":
            cookies = "; ".join(f"{c.name}={c.value}" for c in http.cookies.jar)
            cmd = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-F", f"file=@{path}"]
            for name in ("Authorization", "X-XSRF-TOKEN"):
                cmd += ["-H", f"{name}: {http.headers[name]}"]
            done = subprocess.run([*cmd, "-H", f"Cookie: {cookies}", url], capture_output=True, text=True, check=False)
            status = done.stdout.strip()
        else:
            with path.open("rb") as fh:  # httpx streams a file object in 64 KiB chunks
                status = str(http.post(url, files={"file": (path.name, fh, "application/octet-stream")}).status_code)
        seconds = time.perf_counter() - started
        if status not in ("200", "201"):
            raise SystemExit(f"{client} upload failed: HTTP {status}")
        http.delete(f"submission/workspaceitems/{wsi['id']}")  # frees the copy on disk
        out[client] = {"seconds": seconds}
    http.close()
    return out


def bridge(args: list[str], work: Path, env: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *args], capture_output=True, text=True, env=env, cwd=work, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bridge {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    measured = json.loads(done.stderr.strip().splitlines()[-1])
    return {"seconds": seconds, **measured}


def run(mib: int) -> dict[str, Any]:
    size = mib * 2**20
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        work = Path(tmp)
        big = make_artefact(work / "artefact", mib)
        env = {
            **os.environ,
            "BRIDGE_HOME": str(work / "home"),
            "BRIDGE_SANDBOX_SUBMITTER_PASSWORD": PASSWORD,
            "BRIDGE_SANDBOX_ADMIN_PASSWORD": "bench-admin-1",
            "BRIDGE_LOCAL_USER": SUBMITTER,
            "BRIDGE_LOCAL_PASSWORD": PASSWORD,
        }
        server, announced = start_sandbox(work, env)
        try:
            result: dict[str, Any] = {"mib": mib, "load_average": os.getloadavg()}
            result.update(baseline_uploads(announced["urls"]["rest"], big))
            result["validate"] = bridge(["validate", "artefact", "--json"], work, env)
            result["publish"] = bridge(["publish", "artefact", "--profile", "local", "--json"], work, env)
            result["sandbox_peak_rss"] = vm_hwm(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    best = min(result["curl"]["seconds"], result["httpx"]["seconds"])
    result["ratios"] = {
        "publish_vs_best_baseline": best / result["publish"]["seconds"],
        "bytes_read_per_byte": result["publish"]["rchar"] / size,
    }
    result["mb_per_s"] = {k: size / result[k]["seconds"] / 1e6 for k in ("curl", "httpx", "publish")}
    return result


def show(result: dict[str, Any]) -> None:
    mb = 1e6
    r, speed = result["ratios"], result["mb_per_s"]
    print(f"publish benchmark: one sparse file of {result['mib']:,} MiB to the sandbox's DSpace 7 REST upload")
    print(f"  load average {' '.join(f'{x:.2f}' for x in result['load_average'])} on {os.cpu_count()} CPUs")
    print(f"  curl -F (baseline)   {result['curl']['seconds']:7.1f} s  {speed['curl']:7.1f} MB/s")
    print(f"  bare httpx stream    {result['httpx']['seconds']:7.1f} s  {speed['httpx']:7.1f} MB/s  (baseline)")
    print(f"  bridge validate      {result['validate']['seconds']:7.1f} s  (start-up, read and hash)")
    print(f"  bridge publish       {result['publish']['seconds']:7.1f} s  {speed['publish']:7.1f} MB/s end to end")
    rss = result["publish"]["peak_rss"] / mb, result["sandbox_peak_rss"] / mb
    print(f"  peak RSS             bridge publish {rss[0]:.0f} MB, sandbox {rss[1]:.0f} MB")
    print(f"  bytes read per artefact byte: {r['bytes_read_per_byte']:.2f}  (2: once to hash, once to send)")
    print("  ratio (machine-independent):")
    print(f"    publish end to end / the faster baseline upload   {r['publish_vs_best_baseline']:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="size of the file in MiB (default 1024)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if shutil.which("curl") is None:
        print("error: curl is not installed (the baseline)", file=sys.stderr)
        return 2
    result = run(args.mib)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        show(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
